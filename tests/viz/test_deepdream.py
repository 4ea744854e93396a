import pytest
import torch
from patch_task import trained_patch_model
from PIL import Image

from cnnlab.errors import CnnlabError, ConfigError, DataError
from cnnlab.models import create
from cnnlab.viz.deepdream import deepdream, layer_energy, load_photo, zoom_in


def test_the_sample_photographs_load_scaled_down_in_the_asked_channels():
    china = load_photo("china", channels=3, max_side=64)
    assert china.shape == (1, 3, 43, 64) and china.min() >= 0 and china.max() <= 1
    flower = load_photo("flower", channels=1, max_side=32)
    assert flower.shape == (1, 1, 21, 32)


def test_a_photo_file_loads_and_a_bad_one_is_named(tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 20), (255, 0, 0)).save(path)
    photo = load_photo(str(path), channels=3, max_side=64)
    assert photo.shape == (1, 3, 20, 40) and torch.allclose(photo[0, 0], torch.ones(20, 40))
    with pytest.raises(DataError, match="nowhere.png: image file not found"):
        load_photo(str(tmp_path / "nowhere.png"))


@pytest.mark.parametrize("layer", ["features.1", "features.4"])
def test_dreaming_raises_the_layers_activation_on_a_photograph(layer):
    torch.manual_seed(0)
    model = create("lenet5", in_channels=3).eval()  # convolutions run on any size of image
    photo = load_photo("china", channels=3, max_side=64)
    dreamed = deepdream(model, photo, layer, octaves=2, steps=5, step_size=0.01, frames=2)
    assert dreamed.shape == photo.shape and dreamed.min() >= 0 and dreamed.max() <= 1
    with torch.no_grad():
        before, after = layer_energy(model, layer, photo), layer_energy(model, layer, dreamed)
    assert after > 1.5 * before


def test_a_trained_models_layer_dreams_too():
    model = trained_patch_model()
    photo = load_photo("flower", channels=1, max_side=48)
    dreamed = deepdream(model, photo, "features.5", octaves=3, steps=4, step_size=0.01)
    with torch.no_grad():
        assert layer_energy(model, "features.5", dreamed) > 1.5 * layer_energy(
            model, "features.5", photo
        )


def test_zoom_keeps_the_size_and_enlarges_the_centre():
    ramp = torch.linspace(0, 1, 20).repeat(1, 1, 20, 1)  # columns from 0 to 1
    zoomed = zoom_in(ramp, 2.0)
    assert zoomed.shape == ramp.shape
    assert zoomed[..., 0].mean() > ramp[..., 0].mean() and zoomed[..., -1].mean() < 1


def test_bad_dream_options_are_named():
    model = create("lenet5", in_channels=3).eval()
    photo = load_photo("china", channels=3, max_side=32)
    with pytest.raises(CnnlabError, match="unknown layer 'conv1'.* Known layers: classifier, "):
        deepdream(model, photo, "conv1")
    with pytest.raises(ConfigError, match="octaves, frames and steps must be at least 1"):
        deepdream(model, photo, "features.1", octaves=0)
