"""Every registered model: its parameter count is its registration's, and it runs.

Parametrised over the whole registry, so every family's models are covered. Models
over about 2 GMACs at their default input run their forward pass only in `slow`.
"""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from cnnlab import models

SLOW_MACS = 2e9


def estimated_macs(name: str) -> float:
    """Multiply-adds of convolutions and linear layers, counted on the meta device."""
    info = models.get_model_info(name)
    total = 0.0

    def count(module: nn.Module, inputs, output) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            k = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += output.numel() * k
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features

    try:
        with torch.device("meta"):
            model = models.create(name).eval()
            for module in model.modules():
                module.register_forward_hook(count)
            model(torch.empty(1, *info.input_shape))
    except (RuntimeError, NotImplementedError):
        return float("inf")  # cannot run on meta: treat as expensive
    return total


def _forward_params():
    return [
        pytest.param(info.name, marks=pytest.mark.slow)
        if estimated_macs(info.name) > SLOW_MACS
        else info.name
        for info in models.list_models()
    ]


@pytest.mark.parametrize("name", [info.name for info in models.list_models()])
def test_parameter_count_equals_the_registration(name: str):
    with torch.device("meta"):
        model = models.create(name)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == models.get_model_info(name).num_params


@pytest.mark.parametrize("name", _forward_params())
def test_forward_at_the_default_input(name: str):
    info = models.get_model_info(name)
    torch.manual_seed(0)
    model = models.create(name).eval()
    x = torch.randn(1, *info.input_shape)
    with torch.no_grad():
        features = model.forward_features(x)
        out = model.forward_head(features)
        assert torch.equal(out, model(x))
    assert out.dim() == 2 and out.shape[0] == 1
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", [info.name for info in models.list_models()])
def test_registration_carries_the_paper_facts(name: str):
    info = models.get_model_info(name)
    assert info.paper and 1980 < info.year < 2030
    assert len(info.input_shape) == 3 and all(s > 0 for s in info.input_shape)


@pytest.mark.parametrize("name", [info.name for info in models.list_models()])
def test_builders_take_num_classes_and_in_channels_by_keyword_only(name: str):
    parameters = inspect.signature(models.get_model_info(name).builder).parameters
    for arg in ("num_classes", "in_channels"):
        assert parameters[arg].kind is inspect.Parameter.KEYWORD_ONLY, arg


@pytest.mark.parametrize("name", [info.name for info in models.list_models()])
def test_other_input_channels_are_accepted(name: str):
    info = models.get_model_info(name)
    with torch.device("meta"):
        model = models.create(name, in_channels=5).eval()
        out = model(torch.empty(2, 5, *info.input_shape[1:]))
    assert out.shape[0] == 2
