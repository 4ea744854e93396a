"""The evolutionary fooling-image search on the shipped LeNet-5 digits weights: noise the
network calls each class with 99% confidence, found with forward passes only."""

import pytest
import torch
from torch import nn

from cnnlab.attack.evolve import evolve_fooling
from cnnlab.errors import ConfigError
from cnnlab.train.run import Run


class ForwardOnly(nn.Module):
    """The model, refusing to be run where a gradient could be taken."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        assert not torch.is_grad_enabled() and not x.requires_grad
        return self.model(x)


@pytest.fixture(scope="module")
def lenet():
    run = Run.open("cnnlab:lenet5-digits")
    return run.pixel_model(), run.input_shape


@pytest.mark.parametrize("target", range(10))
def test_evolution_finds_noise_called_each_class_with_99_percent_without_gradients(lenet, target):
    model, shape = lenet
    found = evolve_fooling(ForwardOnly(model).train(), target, shape, population=32, seed=target)
    assert found.confidence >= 0.99 and found.generations < 200
    assert found.image.shape == (1, *shape) and 0 <= found.image.min() <= found.image.max() <= 1
    with torch.no_grad():
        probabilities = model(found.image).softmax(1)[0]
    assert probabilities.argmax().item() == target
    assert probabilities[target].item() == pytest.approx(found.confidence, abs=1e-6)


def test_the_model_is_restored_to_training_mode_with_its_gradients_on(lenet):
    model, shape = lenet
    model.train()
    evolve_fooling(model, 3, shape, generations=3)
    assert model.training and all(p.requires_grad and p.grad is None for p in model.parameters())
    model.eval()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence": 1.0}, r"confidence must be in \(0, 1\), found 1.0"),
        ({"population": 1}, r"population must be an integer in \[2, 10000\], found 1"),
        ({"target": 10}, r"target must be an integer in \[0, 9\], found 10"),
        ({"mutation_rate": 0.0}, r"mutation_rate must be in \(0, 1\], found 0.0"),
    ],
)
def test_bad_search_settings_are_named(lenet, kwargs, message):
    model, shape = lenet
    with pytest.raises(ConfigError, match=message):
        evolve_fooling(model, kwargs.pop("target", 0), shape, **kwargs)
