"""The lab's analysis as a library: the one-pass maps against viz.attribution's own, the
arithmetic of any convolution against torch's, the grids' geometry, the fitting notes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from serve_pictures import decoded
from torch import nn

from cnnlab.inspect.receptive import receptive_field
from cnnlab.serve.analysis import one_pass
from cnnlab.serve.lab import Lab
from cnnlab.serve.model_info import model_info
from cnnlab.serve.pictures import feature_grid
from cnnlab.serve.units import conv_arithmetic, field_box
from cnnlab.train import Run
from cnnlab.viz.attribution import gradcam, saliency


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab(Run.open("cnnlab:lenet5-mnist"))


def digit(seed: int = 0) -> torch.Tensor:
    """A (1, 1, 32, 32) 0..1 batch: a bright bar on dark, with a little noise."""
    x = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(seed)) * 0.1
    x[..., 6:26, 14:18] = 1.0
    return x


def test_one_pass_gives_viz_attributions_saliency_and_gradcam(lab):
    x = digit()
    probabilities, outputs, maps = one_pass(lab, x, True, ["saliency", "gradcam"])
    target = int(probabilities.argmax())
    expected_saliency = saliency(lab.model, x, target)[0]
    expected_cam = gradcam(lab.model, x, target, layer=lab.cam_layer)[0]
    assert torch.allclose(maps["saliency"], expected_saliency, atol=1e-6)
    assert torch.allclose(maps["gradcam"], expected_cam, atol=1e-6)
    assert expected_cam.abs().sum() > 0 and expected_saliency.abs().sum() > 0
    with torch.no_grad():
        assert torch.allclose(probabilities, lab.model(x).softmax(1)[0], atol=1e-6)
        conv1 = lab.run.model.features[0](lab.run.preprocess(x))
    assert torch.equal(outputs["features.0"], conv1)  # before the in-place ReLU after it
    assert set(outputs) == {layer.name for layer in lab.layers}


@pytest.mark.parametrize(
    ("options", "unit"),
    [
        ({"padding": 1}, (2, 0, 0)),  # the corner: the patch is padding on two sides
        ({"padding": 2, "stride": 2, "dilation": 2}, (1, 3, 2)),
        ({"padding": "same", "groups": 2}, (3, 4, 5)),  # channel 3: the second group
        ({"padding": 1, "padding_mode": "reflect"}, (0, 0, 6)),
    ],
)
def test_any_convolutions_arithmetic_is_its_output(options, unit):
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 4, 3, **options).double()
    inputs = torch.randn(4, 7, 7, dtype=torch.float64)
    with torch.no_grad():
        output = conv(inputs[None])[0]
    channel, y, x = unit
    maths = conv_arithmetic(conv, inputs, channel, y, x)
    assert np.array(maths["patch"]).shape == np.array(maths["kernel"]).shape
    assert maths["sum"] == pytest.approx(float(output[channel, y, x]), abs=1e-12)
    products = (np.array(maths["patch"]) * np.array(maths["kernel"])).sum()
    assert maths["products_sum"] == pytest.approx(products, abs=1e-12)


def test_a_field_running_over_the_border_is_clipped_to_the_input():
    model = nn.Sequential(nn.Conv2d(1, 1, 5, padding=2), nn.Conv2d(1, 1, 3, stride=2))
    field = {row.name: row.field for row in receptive_field(model, (1, 16, 16))}["1"]
    assert field_box(field, 0, 0, (16, 16)) == {"top": 0, "left": 0, "height": 5, "width": 5}
    assert field_box(field, 3, 6, (16, 16)) == {"top": 4, "left": 10, "height": 7, "width": 6}


def test_grid_cell_r_c_holds_channel_r_times_cols_plus_c():
    maps = torch.arange(6.0)[:, None, None].expand(6, 2, 3)  # channel k is k everywhere
    grid, low, high = feature_grid(maps)
    assert (low, high, grid["rows"], grid["cols"]) == (0.0, 5.0, 2, 3)
    pixels = decoded(grid["png"])
    assert pixels.shape == (2 * 2 + 1, 3 * 3 + 2)
    for channel in range(6):
        row, col = divmod(channel, 3)
        top, left = row * 3, col * 4
        assert (pixels[top : top + 2, left : left + 3] == round(channel * 255 / 5)).all()
    assert (pixels[2, :] == 255).all() and (pixels[:, 3] == 255).all()  # the white gaps


def test_a_transparent_canvas_is_flattened_onto_white_and_said(lab):
    drawn = np.zeros((140, 140, 4), np.uint8)  # transparent, as an untouched canvas
    drawn[20:120, 60:80] = (0, 0, 0, 255)  # a black stroke
    on_white = np.full((140, 140), 255, np.uint8)
    on_white[20:120, 60:80] = 0
    fitted = lab.fit(Image.fromarray(drawn, "RGBA"))
    assert torch.equal(fitted.pixels, lab.fit(Image.fromarray(on_white)).pixels)
    assert fitted.notes[0] == "transparent pixels flattened onto white"
    assert "converted from colour to grey" not in fitted.notes  # black on white is grey


def test_an_opaque_canvas_and_grey_rgb_get_no_flattening_or_colour_note(lab):
    drawn = np.zeros((140, 140, 4), np.uint8)
    drawn[..., 3] = 255  # every pixel opaque, as a painted canvas's PNG
    drawn[20:120, 60:80, :3] = 255
    notes = lab.fit(Image.fromarray(drawn, "RGBA")).notes
    assert not any("flattened" in note or "colour" in note for note in notes), notes
    coloured = np.zeros((140, 140, 3), np.uint8)
    coloured[20:120, 60:80] = (255, 40, 0)
    assert "converted from colour to grey" in lab.fit(Image.fromarray(coloured)).notes


def test_a_trained_run_shows_its_learning_curves(digits_run):
    run = Run.open(digits_run)
    about = model_info(Lab(run))
    curves = about["curves"]
    assert curves["epoch"] == [row["epoch"] for row in run.metrics()]
    assert len(curves["train_loss"]) == len(curves["epoch"]) == 3
    assert curves["val_acc"] == [row["val_accuracy"] for row in run.metrics()]
    assert all(0 <= value <= 1 for value in curves["train_acc"])
    assert about["source"] == digits_run.name
