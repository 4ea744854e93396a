"""Per-layer activation statistics of any model, collected with forward hooks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ConfigError
from cnnlab.inspect.activations import activation_stats
from cnnlab.inspect.setup import prepare
from cnnlab.train.config import TrainConfig


def test_every_layer_of_lenet5_in_order_with_exact_statistics():
    torch.manual_seed(0)
    model = models.create("lenet5").eval()
    batch = torch.randn(8, 1, 32, 32)
    rows = activation_stats(model, batch)
    names = [row.name for row in rows]
    assert names[:3] == ["features.0", "features.1", "features.2"]
    assert names[-1] == "classifier.3" and rows[-1].shape == (8, 10)
    conv = model.features[0](batch)
    assert rows[0].mean == pytest.approx(conv.mean().item(), rel=1e-5)
    assert rows[0].std == pytest.approx(conv.std().item(), rel=1e-5)
    relu = rows[1]  # measured before the next in-place ReLU could change anything
    assert relu.kind == "ReLU" and relu.zero_fraction == pytest.approx(
        (conv <= 0).float().mean().item()
    )
    assert rows[0].zero_fraction is None and rows[0].saturated_fraction is None


def test_dead_units_and_saturation():
    layer = nn.Linear(4, 3)
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.copy_(torch.tensor([-1.0, 0.5, 30.0]))
    model = nn.Sequential(layer, nn.ReLU(), nn.Linear(3, 2), nn.Tanh())
    with torch.no_grad():
        model[2].weight.fill_(1.0)
        model[2].bias.copy_(torch.tensor([0.0, -30.5]))
    relu, tanh = activation_stats(model, torch.randn(5, 4), only=(nn.ReLU, nn.Tanh))
    assert relu.dead_fraction == pytest.approx(1 / 3)  # unit 0 never fires
    assert tanh.saturated_fraction == pytest.approx(0.5)  # output 0 at tanh(30.5)


def test_a_module_called_twice_gets_two_rows():
    relu = nn.ReLU()
    model = nn.Sequential(nn.Linear(3, 3), relu, nn.Linear(3, 3), relu)
    rows = activation_stats(model, torch.randn(4, 3), only=(nn.ReLU,))
    assert [row.name for row in rows] == ["1", "1#2"]


def test_an_empty_batch_is_refused():
    prepared = prepare(TrainConfig(model="lenet5", data="digits"))
    with pytest.raises(ConfigError, match="a batch needs at least 1 image, found batch size 0"):
        prepared.batch(0)
