import pytest
import torch
from PIL import Image
from sklearn.datasets import load_sample_images
from torch import nn

from cnnlab import models
from cnnlab.errors import ModelError, UnknownNameError
from cnnlab.train import Run, TrainConfig, fit
from cnnlab.viz.activations import capture
from cnnlab.viz.patches import field_box, layer_field, plot_top_patches, top_patches


def test_the_crop_box_starts_where_the_hand_computed_field_does():
    # AlexNet: conv 11/4 pad 2 -> 11, jump 4, from -2; pool 3/2 -> 19, jump 8; conv 5 pad 2 -> 51
    field = layer_field(models.create("alexnet", num_classes=10), "features.3", (3, 224, 224))
    assert field_box(field, 0, 0) == (-18, -18, 33, 33)
    assert field_box(field, 2, 1) == (-2, -10, 49, 41)
    # ZFNet: conv 7/2 pad 1 -> 7, jump 2, from -1; pool 3/2 (ceil) -> 11, jump 4; conv 5/2 -> 27
    field = layer_field(models.create("zfnet", num_classes=10), "features.5", (3, 224, 224))
    assert field_box(field, 0, 0) == (-1, -1, 26, 26)
    assert field_box(field, 1, 3) == (7, 23, 34, 50)
    # LeNet-5 C3: 14x14, jump 2, no padding: inside the image
    field = layer_field(models.create("lenet5"), "features.3", (1, 32, 32))
    assert field_box(field, 0, 0) == (0, 0, 14, 14)
    assert field_box(field, 9, 4) == (18, 8, 32, 22)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_the_field_is_the_window_of_input_pixels_a_unit_depends_on():
    torch.manual_seed(0)
    model = nn.Sequential(  # the comments give the output shapes for a 1x44x44 input
        nn.Conv2d(1, 2, 3, padding=1),  # (2, 44, 44)
        nn.AvgPool2d(2),  # (2, 22, 22)
        nn.Conv2d(2, 2, 3, stride=2, padding=2, dilation=2),  # (2, 11, 11)
        nn.ReLU(),
        nn.AvgPool2d(3, stride=1),  # (2, 9, 9)
        nn.Conv2d(2, 2, 4, padding="same"),  # (2, 9, 9): one pixel padded left, two right
        nn.AvgPool2d(2, ceil_mode=True),  # (2, 5, 5): the last window hangs over the edge
    )
    for layer in model:
        if hasattr(layer, "weight"):
            layer.weight.data.uniform_(0.1, 1.0)  # positive weights: no gradient cancels out
    field = layer_field(model, "6", (1, 44, 44))
    assert (field[0].jump, field[1].jump) == (8, 8)
    for y, x in [(0, 0), (2, 2), (2, 3), (4, 4)]:
        image = torch.rand(1, 1, 44, 44, requires_grad=True)
        model(image)[0, 0, y, x].backward()
        support = image.grad[0, 0] != 0
        top, left, bottom, right = field_box(field, y, x)
        expected = torch.zeros(44, 44, dtype=torch.bool)
        expected[max(top, 0) : bottom, max(left, 0) : right] = True
        assert not (support & ~expected).any(), (y, x, field)  # nothing outside the field
        assert support.nonzero().min(dim=0).values.tolist() == [max(top, 0), max(left, 0)]
        if (y, x) in [(0, 0), (2, 2)]:  # fields inside the image, or cut only by the padding
            assert torch.equal(support, expected), (y, x, field)
    # at the far edge the dilated, strided convolution skips every other pooled pixel, so
    # the last image row is seen by no unit: the field is the window, not every pixel in it


def test_layers_without_maps_and_unknown_layers_are_refused_with_the_reason():
    lenet = models.create("lenet5")
    for layer, shape in [("classifier.0", r"\(120,\)"), ("classifier.1", r"\(84,\)")]:
        with pytest.raises(ModelError, match=rf"'{layer}' gives outputs of shape {shape}.*maps"):
            layer_field(lenet, layer, (1, 32, 32))
    with pytest.raises(UnknownNameError, match="unknown layer 'features.99'"):
        layer_field(lenet, "features.99", (1, 32, 32))


