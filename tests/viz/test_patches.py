import pytest
import torch
from PIL import Image
from torch import nn

from cnnlab import models
from cnnlab.errors import ModelError, UnknownNameError
from cnnlab.viz.activations import capture
from cnnlab.viz.inputs import open_run
from cnnlab.viz.patches import Field, plot_top_patches, receptive_field, top_patches


@pytest.mark.parametrize(
    ("layer", "size", "jump"),
    [
        ("features.0", 5, 1),  # C1: one 5x5 kernel
        ("features.2", 6, 2),  # S2: 5 + (2-1)*1
        ("features.3", 14, 2),  # C3: 6 + (5-1)*2
        ("features.5", 16, 4),  # S4: 14 + (2-1)*2
        ("features.6", 32, 4),  # C5: 16 + (5-1)*4, the whole 32x32 input
    ],
)
def test_lenet5_receptive_fields_match_the_hand_computed_ones(layer, size, jump):
    field = receptive_field(models.create("lenet5"), layer, (1, 32, 32))
    assert field == Field((size, size), (jump, jump), (0, 0))


def test_padding_and_ceil_mode_pooling_are_counted():
    # AlexNet: conv 11/4 pad 2 -> 11, jump 4, from -2; pool 3/2 -> 19, jump 8; conv 5 pad 2 -> 51
    alexnet = models.create("alexnet", num_classes=10)
    assert receptive_field(alexnet, "features.3", (3, 224, 224)) == Field(
        (51, 51), (8, 8), (-18, -18)
    )
    # ZFNet: conv 7/2 pad 1 -> 7, jump 2, from -1; pool 3/2 (ceil) -> 11, jump 4; conv 5/2 -> 27
    zfnet = models.create("zfnet", num_classes=10)
    assert receptive_field(zfnet, "features.5", (3, 224, 224)) == Field((27, 27), (8, 8), (-1, -1))


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
    field = receptive_field(model, "6", (1, 44, 44))
    assert field.jump == (8, 8)
    for y, x in [(0, 0), (2, 2), (2, 3), (4, 4)]:
        image = torch.rand(1, 1, 44, 44, requires_grad=True)
        model(image)[0, 0, y, x].backward()
        support = image.grad[0, 0] != 0
        top, left, bottom, right = field.box(y, x)
        expected = torch.zeros(44, 44, dtype=torch.bool)
        expected[max(top, 0) : bottom, max(left, 0) : right] = True
        assert not (support & ~expected).any(), (y, x, field)  # nothing outside the field
        assert support.nonzero().min(dim=0).values.tolist() == [max(top, 0), max(left, 0)]
        if (y, x) in [(0, 0), (2, 2)]:  # fields inside the image, or cut only by the padding
            assert torch.equal(support, expected), (y, x, field)
    # at the far edge the dilated, strided convolution skips every other pooled pixel, so
    # the last image row is seen by no unit: the field is the window, not every pixel in it


def test_models_with_branches_and_layers_without_maps_are_refused_with_the_reason():
    with pytest.raises(ModelError, match="does not take the previous module's output"):
        receptive_field(models.create("resnet20"), "layer2.0.conv2", (3, 32, 32))
    with pytest.raises(ModelError, match=r"gives outputs of shape \(84,\).*feature maps"):
        receptive_field(models.create("lenet5"), "classifier.1", (1, 32, 32))
    with pytest.raises(UnknownNameError, match="unknown layer 'features.99'"):
        receptive_field(models.create("lenet5"), "features.99", (1, 32, 32))


def test_top_patches_are_the_strongest_images_and_their_patch_alone_gives_the_activation(
    digits_run,
):
    loaded = open_run(digits_run)
    result = top_patches(loaded, "features.3", unit=4, count=5)
    assert result.patches.shape == (5, 1, 14, 14)
    assert torch.all(result.values[:-1] >= result.values[1:])
    # no other test image makes the unit fire more than the fifth patch's image
    images = loaded.split("test").images
    maps = capture(loaded.model, loaded.model.features[3], loaded.normalise(images))
    strongest = maps[:, 4].flatten(1).max(dim=1).values
    assert torch.allclose(strongest.topk(5).values, result.values)
    # keep only the patch (the rest of the image at the mean, a zero input): same activation
    field = result.field
    for i, (index, value, box) in enumerate(
        zip(result.indices, result.values, result.boxes, strict=True)
    ):
        top, left, bottom, right = box.tolist()
        batch = loaded.normalise(images[index : index + 1])
        only_patch = torch.zeros_like(batch)
        only_patch[..., top:bottom, left:right] = batch[..., top:bottom, left:right]
        y, x = top // field.jump[0], left // field.jump[1]
        out = capture(loaded.model, loaded.model.features[3], only_patch)[0, 4, y, x]
        assert torch.allclose(out, value, atol=1e-5)
        crop = images[index, :, top:bottom, left:right].float() / 255  # inside the image here
        assert torch.allclose(result.patches[i], crop, atol=1e-5)


def test_a_unit_out_of_range_names_the_layers_channels(digits_run):
    with pytest.raises(
        ModelError, match=r"unit 16 is out of range: layer 'features.3' has 16 channels \(0..15\)"
    ):
        top_patches(open_run(digits_run), "features.3", unit=16)


def test_a_count_below_one_is_refused(digits_run):
    with pytest.raises(ModelError, match="count of top patches must be at least 1, found 0"):
        top_patches(open_run(digits_run), "features.0", unit=0, count=0)


def test_the_top_patches_plot_is_a_png(digits_run, tmp_path):
    result = top_patches(open_run(digits_run), "features.0", unit=0, count=9)
    assert result.patches.shape == (9, 1, 5, 5)
    path = plot_top_patches(result, "lenet5 features.0 unit 0", tmp_path / "patches.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
