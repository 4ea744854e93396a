"""Augmentation specs as a user writes them: parsing, errors, the config flag, `data show`."""

import pytest
import torch
from PIL import Image

from cnnlab.data.augment import eval_transform, parse_augment, training_size
from cnnlab.data.augment_geometric import Affine, Crop, Elastic, Flip
from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig
from conftest import run_cli


def test_the_documented_example_parses_into_its_operations():
    spec = (
        "flip,crop:4,elastic:alpha=34:sigma=4:p=0.5,affine:rot=10:translate=0.1:scale=0.1:shear=5"
    )
    ops = parse_augment(spec).operations
    assert ops == [
        Flip(p=0.5),
        Crop(pad=4),
        Elastic(alpha=34, sigma=4, p=0.5),
        Affine(rot=10, translate=0.1, scale=0.1, shear=5),
    ]
    assert parse_augment("").operations == [] and parse_augment(" flip , ").operations == [Flip()]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "flip,mirror",
            "unknown operation 'mirror' in 'mirror'; valid operations: flip, hflip, crop",
        ),
        ("crop:pad=x", "'pad=x' in 'crop:pad=x': expected a whole number, found 'x'"),
        (
            "elastic:beta=3",
            "bad parameter 'beta=3' in 'elastic:beta=3'; elastic takes alpha, sigma, p",
        ),
        ("flip:p=1.5", "p in 'flip:p=1.5' must be between 0 and 1, found 1.5"),
        ("affine:rot=-5", "rot in 'affine:rot=-5' must be >= 0, found -5.0"),
        ("affine:scale=1", "scale in 'affine:scale=1' must be below 1"),
        ("scale_jitter:min=480:max=256", "needs size <= min <= max"),
        ("crop:4:size=2:p=1:9", "bad parameter '9' in 'crop:4:size=2:p=1:9'"),
    ],
)
def test_bad_specs_name_the_token_and_the_valid_choices(spec, message):
    with pytest.raises(ConfigError) as caught:
        parse_augment(spec)
    assert message in str(caught.value)


def test_train_config_checks_its_augment_and_preprocess_fields():
    assert TrainConfig(augment="flip,crop:4").augment == "flip,crop:4"
    with pytest.raises(ConfigError, match="unknown operation 'flop'"):
        TrainConfig(augment="flop")
    with pytest.raises(ConfigError, match="unknown preprocess 'whiten'"):
        TrainConfig(preprocess="whiten")


def test_size_changing_specs_crop_the_centre_at_evaluation():
    assert training_size("flip,crop:4", (32, 32)) == (32, 32)
    assert training_size("scale_jitter:min=256:max=480:size=224", (300, 400)) == (224, 224)
    assert eval_transform("flip,crop:4") is None
    x = torch.rand(2, 3, 36, 36)
    centre = eval_transform("crop:size=32")(x, torch.Generator())
    assert torch.equal(centre, x[..., 2:34, 2:34])
    big = torch.rand(1, 3, 300, 400)
    assert eval_transform("scale_jitter:min=256:max=480:size=224")(big, None).shape == (
        1,
        3,
        224,
        224,
    )


def test_cli_train_refuses_a_bad_augment_spec_in_one_line(tmp_path):
    result = run_cli("train", "lenet5", "--augment", "flip,rot:5", "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unknown operation 'rot' in 'rot:5'; valid operations" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_show_draws_originals_and_augmented_copies(tmp_path):
    out = tmp_path / "grid.png"
    result = run_cli(
        "data", "show", "digits", "--augment", "flip,crop:4,cutout:8", "--out", str(out),
        "--count", "3", "--copies", "4",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3 images of digits with 4 augmented copies each (32x32)" in result.stdout
    with Image.open(out) as image:
        width, height = image.size
    assert width > height > 200  # 5 columns, 3 rows


def test_data_show_reports_a_bad_spec_and_a_bad_count(tmp_path):
    bad = run_cli(
        "data", "show", "digits", "--augment", "elastic:q=1", "--out", str(tmp_path / "g.png")
    )
    assert bad.returncode == 2 and "bad parameter 'q=1' in 'elastic:q=1'" in bad.stderr
    many = run_cli("data", "show", "digits", "--count", "0", "--out", str(tmp_path / "g.png"))
    assert many.returncode == 2 and "--count must be between 1 and 64, found 0" in many.stderr


def test_a_crop_larger_than_the_images_says_so():
    with pytest.raises(ConfigError, match=r"crop:size=40 is larger than the images \(32x32"):
        parse_augment("crop:size=40")(torch.rand(1, 1, 32, 32), torch.Generator())
