"""Each batch augmentation, checked by properties a person can see."""

import pytest
import torch

from cnnlab.data import Dataset
from cnnlab.data.augment import parse_augment
from cnnlab.data.augment_color import channel_pca
from cnnlab.data.augment_geometric import affine_theta, warp

SPECS = [
    "flip",
    "crop:4",
    "crop:size=24",
    "resized_crop:24",
    "scale_jitter:min=24:max=40:size=20",
    "rotate:15",
    "affine:rot=10:translate=0.1:scale=0.1:shear=5",
    "color:brightness=0.4:contrast=0.4:saturation=0.4",
    "elastic:alpha=34:sigma=4",
    "cutout:8",
]


def batch(n: int = 16, channels: int = 3, size: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed))


def run(spec: str, x: torch.Tensor, seed: int = 0) -> torch.Tensor:
    return parse_augment(spec)(x, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("spec", SPECS)
def test_same_seed_same_result_and_another_seed_another(spec):
    x = batch()
    first, again, other = run(spec, x, 1), run(spec, x, 1), run(spec, x, 2)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert first.min() >= 0 and first.max() <= 1


@pytest.mark.parametrize("spec", [s for s in SPECS if "size" not in s and "jitter" not in s])
def test_probability_zero_is_the_identity(spec):
    x = batch()
    name = spec.split(":")[0]
    out = run(f"{name}:p=0" if ":" not in spec else f"{spec}:p=0", x)
    assert torch.allclose(out, x, atol=1e-5)


def test_flip_twice_is_the_identity_and_mirrors_the_chosen_images():
    x = batch()
    flip = parse_augment("flip:p=1")
    once = flip(x, torch.Generator())
    assert torch.equal(once, x.flip(-1))
    assert torch.equal(flip(once, torch.Generator()), x)
    half = run("flip", x)
    mirrored = [torch.equal(a, b.flip(-1)) for a, b in zip(half, x, strict=True)]
    kept = [torch.equal(a, b) for a, b in zip(half, x, strict=True)]
    assert all(m or k for m, k in zip(mirrored, kept, strict=True)) and any(mirrored) and any(kept)


def test_pad_and_crop_keeps_the_shape_and_shifts_the_content():
    x = batch(n=32)
    out = run("crop:pad=4", x)
    assert out.shape == x.shape
    for image, original in zip(out, x, strict=True):
        padded = torch.nn.functional.pad(original, [4] * 4)
        windows = [
            (dy, dx)
            for dy in range(9)
            for dx in range(9)
            if torch.equal(padded[:, dy : dy + 32, dx : dx + 32], image)
        ]
        assert len(windows) == 1  # the image is exactly one window of the padded original
    assert not torch.equal(out, x)


def test_crop_to_a_size_takes_windows_of_the_original():
    x = batch(n=4)
    out = run("crop:size=20", x)
    assert out.shape == (4, 3, 20, 20)
    original = x[0].unfold(1, 20, 1).unfold(2, 20, 1)  # every 20x20 window
    assert any(torch.equal(original[:, i, j], out[0]) for i in range(13) for j in range(13))


def test_a_90_degree_rotation_is_rot90_and_zero_affine_is_the_identity():
    x = batch(n=2, size=9)
    theta = affine_theta(
        torch.full((2,), 90.0), torch.zeros(2, 2), torch.ones(2), torch.zeros(2, 2), (9, 9)
    )
    assert torch.allclose(warp(x, theta), torch.rot90(x, 1, dims=(-2, -1)), atol=1e-5)
    assert torch.allclose(run("affine:rot=0:translate=0:scale=0:shear=0", x), x, atol=1e-5)


def test_a_translation_by_whole_pixels_moves_the_image():
    x = batch(n=1, size=10)
    theta = affine_theta(
        torch.zeros(1), torch.tensor([[0.2, 0.0]]), torch.ones(1), torch.zeros(1, 2), (10, 10)
    )
    moved = warp(x, theta)
    assert torch.allclose(moved[..., 2:], x[..., :-2], atol=1e-5)  # 2 pixels to the right
    assert torch.all(moved[..., :2] == 0)


def test_rotation_keeps_a_centred_disc():
    grid = torch.arange(31) - 15.0
    disc = ((grid.view(-1, 1) ** 2 + grid.view(1, -1) ** 2) <= 64).float().expand(8, 1, 31, 31)
    out = run("rotate:45", disc)
    assert (out - disc).abs().mean() < 0.02
    assert (out.sum() - disc.sum()).abs() / disc.sum() < 0.01


def test_elastic_with_alpha_zero_is_the_identity_and_larger_alpha_moves_more():
    x = batch(n=8, channels=1, size=28)
    assert torch.allclose(run("elastic:alpha=0:sigma=4", x), x, atol=1e-5)
    small = (run("elastic:alpha=2:sigma=4", x) - x).abs().mean()
    large = (run("elastic:alpha=34:sigma=4", x) - x).abs().mean()
    assert 0 < small < large


def test_elastic_displacement_is_smooth_for_a_large_sigma():
    """A very wide Gaussian makes the field nearly constant: the digit moves almost rigidly,
    so its mass and shape survive."""
    x = torch.zeros(4, 1, 28, 28)
    x[:, :, 10:18, 12:16] = 1.0
    smooth = run("elastic:alpha=3:sigma=30", x)
    assert (smooth.sum() - x.sum()).abs() / x.sum() < 0.05
    assert smooth.amax(dim=(2, 3)).min() > 0.9  # still a solid block somewhere


def test_cutout_zeroes_one_square_per_image():
    x = torch.ones(32, 1, 32, 32)
    out = run("cutout:size=8", x)
    zeroed = (out == 0).sum(dim=(1, 2, 3))
    assert zeroed.max() == 64 and zeroed.min() > 0  # a full square, or one cut by the border
    rows = (out == 0).any(dim=3).sum(dim=(1, 2))
    assert rows.max() <= 8


def test_colour_jitter_brightness_scales_each_image_by_one_factor():
    x = batch(n=8) * 0.5 + 0.1  # no clamping at the top, no division by 0
    out = run("color:brightness=0.3", x)
    ratio = out / x
    per_image = ratio.flatten(1)
    assert torch.allclose(per_image, per_image[:, :1].expand_as(per_image), atol=1e-5)
    assert per_image.min() >= 0.7 - 1e-6 and per_image.max() <= 1.3 + 1e-6


def test_saturation_leaves_grey_images_alone_and_contrast_keeps_the_mean():
    grey = batch(n=4, channels=1).expand(4, 3, 32, 32).contiguous() * 0.5 + 0.25
    assert torch.allclose(run("color:saturation=0.9", grey), grey, atol=1e-6)
    out = run("color:contrast=0.5", grey)
    assert torch.allclose(out.mean(dim=(1, 2, 3)), grey.mean(dim=(1, 2, 3)), atol=1e-5)


def colour_dataset() -> Dataset:
    """Pixels whose colours vary mostly along (1, 1, 1) and a little along (1, -1, 0)."""
    g = torch.Generator().manual_seed(0)
    n = 64
    base = torch.rand(n, 1, 8, 8, generator=g) * 0.6 + 0.2
    tint = (torch.rand(n, 1, 8, 8, generator=g) - 0.5) * 0.1
    rgb = torch.cat([base + tint, base - tint, base], dim=1)
    return Dataset("colours", (rgb * 255).round().to(torch.uint8), torch.zeros(n), ["a"])


def test_pca_lighting_shifts_colours_along_the_training_eigenvectors():
    dataset = colour_dataset()
    values, vectors = channel_pca(dataset)
    top = vectors[:, 0] * torch.sign(vectors[0, 0])
    assert torch.allclose(top, torch.ones(3) / 3**0.5, atol=0.02)  # grey axis first
    assert values[0] > 10 * values[1] > 0
    augment = parse_augment("lighting:sigma=0.1").fit(dataset)
    x = torch.full((16, 3, 8, 8), 0.5)
    shift = augment(x, torch.Generator().manual_seed(0)) - x
    per_image = shift[:, :, 0, 0]
    assert torch.allclose(shift, per_image.view(16, 3, 1, 1).expand_as(shift))  # one colour
    coefficients = per_image @ vectors / values.sqrt()  # alpha of each component
    assert coefficients.abs().max() < 0.5 and coefficients.std() > 0.03
    assert torch.allclose(per_image, coefficients * values.sqrt() @ vectors.T, atol=1e-6)


def test_scale_jitter_and_resized_crop_give_the_requested_size():
    x = batch(n=4, size=48)
    assert run("scale_jitter:min=32:max=48:size=28", x).shape == (4, 3, 28, 28)
    assert run("resized_crop:size=20", x).shape == (4, 3, 20, 20)


def test_scale_jitter_at_a_fixed_scale_is_a_resize_then_a_crop():
    """With min = max = the image size, the crop is a plain window of the image."""
    x = batch(n=2, size=32)
    out = run("scale_jitter:min=32:max=32:size=16", x)
    windows = x[0].unfold(1, 16, 1).unfold(2, 16, 1)
    best = min((windows[:, i, j] - out[0]).abs().max() for i in range(17) for j in range(17))
    assert best < 0.5  # bilinear sampling at sub-pixel offsets stays close to a window


def test_a_batch_on_the_cpu_and_the_same_spec_agree_whatever_the_batch_dtype():
    x = batch()
    spec = "flip,crop:4,affine:rot=10:translate=0.1,elastic:alpha=8:sigma=3,cutout:6"
    assert torch.allclose(run(spec, x), run(spec, x.double()).float(), atol=1e-5)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_and_cpu_give_the_same_augmentations_for_the_same_seed():
    x = batch()
    spec = "flip,crop:4,affine:rot=10:translate=0.1:scale=0.1:shear=5,elastic:34:sigma=4,cutout:8"
    assert torch.allclose(run(spec, x.cuda()).cpu(), run(spec, x), atol=1e-4)


def test_flip_then_crop_runs_as_one_gather_with_the_same_result():
    x = batch(n=64)
    generator = torch.Generator().manual_seed(5)
    flipped = parse_augment("flip")(x, generator)
    sequential = parse_augment("crop:4")(flipped, generator)
    assert torch.equal(run("flip,crop:4", x, seed=5), sequential)
