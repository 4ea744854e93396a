"""cnnlab's ResNets and DenseNets compute what torchvision's do, to 1e-5.

``make_torchvision_outputs.py`` (shared with the other model families) fills every
state_dict entry with a pure function of its name and shape and recorded
torchvision's float64 logits; filling cnnlab's twin the same way must reproduce them.
"""

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from cnnlab import models

REFERENCE_DIR = Path(__file__).parents[1] / "reference"
_spec = importlib.util.spec_from_file_location(
    "make_torchvision_outputs", REFERENCE_DIR / "make_torchvision_outputs.py"
)
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)
OUTPUTS = json.loads((REFERENCE_DIR / "torchvision_outputs.json").read_text())["outputs"]

FAST = ["resnet18", "resnet50", "densenet121"]
SLOW = [
    "resnet34",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "wide_resnet50_2",
    "wide_resnet101_2",
    "densenet161",
    "densenet169",
    "densenet201",
]


@pytest.mark.parametrize(
    "name", FAST + [pytest.param(name, marks=pytest.mark.slow) for name in SLOW]
)
def test_logits_equal_torchvision_with_the_same_weights(name):
    model = reference.fill_state_dict(models.create(name).eval())
    with torch.no_grad():
        logits = model(reference.reference_input())
    expected = torch.tensor(OUTPUTS[name], dtype=torch.float64)
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-5)


def test_a_misplaced_stride_would_be_caught():
    """The check has teeth: the paper's ResNet-50 (stride on the first 1x1 convolution,
    not torchvision's "v1.5" 3x3) has the same state_dict but different logits."""
    model = reference.fill_state_dict(models.create("resnet50").eval())
    for stage in (model.layer2, model.layer3, model.layer4):
        stage[0].conv1.stride, stage[0].conv2.stride = (2, 2), (1, 1)
    with torch.no_grad():
        logits = model(reference.reference_input())
    expected = torch.tensor(OUTPUTS["resnet50"], dtype=torch.float64)
    assert not torch.allclose(logits, expected, rtol=1e-5, atol=1e-5)
