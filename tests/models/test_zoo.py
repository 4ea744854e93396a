"""Every registered model: its parameter count and MACs are its registration's, and it runs.

Parametrised over the whole registry, so every family's models are covered. Models
over 2 GMACs at their default input (the registered count) run their forward pass only
in `slow`.
"""

from __future__ import annotations

import inspect

import pytest
import torch

import cnnlab
from cnnlab import models

SLOW_MACS = 2e9


def _forward_params():
    return [
        pytest.param(info.name, marks=pytest.mark.slow) if info.macs > SLOW_MACS else info.name
        for info in models.list_models()
    ]


@pytest.mark.parametrize("name", [info.name for info in models.list_models()])
def test_parameter_count_equals_the_registration(name: str):
    with torch.device("meta"):
        model = models.create(name)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == models.get_model_info(name).num_params


@pytest.mark.parametrize("name", [info.name for info in models.list_models()])
def test_macs_equal_the_registration(name: str):
    info = models.get_model_info(name)
    with torch.device("meta"):
        model = models.create(name)
    assert cnnlab.summary(model, info.input_shape).total_macs == info.macs


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
