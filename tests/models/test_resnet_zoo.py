"""Every registered residual and dense model: its registry row, its cost, one forward pass.

GMACs at the default input: for torchvision's twins the figures torchvision
publishes ("GFLOPS" in its model table, which counts multiply-adds); for the rest
cnnlab's own count, cross-checked by hand for ResNet-20 below. Models over 2 GMACs
run only with the slow tests.
"""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from cnnlab import models

FAMILIES = ("resnet", "resnet_cifar", "wide_resnet", "senet", "densenet")
GMACS = {
    "resnet18": 1.81, "resnet34": 3.66, "resnet50": 4.09, "resnet101": 7.80,
    "resnet152": 11.51, "resnext50_32x4d": 4.23, "resnext101_32x8d": 16.41,
    "wide_resnet50_2": 11.40, "wide_resnet101_2": 22.75, "densenet121": 2.83,
    "densenet161": 7.73, "densenet169": 3.36, "densenet201": 4.29,
    "se_resnet50": 4.09, "se_resnet101": 7.81, "se_resnet152": 11.52,
    "resnet20": 0.041, "resnet32": 0.069, "resnet44": 0.097, "resnet56": 0.125,
    "resnet110": 0.253, "resnet110_stochastic_depth": 0.253,
    "plain20": 0.041, "plain32": 0.069, "plain44": 0.097, "plain56": 0.125, "plain110": 0.253,
    "wrn16_8": 1.55, "wrn28_10": 5.24, "wrn40_4": 1.30,
}  # fmt: skip
NAMES = [info.name for family in FAMILIES for info in models.list_models(family)]
BY_COST = [
    pytest.param(name, marks=pytest.mark.slow) if GMACS[name] > 2 else name for name in NAMES
]


def test_every_model_of_these_families_has_a_cost_figure():
    assert sorted(NAMES) == sorted(GMACS)


@pytest.mark.parametrize("name", NAMES)
def test_registry_row_and_parameter_count(name):
    info = models.get_model_info(name)
    assert info.family in FAMILIES and info.paper and 2015 <= info.year <= 2017
    with torch.device("meta"):
        model = models.create(name)
    assert sum(p.numel() for p in model.parameters()) == info.num_params


@pytest.mark.parametrize("name", BY_COST)
def test_multiply_adds_at_the_default_input(name):
    info = models.get_model_info(name)
    with torch.device("meta"):
        model = models.create(name).eval()  # training skips dropped stochastic-depth blocks
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, *info.input_shape, device="meta"))
    macs = counter.get_total_flops() / 2
    digits = 2 if GMACS[name] >= 1 else 3
    assert round(macs / 1e9, digits) == GMACS[name]


def test_resnet20_multiply_adds_by_hand():
    per_3x3 = 16 * 16 * 9 * 32 * 32  # every full-width 3x3 conv costs the same: 2,359,296
    stem, fc = 3 * 16 * 9 * 32 * 32, 64 * 10
    transitions = 2 * (16 * 32 * 9 * 16 * 16)  # the two stride-2 convolutions
    expected = stem + 6 * per_3x3 + 2 * 5 * per_3x3 + transitions + fc
    with torch.device("meta"):
        model = models.create("resnet20")
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, 32, 32, device="meta"))
    assert counter.get_total_flops() // 2 == expected == 40_551_040


@pytest.mark.parametrize("name", BY_COST)
def test_one_forward_pass_at_the_default_input(name):
    info = models.get_model_info(name)
    torch.manual_seed(0)
    model = models.create(name, num_classes=10).eval()
    with torch.no_grad():
        features = model.forward_features(torch.randn(1, *info.input_shape))
        logits = model.forward_head(features)
    assert features.ndim == 4 and logits.shape == (1, 10)
    assert torch.isfinite(logits).all()
