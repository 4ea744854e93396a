import pytest
import torch
from captum.attr import Occlusion
from patch_task import PATCH, inside_patch, patch_images, trained_patch_model

from cnnlab.data.preprocess import Preprocess
from cnnlab.errors import CnnlabError, ConfigError, ModelError
from cnnlab.models import create
from cnnlab.train.run import PixelModel
from cnnlab.viz.attribution import gradcam, occlusion, occlusion_map, saliency, window_starts
from cnnlab.viz.probes import layer_names


@pytest.fixture(scope="module")
def patch_model():
    return trained_patch_model()


@pytest.fixture(scope="module")
def patch_gap_model():
    return trained_patch_model(pooled=True)


@pytest.fixture(scope="module")
def patch_batch(patch_model):
    """Eight fresh patch images, four of each class, with their labels."""
    images, _ = patch_images(8, seed=3)
    images[:4, 0, PATCH[0], PATCH[1]] = 0.0
    images[4:, 0, PATCH[0], PATCH[1]] = 1.0
    labels = torch.tensor([0] * 4 + [1] * 4)
    assert torch.equal(patch_model(images).argmax(1), labels)
    return images, labels


def argmax_positions(maps: torch.Tensor) -> list[tuple[int, int]]:
    width = maps.shape[-1]
    flat = maps.flatten(1).argmax(dim=1)
    return [(int(i) // width, int(i) % width) for i in flat]


def patch_share(maps: torch.Tensor) -> torch.Tensor:
    """Fraction of each map's mass inside the patch (the patch is 1/16 of the image)."""
    maps = maps.clamp(min=0)
    return maps[:, PATCH[0], PATCH[1]].sum(dim=(1, 2)) / maps.sum(dim=(1, 2))


def test_saliency_peaks_inside_the_deciding_patch(patch_model, patch_batch):
    images, labels = patch_batch
    maps = saliency(patch_model, images, labels)
    assert maps.shape == (8, 16, 16)
    assert all(inside_patch(*pos) for pos in argmax_positions(maps)), maps
    assert (patch_share(maps) > 3 * 16 / 256).all()  # three times its share of the area


def test_occlusion_probability_drops_most_when_the_patch_is_hidden(patch_model, patch_batch):
    images, labels = patch_batch
    grid = occlusion(patch_model, images, labels, size=4, stride=1, batch_size=50)
    assert grid.shape == (8, 13, 13) and ((grid >= 0) & (grid <= 1)).all()
    assert (grid.amax(dim=(1, 2)) > 0.9).all() and (grid.amin(dim=(1, 2)) < 0.5).all()
    lowest = argmax_positions(-grid)  # the square's top-left corner when p is lowest
    assert all(pos == (PATCH[0].start, PATCH[1].start) for pos in lowest), lowest
    maps = occlusion_map(patch_model, images, labels, size=4, stride=2)
    assert all(inside_patch(*pos) for pos in argmax_positions(maps))


def test_gradcam_of_the_last_conv_layer_peaks_inside_the_patch(patch_gap_model, patch_batch):
    images, labels = patch_batch
    model = patch_gap_model
    assert torch.equal(model(images).argmax(1), labels)
    maps = gradcam(model, images, labels, layer="features.5")
    assert maps.shape == (8, 16, 16) and (maps >= 0).all()
    assert all(inside_patch(*pos) for pos in argmax_positions(maps)), argmax_positions(maps)


def test_gradcam_without_a_layer_needs_the_model_to_declare_one(patch_gap_model, patch_batch):
    images, labels = patch_batch
    with pytest.raises(ModelError, match="TinyNet declares no cam_layer: name the layer"):
        gradcam(patch_gap_model, images, labels)


@pytest.mark.parametrize(("size", "stride"), [(4, 2), (5, 3), (3, 3)])
def test_occlusion_map_equals_captums_occlusion(patch_model, patch_batch, size, stride):
    images, labels = patch_batch
    ours = occlusion_map(patch_model, images, labels, size=size, stride=stride, fill=0.5)
    reference = Occlusion(lambda x: patch_model(x).softmax(dim=1)).attribute(
        images,
        sliding_window_shapes=(1, size, size),
        strides=(1, stride, stride),
        baselines=0.5,
        target=labels,
        perturbations_per_eval=64,
    )
    assert reference.abs().max() > 0.1  # the maps say something
    assert torch.allclose(ours, reference[:, 0], atol=1e-5, rtol=0)


def test_occlusion_windows_cover_the_border_like_captum():
    assert window_starts(16, 5, 3) == [0, 3, 6, 9, 12]  # the last square is clipped at 16
    assert window_starts(16, 4, 4) == [0, 4, 8, 12]
    assert window_starts(4, 4, 1) == [0]


def test_bad_options_name_the_value_and_the_limit(patch_model, patch_batch):
    images, _ = patch_batch
    with pytest.raises(ConfigError, match="occluder size 20 does not fit the 16x16 image"):
        occlusion(patch_model, images, size=20)
    with pytest.raises(ConfigError, match="stride 5 must be between 1 and the size 4"):
        occlusion(patch_model, images, size=4, stride=5)
    with pytest.raises(ConfigError, match="batch size must be at least 1, got 0"):
        occlusion_map(patch_model, images, size=4, stride=2, batch_size=0)
    with pytest.raises(ModelError, match=r"target class 3 is out of range: .* 3 classes \(0..2\)"):
        saliency(patch_model, images, 3)
    with pytest.raises(CnnlabError, match="unknown layer 'conv9'.* Known layers: "):
        gradcam(patch_model, images, layer="conv9")


def test_gradcam_defaults_to_the_layer_the_model_declares():
    torch.manual_seed(0)
    model = create("lenet5").eval()
    images = torch.rand(2, 1, 32, 32)
    assert model.cam_layer == "features.5"  # S4: C5 after it is 1x1
    assert torch.equal(gradcam(model, images), gradcam(model, images, layer="features.5"))


def test_a_pixel_model_takes_pixels_and_keeps_its_layer_names(patch_model, patch_batch):
    images, labels = patch_batch
    wrapped = PixelModel(patch_model, Preprocess("standardize", [0.4], [0.2]))
    assert layer_names(wrapped) == layer_names(patch_model)
    assert torch.allclose(wrapped(images), patch_model((images - 0.4) / 0.2))
    # the chain rule: d score / d pixel = d score / d normalised input / std
    normalised = (images - 0.4) / 0.2
    expected = saliency(patch_model, normalised, labels) / 0.2
    assert torch.allclose(saliency(wrapped, images, labels), expected, rtol=1e-4, atol=1e-6)
    assert torch.allclose(
        gradcam(wrapped, images, labels, layer="features.5"),
        gradcam(patch_model, normalised, labels, layer="features.5"),
        atol=1e-6,
    )
