import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from cnnlab.errors import UnknownNameError
from cnnlab.train import Run
from cnnlab.viz.activations import feature_maps, plot_feature_maps


def test_a_convolutions_maps_are_its_output_before_the_in_place_relu(digits_run):
    loaded = Run.open(digits_run)
    picked = loaded.pick(None, 7)
    conv = loaded.model.features[0]
    expected = F.conv2d(loaded.prepare(picked.pixels), conv.weight, conv.bias)[0]
    maps = feature_maps(loaded, "features.0", picked)
    assert maps.shape == (6, 28, 28)
    assert torch.allclose(maps, expected, atol=1e-5)
    assert (maps < 0).any()  # the ReLU that follows in place did not overwrite the copy
    after_relu = feature_maps(loaded, "features.1", picked)
    assert torch.allclose(after_relu, expected.clamp_min(0), atol=1e-5)


def test_fully_connected_layers_give_one_value_per_unit(digits_run):
    loaded = Run.open(digits_run)
    picked = loaded.pick(None, 0)
    logits = feature_maps(loaded, "classifier.3", picked)
    with torch.no_grad():
        assert torch.allclose(logits, loaded.model(loaded.prepare(picked.pixels))[0])


def test_an_unknown_layer_lists_the_models_layers(digits_run):
    loaded = Run.open(digits_run)
    with pytest.raises(UnknownNameError) as info:
        feature_maps(loaded, "conv1", loaded.pick(None, 0))
    assert str(info.value).startswith("unknown layer 'conv1'.")
    assert "Known layers: classifier, classifier.0, classifier.1" in str(info.value)


def test_maps_and_unit_values_are_drawn_as_png(tmp_path):
    image = torch.rand(3, 32, 32)
    for maps, name in ((torch.randn(20, 8, 8), "maps.png"), (torch.randn(84), "units.png")):
        path = plot_feature_maps(maps, image, name, tmp_path / name)
        with Image.open(path) as png:
            assert png.format == "PNG"
