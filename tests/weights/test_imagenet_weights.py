"""Published ImageNet weights open as a run with their class names and evaluation transform;
the file comes from a real HTTP server on 127.0.0.1 that serves a generated ResNet-18."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pytest
import torch
from PIL import Image

from cnnlab import models
from cnnlab.predict import predict_files, render
from cnnlab.train import Run
from cnnlab.weights import create_model, published
from cnnlab.weights.imagenet import imagenet_classes
from conftest import run_cli
from data.http_mirror import serve_files

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@pytest.fixture(scope="module")
def resnet18_file():
    """Random ResNet-18 weights saved as torchvision publishes them (torch.save of the state
    dict), named NAME-<first 8 hex digits of the file's sha256>.pth."""
    torch.manual_seed(0)
    state = models.create("resnet18").state_dict()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    body = buffer.getvalue()
    return state, body, f"resnet18-{hashlib.sha256(body).hexdigest()[:8]}.pth"


@pytest.fixture
def server(resnet18_file, tmp_path, monkeypatch):
    """The server holding the file, named in the published table; the cache in tmp_path."""
    _, body, name = resnet18_file
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setitem(published.PUBLISHED, "resnet18", name)
    with serve_files() as files:
        files.files[name] = body
        monkeypatch.setattr(published, "BASE_URL", files.mirror("good"))
        yield files


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A 320x240 RGB photo: resized by its short side it is 341x256, and the centre 224x224
    starts at column 58, row 16."""
    path = tmp_path_factory.mktemp("photos") / "cat.png"
    pixels = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def test_the_package_holds_the_thousand_imagenet_names_in_index_order():
    names = imagenet_classes()
    assert len(names) == len(set(names)) == 1000
    assert (names[0], names[207], names[281], names[409], names[999]) == (
        "tench", "golden retriever", "tabby", "analog clock", "toilet tissue",
    )  # fmt: skip


def test_published_weights_predict_imagenet_names_through_their_own_transform(server, photo):
    run = Run.open("torchvision:resnet18")
    assert (run.image_shape, run.input_shape) == ((3, 256, 256), (3, 224, 224))
    predictions = predict_files(run, [photo], top=1000, workers=0)
    (row,) = predictions.rows
    assert predictions.fit == "crop" and not row.inverted
    probs = dict(row.top)
    # By hand: the short side to 256, the centre 224x224, ImageNet's mean and std.
    resized = Image.open(photo).convert("RGB").resize((341, 256), Image.Resampling.BILINEAR)
    crop = np.asarray(resized)[16:240, 58:282]
    x = torch.from_numpy(crop.copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        expected = run.model((x - MEAN) / STD).softmax(1)[0]
    found = torch.tensor([probs[name] for name in imagenet_classes()])
    assert torch.allclose(found, expected, atol=1e-6, rtol=0)
    table = render(predictions, "json")
    assert json.loads(table)["predictions"][0]["top"][0]["class"] in imagenet_classes()


def test_published_weights_are_downloaded_once_and_hold_the_served_tensors(server, resnet18_file):
    state, _, name = resnet18_file
    first = Run.open("torchvision:resnet18").model.state_dict()
    Run.open("torchvision:resnet18")
    assert len(server.requests) == 1
    assert all(torch.equal(first[key], value) for key, value in state.items())


def test_create_model_takes_the_published_weights_by_either_name(server, resnet18_file):
    state, _, _ = resnet18_file
    short = create_model("resnet18", weights="imagenet").state_dict()
    full = create_model("resnet18", weights="torchvision:resnet18").state_dict()
    assert len(server.requests) == 1
    assert all(torch.equal(short[k], v) and torch.equal(full[k], v) for k, v in state.items())


def test_an_unknown_published_name_is_one_line_on_the_command_line(photo):
    result = run_cli("predict", "torchvision:resnet81", str(photo))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "unknown published model 'resnet81'" in result.stderr
    assert "resnet18" in result.stderr
