"""Gradient statistics per layer: vanishing under small weights, exploding under large."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import models
from cnnlab.inspect.gradients import gradient_stats
from cnnlab.inspect.init_table import deep_net
from cnnlab.train.init import init_weights


def classifier(scheme: str, std: float = 0.01) -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(deep_net("relu", depth=6, width=200), nn.Linear(200, 10))
    init_weights(net, scheme, std=std)
    return net


def report_for(net: nn.Module):
    generator = torch.Generator().manual_seed(1)
    x, y = (
        torch.randn(32, 200, generator=generator),
        torch.randint(0, 10, (32,), generator=generator),
    )
    return gradient_stats(net, x, y, F.cross_entropy)


def test_small_weights_make_gradients_vanish_towards_the_input():
    report = report_for(classifier("normal", std=0.01))
    assert report.layers[0].flag == "vanishing"
    assert report.layers[-1].flag == ""
    rms = [layer.grad_rms for layer in report.layers if layer.kind == "Linear"]
    assert all(a < b for a, b in zip(rms, rms[1:], strict=False))  # shrinking going back


def test_large_weights_make_them_explode_and_he_keeps_them_level():
    assert report_for(classifier("normal", std=1.0)).layers[0].flag == "exploding"
    he = report_for(classifier("kaiming"))
    assert he.flagged == []
    relu = [layer.grad_rms for layer in he.layers if layer.kind == "ReLU"]
    assert max(relu) / min(relu) < 3


def test_lenet5_rows_match_autograd_and_grads_are_restored():
    torch.manual_seed(0)
    model = models.create("lenet5")
    x, y = torch.randn(4, 1, 32, 32), torch.tensor([0, 1, 2, 3])
    report = gradient_stats(model, x, y, F.cross_entropy, lr=0.1)
    assert all(p.grad is None for p in model.parameters())
    logits = model(x)
    expected = torch.autograd.grad(F.cross_entropy(logits, y), logits)[0]
    last = report.layers[-1]
    assert last.name == "classifier.3"
    assert last.grad_rms == pytest.approx(expected.square().mean().sqrt().item(), rel=1e-5)
    weight = {row.name: row for row in report.params}["features.0.weight"]
    assert weight.update_ratio == pytest.approx(0.1 * weight.ratio)
    assert report.loss == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-6)
