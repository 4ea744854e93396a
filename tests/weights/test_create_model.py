"""cnnlab.create_model(name, weights=...): a registered model with shipped weights, scoring
what the shipped file scores through cnnlab.Run."""

from __future__ import annotations

import pytest
import torch

import cnnlab
from cnnlab import models
from cnnlab.errors import ModelError, UnknownNameError
from cnnlab.train import Run
from cnnlab.weights import create_model, shipped, weights_names
from conftest import SHARED_DATA

MNIST_SLICE = 200  # test images: enough to tell two models apart, fast on a CPU


def accuracy(model: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == labels).float().mean())


def test_lenet5_with_the_digits_weights_scores_the_recorded_accuracy():
    entry = shipped.SHIPPED["lenet5-digits"]
    model = cnnlab.create_model("lenet5", weights="digits")
    run = Run.open("cnnlab:lenet5-digits")
    test = run.dataset("test")
    with torch.no_grad():
        correct = int((model(run.prepare(test.images)).argmax(1) == test.labels).sum())
    assert len(test) == entry.test_images
    assert correct / len(test) == entry.accuracy  # 350 of 360, as cnnlab eval measured it
    assert not model.training


@pytest.mark.parametrize(
    ("name", "weights", "source"),
    [
        ("lenet5", "mnist", "cnnlab:lenet5-mnist"),
        ("lenet5", "cnnlab:lenet5-mnist", "cnnlab:lenet5-mnist"),
        ("smallcnn_bn", "mnist", "cnnlab:smallcnn-mnist-bn"),
    ],
)
def test_mnist_weights_give_the_shipped_runs_predictions(name, weights, source, monkeypatch):
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip("MNIST is not at hand")
    monkeypatch.setenv("CNNLAB_DATA", str(SHARED_DATA))
    run = Run.open(source)
    test = run.dataset("test")
    x, labels = run.prepare(test.images[:MNIST_SLICE]), test.labels[:MNIST_SLICE]
    model = create_model(name, weights=weights)
    with torch.no_grad():
        assert torch.equal(model(x), run.model(x))
    assert accuracy(model, x, labels) == accuracy(run.model, x, labels) > 0.98


def test_another_number_of_classes_keeps_the_features_and_starts_a_fresh_head():
    source = create_model("lenet5", weights="digits").state_dict()
    model = create_model("lenet5", weights="digits", num_classes=3)
    own, head = model.state_dict(), models.head_state_keys(model)
    assert {k for k in own if own[k].shape != source[k].shape} == head
    assert all(own[k].shape[0] == 3 for k in head)
    assert all(torch.equal(own[k], source[k]) for k in own if k not in head)


def test_a_wrong_weights_name_is_one_line_listing_the_available_ones():
    with pytest.raises(UnknownNameError) as caught:
        create_model("lenet5", weights="mnsit")
    message = str(caught.value)
    assert "\n" not in message and "Did you mean: mnist?" in message
    assert "cnnlab:lenet5-digits, cnnlab:lenet5-mnist, digits, mnist" in message
    assert set(weights_names("lenet5")) == {
        "mnist", "digits", "cnnlab:lenet5-mnist", "cnnlab:lenet5-digits",
    }  # fmt: skip


def test_a_model_without_weights_says_which_models_have_them():
    with pytest.raises(ModelError) as caught:
        create_model("resnet20", weights="cifar10")
    message = str(caught.value)
    assert "\n" not in message and "'resnet20' has no shipped or published weights" in message
    assert "lenet5" in message and "resnet18" in message


def test_an_unknown_model_is_named_before_its_weights():
    with pytest.raises(UnknownNameError, match="unknown model 'lenet6'"):
        create_model("lenet6", weights="mnist")


def test_the_registry_points_weights_to_create_model():
    with pytest.raises(ModelError) as caught:
        models.create("lenet5", weights="mnist")
    assert "cnnlab.create_model('lenet5', weights='mnist')" in str(caught.value)


def test_without_weights_it_is_the_registry_s_fresh_model():
    torch.manual_seed(0)
    fresh = create_model("lenet5", num_classes=4).state_dict()
    torch.manual_seed(0)
    built = models.create("lenet5", num_classes=4).state_dict()
    assert all(torch.equal(fresh[k], built[k]) for k in built)