def test_top_patches_are_the_strongest_images_and_their_patch_alone_gives_the_activation(
    digits_run,
):
    loaded = Run.open(digits_run)
    result = top_patches(loaded, "features.3", unit=4, count=5)
    assert result.patches.shape == (5, 1, 14, 14)
    assert torch.all(result.values[:-1] >= result.values[1:])
    # no other test image makes the unit fire more than the fifth patch's image
    images = loaded.dataset("test").images
    maps = capture(loaded.model, loaded.model.features[3], loaded.prepare(images))
    strongest = maps[:, 4].flatten(1).max(dim=1).values
    assert torch.allclose(strongest.topk(5).values, result.values)
    # keep only the patch (the rest of the image at the mean, a zero input): same activation
    for i, (index, value, box) in enumerate(
        zip(result.indices, result.values, result.boxes, strict=True)
    ):
        top, left, bottom, right = box.tolist()
        batch = loaded.prepare(images[index : index + 1])
        only_patch = torch.zeros_like(batch)
        only_patch[..., top:bottom, left:right] = batch[..., top:bottom, left:right]
        y, x = top // 2, left // 2  # C3's jump, no padding
        out = capture(loaded.model, loaded.model.features[3], only_patch)[0, 4, y, x]
        assert torch.allclose(out, value, atol=1e-5)
        crop = images[index, :, top:bottom, left:right].float() / 255  # inside the image here
        assert torch.allclose(result.patches[i], crop, atol=1e-5)


@pytest.fixture(scope="module")
def resnet_run(tmp_path_factory):
    """resnet20 after one optimiser step on 32x32 crops of two photos (one class each)."""
    root = tmp_path_factory.mktemp("photos")
    for name, photo in zip(["china", "flower"], load_sample_images().images, strict=True):
        (root / name).mkdir()
        for i in range(20):
            top, left = 40 + 17 * (i // 5), 60 + 23 * (i % 5)
            Image.fromarray(photo[top : top + 32, left : left + 32]).save(root / name / f"{i}.png")
    out = tmp_path_factory.mktemp("runs") / "resnet20-photos"
    fit(TrainConfig(model="resnet20", data=f"folder:{root}", epochs=1, max_steps=1, out=str(out)))
    return out


def gradient_support(model, module, image, unit) -> torch.Tensor:
    """(H, W) mask of the input pixels whose change moves ``module``'s output at ``unit``."""
    image = image.clone().requires_grad_()
    outputs = []
    handle = module.register_forward_hook(lambda m, i, output: outputs.append(output))
    try:
        model(image)
    finally:
        handle.remove()
    outputs[0][0][unit].backward()
    return image.grad[0].abs().sum(dim=0) != 0


def test_top_patches_of_a_residual_block_hold_everything_the_unit_sees(resnet_run):
    loaded = Run.open(resnet_run)
    block = loaded.model.layer2[0]  # stride-2 conv path + zero-padded strided shortcut
    result = top_patches(loaded, "layer2.0", unit=3, count=4)
    assert result.patches.shape == (4, 3, 21, 21)  # 15 after layer1, + 2 + 2*2 in the block
    images = loaded.dataset("test").images
    for index, value, box in zip(result.indices, result.values, result.boxes, strict=True):
        top, left, bottom, right = box.tolist()
        y, x = (top + 10) // 2, (left + 10) // 2  # the unit whose 21x21 field this is
        image = loaded.prepare(images[index : index + 1])
        assert torch.allclose(capture(loaded.model, block, image)[0, 3, y, x], value, atol=1e-5)
        # every pixel the unit's value depends on lies in the box, and they reach its sides
        rows, columns = gradient_support(loaded.model, block, image, (3, y, x)).nonzero().T
        assert (rows.min(), columns.min()) == (max(top, 0), max(left, 0))
        assert (rows.max() + 1, columns.max() + 1) == (min(bottom, 32), min(right, 32))
        # keep only the patch: the same activation
        only_patch = torch.zeros_like(image)
        only_patch[..., top:bottom, left:right] = image[..., top:bottom, left:right]
        assert torch.allclose(
            capture(loaded.model, block, only_patch)[0, 3, y, x], value, atol=1e-5
        )


def test_a_unit_out_of_range_names_the_layers_channels(digits_run):
    with pytest.raises(
        ModelError, match=r"unit 16 is out of range: layer 'features.3' has 16 channels \(0..15\)"
    ):
        top_patches(Run.open(digits_run), "features.3", unit=16)


def test_a_count_below_one_is_refused(digits_run):
    with pytest.raises(ModelError, match="count of top patches must be at least 1, found 0"):
        top_patches(Run.open(digits_run), "features.0", unit=0, count=0)


def test_the_top_patches_plot_is_a_png(digits_run, tmp_path):
    result = top_patches(Run.open(digits_run), "features.0", unit=0, count=9)
    assert result.patches.shape == (9, 1, 5, 5)
    path = plot_top_patches(result, "lenet5 features.0 unit 0", tmp_path / "patches.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
