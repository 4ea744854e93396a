"""Test-time augmentation: the views are the right pixels; averaging is the softmax mean."""

import math

import pytest
import torch
from torch import nn

from cnnlab.data.tta import predict, rotated, ten_crop, unseen_views, views
from cnnlab.errors import ConfigError
from conftest import run_cli_here


def numbered(height=6, width=7):
    return torch.arange(2 * height * width, dtype=torch.float32).view(1, 2, height, width)


def test_ten_crop_gives_the_corners_the_centre_and_their_mirrors():
    x = numbered()
    crops = ten_crop(x, 4)
    assert len(crops) == 10 and all(c.shape == (1, 2, 4, 4) for c in crops)
    expected = [
        x[..., 0:4, 0:4],  # top left
        x[..., 0:4, 3:7],  # top right
        x[..., 2:6, 0:4],  # bottom left
        x[..., 2:6, 3:7],  # bottom right
        x[..., 1:5, 1:5],  # centre
    ]
    for crop, want in zip(crops[:5], expected, strict=True):
        assert torch.equal(crop, want)
    for mirror, want in zip(crops[5:], expected, strict=True):
        assert torch.equal(mirror, want.flip(-1))
    assert crops[0][0, 0, 0, 0] == 0 and crops[3][0, 0, -1, -1] == 41  # the corner pixels


def test_ten_crop_of_images_no_larger_than_the_input_pads_first():
    x = numbered(4, 4)
    crops = list(views(x, "10crop", 4, pad=1))
    assert torch.equal(crops[4], x)  # the centre of the padded image is the image
    assert torch.equal(crops[0][..., 1:, 1:], x[..., :3, :3])
    assert torch.all(crops[0][..., 0, :] == 0)


def test_multiscale_is_five_scales_of_ten_crops():
    x = torch.rand(2, 3, 40, 48)
    all_views = list(views(x, "multiscale", 32))
    assert len(all_views) == 50 and all(v.shape == (2, 3, 32, 32) for v in all_views)


def test_rotating_a_square_image_a_quarter_turn_is_rot90_counter_clockwise():
    x = numbered(5, 5)
    assert torch.allclose(rotated(x, 90), torch.rot90(x, 1, dims=(-2, -1)), atol=1e-4)
    assert rotated(x, 0) is x


def test_rotate_is_the_image_and_its_rotations_by_3_6_and_9_degrees_each_way():
    x = torch.rand(2, 1, 28, 28)
    all_views = list(views(x, "rotate", 28))
    assert len(all_views) == 7 and torch.equal(all_views[0], x)
    for view, degrees in zip(all_views[1:], (-3, 3, -6, 6, -9, 9), strict=True):
        assert torch.allclose(view, rotated(x, degrees))
        assert not torch.allclose(view, x, atol=1e-2)
    # a blob 9.5 px above the centre turns counter-clockwise, about 1 px to the left
    blob = torch.zeros(1, 1, 28, 28)
    blob[..., 3:6, 13:16] = 1.0  # centred on (x 14.5, y 4.5); the image centre is (14, 14)
    turned = rotated(blob, 6)[0, 0]
    column = (turned.sum(0) * (torch.arange(28) + 0.5)).sum() / turned.sum()
    angle = math.radians(6)
    assert column.item() == pytest.approx(
        14 + 0.5 * math.cos(angle) - 9.5 * math.sin(angle), abs=0.01
    )


class FlipInvariant(nn.Module):
    """g(x) + g(mirror x): the same output for an image and its mirror, by construction."""

    def __init__(self):
        super().__init__()
        self.g = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(5))

    def forward(self, x):
        return self.g(x) + self.g(x.flip(-1))


def test_flip_tta_changes_nothing_for_a_flip_invariant_model():
    torch.manual_seed(0)
    model, x = FlipInvariant(), torch.rand(8, 3, 12, 12)
    plain = model(x).softmax(dim=1)
    assert torch.allclose(predict(model, x, "flip", size=12), plain, atol=1e-6)
    assert torch.allclose(predict(model, x, "none", size=12), plain)


def test_tta_averages_the_softmax_of_the_views():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(5))
    x = torch.rand(3, 3, 10, 10)
    crops = ten_crop(x, 8)
    expected = torch.stack([model(c).softmax(dim=1) for c in crops]).mean(dim=0)
    assert torch.allclose(predict(model, x, "10crop", size=8), expected, atol=1e-6)
    with pytest.raises(ConfigError, match="unknown test-time augmentation 'five'"):
        predict(model, x, "five", size=8)


@pytest.mark.slow  # the in-process tests above cover the views; this one runs the CLI twice
def test_cli_eval_with_tta_prints_the_mode(digits_run):
    plain = run_cli_here("eval", str(digits_run))
    flipped = run_cli_here("eval", str(digits_run), "--tta", "10crop")
    assert plain.returncode == 0 and flipped.returncode == 0, flipped.stderr
    assert "(test-time augmentation: 10crop)" in flipped.stdout
    assert "test accuracy" in flipped.stdout
    bad = run_cli_here("eval", str(digits_run), "--tta", "mirror")
    assert bad.returncode == 2
    assert "unknown test-time augmentation 'mirror': expected one of none, flip" in bad.stderr


@pytest.mark.parametrize(
    ("mode", "augment", "missing"),
    [
        ("flip", "", "(no flips)"),
        ("flip", "crop:4", "(no flips)"),
        ("10crop", "flip", "(no shifts)"),
        ("10crop", "affine:rot=10", "(no flips, no shifts)"),
        ("multiscale", "flip,crop:4", "(no scales)"),
        ("rotate", "crop:4", "(no rotations)"),
        ("rotate", "affine:translate=0.1:scale=0.1", "(no rotations)"),
    ],
)
def test_tta_of_views_training_never_showed_warns_naming_the_training_augmentation(
    mode, augment, missing
):
    warning = unseen_views(mode, augment)
    trained = f"augment {augment!r}" if augment else "no augmentation"
    assert warning is not None
    assert f"--tta {mode} averages" in warning and f"trained with {trained} {missing}" in warning


@pytest.mark.parametrize(
    ("mode", "augment"),
    [
        ("none", ""),
        ("flip", "flip"),
        ("flip", "affine:rot=5,flip:p=0.5"),
        ("10crop", "flip,crop:4"),
        ("10crop", "scale_jitter:min=36:max=48:size=32,flip"),
        ("multiscale", "resized_crop:32,flip"),
        ("rotate", "affine:rot=10:scale=0.1:translate=0.07"),
    ],
)
def test_tta_of_views_training_showed_is_quiet(mode, augment):
    assert unseen_views(mode, augment) is None


def test_eval_with_tta_or_another_split_writes_its_own_plot_and_warns(digits_run, tmp_path):
    """The digits run was trained without augmentation: flip TTA warns, and neither it nor
    the validation split touches the plain test plot."""
    plain = digits_run / "plots" / "confusion.png"
    before = plain.read_bytes()
    flipped = run_cli_here("eval", str(digits_run), "--tta", "flip")
    assert flipped.returncode == 0, flipped.stderr
    assert "warning: --tta flip averages flips of each image, but the run was trained with no " \
        "augmentation (no flips)" in flipped.stdout  # fmt: skip
    assert (digits_run / "plots" / "confusion-test-tta-flip.png").stat().st_size > 0
    val = run_cli_here("eval", str(digits_run), "--split", "val", "--out", str(tmp_path / "v.png"))
    assert val.returncode == 0, val.stderr
    assert "warning" not in val.stdout and (tmp_path / "v.png").stat().st_size > 0
    assert plain.read_bytes() == before
