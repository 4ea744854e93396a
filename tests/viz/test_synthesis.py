import pytest
import torch
from patch_task import PATCH, trained_patch_model
from torch import nn

from cnnlab.errors import CnnlabError, ConfigError, ModelError
from cnnlab.viz.attribution import class_scores
from cnnlab.viz.synthesis import class_model, gaussian_blur, max_response, noise, unit_response


@pytest.fixture(scope="module")
def patch_model():
    return trained_patch_model()


@pytest.mark.parametrize(("target", "patch_value"), [(0, 0.0), (1, 1.0)])
def test_class_model_raises_the_score_and_paints_the_deciding_patch(
    patch_model, target, patch_value
):
    start = noise((1, 16, 16), seed=0)
    image = class_model(patch_model, target, start, steps=40)
    assert image.shape == start.shape and image.min() >= 0 and image.max() <= 1
    before = class_scores(patch_model, start, target).item()
    after = class_scores(patch_model, image, target).item()
    assert after > before + 10  # logits; the starting noise is class 2 ("no patch")
    assert patch_model(image).softmax(dim=1)[0, target] > 0.99
    # the image the network imagines for the class is its patch: black for 0, white for 1
    patch = image[0, 0, PATCH[0], PATCH[1]]
    assert (patch - patch_value).abs().mean() < 0.2


def test_one_max_response_step_is_the_lectures_formula():
    """h_d(x) = <w_d, x> for a filter as large as the image, so L = <w_d, x>^2 and
    grad L = 2 <w_d, x> w_d: one step must give x_0 + gamma * 2 <w_d, x_0> w_d exactly."""
    torch.manual_seed(0)
    layer = nn.Conv2d(1, 3, kernel_size=8, bias=False)
    model = nn.Sequential(layer, nn.Flatten())
    start = noise((1, 8, 8), seed=1)
    gamma = 0.01
    stepped = max_response(model, "0", 2, start, steps=1, step_size=gamma, normalise_gradient=False)
    w = layer.weight[2].detach()
    expected = start + gamma * 2 * (w * start).sum() * w
    assert torch.allclose(stepped, expected, atol=1e-6)
    loss, h = unit_response(model, "0", 2, start)
    assert torch.allclose(loss, ((w * start).sum() ** 2).view(1))


def test_max_response_raises_the_units_response_many_fold(patch_model):
    start = noise((1, 16, 16), seed=0)
    image = max_response(patch_model, "features.3", 5, start, steps=30)
    before, _ = unit_response(patch_model, "features.3", 5, start)
    after, _ = unit_response(patch_model, "features.3", 5, image)
    assert after.item() > 3 * before.item()


def test_a_linear_layers_unit_is_maximised_too(patch_model):
    start = noise((1, 16, 16), seed=0)
    image = max_response(patch_model, "classifier.2", 1, start, steps=10)
    before, h = unit_response(patch_model, "classifier.2", 1, start)
    after, _ = unit_response(patch_model, "classifier.2", 1, image)
    assert h.shape == (1,) and after > before


def test_unknown_layer_and_unit_out_of_range_are_named(patch_model):
    start = noise((1, 16, 16), seed=0)
    with pytest.raises(
        ModelError, match="unit 16 is out of range: layer 'features.3' has 16 units"
    ):
        max_response(patch_model, "features.3", 16, start, steps=1)
    with pytest.raises(CnnlabError, match="unknown layer 'conv3'.* Known layers: .*feat"):
        max_response(patch_model, "conv3", 0, start, steps=1)
    with pytest.raises(ConfigError, match="steps must be at least 1, got 0"):
        class_model(patch_model, 0, start, steps=0)


def test_blur_keeps_a_constant_image_and_smooths_a_spike():
    flat = torch.full((1, 2, 9, 9), 0.3)
    assert torch.allclose(gaussian_blur(flat, 1.0), flat)
    spike = torch.zeros(1, 1, 9, 9)
    spike[0, 0, 4, 4] = 1
    blurred = gaussian_blur(spike, 1.0)
    assert blurred.shape == spike.shape and blurred.max() < 0.2
    assert blurred[0, 0, 4, 4] == blurred.max() and blurred.sum() == pytest.approx(1, abs=1e-5)
