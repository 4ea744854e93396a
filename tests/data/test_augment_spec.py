"""Augmentation specs as a user writes them: parsing, errors, the config flag, `data show`."""

import pytest
import torch
from PIL import Image

from cnnlab.data import load
from cnnlab.data.augment import (
    build_augment,
    crop_pad,
    eval_transform,
    parse_augment,
    training_size,
)
from cnnlab.data.augment_geometric import Affine, Crop, Elastic, Flip
from cnnlab.data.dataset import Dataset
from cnnlab.data.show import augmented_grid
from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig
from conftest import run_cli_here


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
        ("flip:p=1.5", "p in 'flip:p=1.5' must be in [0, 1], found 1.5"),
        ("affine:rot=-5", "rot in 'affine:rot=-5' must be in [0, 180], found -5.0"),
        ("affine:scale=1", "scale in 'affine:scale=1' must be in [0, 1), found 1.0"),
        ("flip:p=0.5:p=0.7", "augment spec: p given twice in 'flip:p=0.5:p=0.7'"),
        ("crop:4:pad=4", "pad given twice in 'crop:4:pad=4'"),
        ("rotate:rot=1e400", "rot in 'rotate:rot=1e400' must be in [0, 180], found inf"),
        (
            "color:brightness=inf",
            "brightness in 'color:brightness=inf' must be in [0, 1], found inf",
        ),
        ("lighting:sigma=nan", "sigma in 'lighting:sigma=nan' must be a finite number >= 0"),
        ("elastic:sigma=0", "sigma in 'elastic:sigma=0' must be in (0, 1024], found 0.0"),
        ("crop:pad=100000", "pad in 'crop:pad=100000' must be an integer in [0, 1024]"),
        ("crop:size=5000", "size in 'crop:size=5000' must be an integer in [0, 4096]"),
        (
            "resized_crop:size=100000",
            "size in 'resized_crop:size=100000' must be an integer in [1, 4096]",
        ),
        (
            "scale_jitter:min=256:max=99999",
            "max in 'scale_jitter:min=256:max=99999' must be an integer in [1, 4096]",
        ),
        ("cutout:size=10000", "size in 'cutout:size=10000' must be an integer in [0, 4096]"),
        ("resized_crop:min_ratio=2:max_ratio=1", "needs min_ratio <= max_ratio"),
        ("resized_crop:min_scale=0.5:max_scale=0.2", "needs min_scale <= max_scale"),
        ("scale_jitter:min=480:max=256", "needs size <= min <= max"),
        ("crop:4:size=2:p=1:9", "bad parameter '9' in 'crop:4:size=2:p=1:9'"),
    ],
)
def test_bad_specs_name_the_token_and_the_valid_choices(spec, message):
    with pytest.raises(ConfigError) as caught:
        parse_augment(spec)
    assert message in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_train_config_checks_its_augment_and_preprocess_fields():
    assert TrainConfig(augment="flip,crop:4").augment == "flip,crop:4"
    with pytest.raises(ConfigError, match="unknown operation 'flop'"):
        TrainConfig(augment="flop")
    with pytest.raises(ConfigError, match="unknown preprocess 'whiten'"):
        TrainConfig(preprocess="whiten")


@pytest.mark.parametrize("parsed", [False, True], ids=["text", "parsed"])
def test_size_changing_specs_crop_the_centre_at_evaluation(parsed):
    spec = parse_augment if parsed else str
    assert training_size(spec("flip,crop:4"), (32, 32)) == (32, 32)
    assert training_size(spec("scale_jitter:min=256:max=480:size=224"), (300, 400)) == (224, 224)
    assert eval_transform(spec("flip,crop:4")) is None
    assert crop_pad(spec("flip,crop:4")) == 4 and crop_pad(spec("flip")) == 0
    x = torch.rand(2, 3, 36, 36)
    centre = eval_transform(spec("crop:size=32"))(x, torch.Generator())
    assert torch.equal(centre, x[..., 2:34, 2:34])
    big = torch.rand(1, 3, 300, 400)
    assert eval_transform(spec("scale_jitter:min=256:max=480:size=224"))(big, None).shape == (
        1,
        3,
        224,
        224,
    )


def test_the_config_hands_out_the_parsed_spec_and_building_leaves_it_unfitted():
    config = TrainConfig(augment="flip,lighting:sigma=0.1")
    parsed = config.augmentation
    assert parsed.spec == "flip,lighting:sigma=0.1" and parsed.operations[0] == Flip()
    dataset = Dataset("tiny", torch.randint(0, 256, (8, 3, 4, 4), dtype=torch.uint8),
                      torch.zeros(8, dtype=torch.long), ["a"])  # fmt: skip
    built = build_augment(parsed, dataset)
    assert built is not parsed and built.operations[1].eigenvalues is not None
    assert parsed.operations[1].eigenvalues is None  # the config's copy is not fitted
    assert build_augment(parse_augment(""), dataset) is None


def test_cli_train_refuses_a_bad_augment_spec_in_one_line(tmp_path):
    result = run_cli_here(
        "train", "lenet5", "--augment", "flip,rot:5", "--out", str(tmp_path / "r")
    )
    assert result.returncode == 2
    assert "unknown operation 'rot' in 'rot:5'; valid operations" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_show_draws_originals_and_augmented_copies(tmp_path):
    out = tmp_path / "grid.png"
    result = run_cli_here(
        "data", "show", "digits", "--augment", "flip,crop:4,cutout:8", "--out", str(out),
        "--count", "3", "--copies", "4",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3 images of digits with 4 augmented copies each (32x32)" in result.stdout
    with Image.open(out) as image:
        width, height = image.size
    assert width > height > 200  # 5 columns, 3 rows


def test_data_show_reports_a_bad_spec_and_a_bad_count(tmp_path):
    bad = run_cli_here(
        "data", "show", "digits", "--augment", "elastic:q=1", "--out", str(tmp_path / "g.png")
    )
    assert bad.returncode == 2 and "bad parameter 'q=1' in 'elastic:q=1'" in bad.stderr
    many = run_cli_here("data", "show", "digits", "--count", "0", "--out", str(tmp_path / "g.png"))
    assert many.returncode == 2 and "--count must be between 1 and 64, found 0" in many.stderr


def test_data_show_writes_nothing_into_the_current_folder_unasked(tmp_path):
    result = run_cli_here("data", "show", "digits", cwd=tmp_path)
    assert result.returncode == 2 and "Missing option '--out'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_augmented_grid_from_python_holds_what_it_draws(tmp_path):
    grid = augmented_grid("digits", "crop:size=24", count=3, copies=2, seed=1)
    assert grid.originals.shape == (3, 1, 32, 32) and grid.augmented.shape == (2, 3, 1, 24, 24)
    assert grid.labels == [
        str(label) for label in load("digits", "train", seed=1).labels[:3].tolist()
    ]
    assert grid.notes == ["3 images of digits with 2 augmented copies each (24x24)"]
    with pytest.raises(ConfigError, match="no file named for 'digits \\(train\\), augment"):
        grid.save()
    with Image.open(grid.save(tmp_path / "g.png")) as image:
        assert image.format == "PNG" and image.size[1] > 200


def test_a_crop_larger_than_the_images_says_so():
    with pytest.raises(ConfigError, match=r"crop:size=40 is larger than the images \(32x32"):
        parse_augment("crop:size=40")(torch.rand(1, 1, 32, 32), torch.Generator())
