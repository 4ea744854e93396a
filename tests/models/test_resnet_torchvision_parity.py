"""cnnlab's ResNets and DenseNets have torchvision's state_dict, entry for entry.

The reference file lists, for torchvision 0.27.1, every state_dict entry (name and
shape) in order; matching it means torchvision's weight files load with
``load_state_dict(strict=True)``. Models are built on the meta device, so even the
127M-parameter Wide ResNet-101-2 costs no memory.
"""

import json
from pathlib import Path

import pytest
import torch

from cnnlab import models

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "reference" / "torchvision_state_dicts.json").read_text()
)["models"]
TORCHVISION_TWINS = [
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "wide_resnet50_2",
    "wide_resnet101_2",
    "densenet121",
    "densenet161",
    "densenet169",
    "densenet201",
]


def build_on_meta(name: str, **kwargs) -> torch.nn.Module:
    with torch.device("meta"):
        return models.create(name, **kwargs)


@pytest.mark.parametrize("name", TORCHVISION_TWINS)
def test_state_dict_names_and_shapes_equal_torchvision(name):
    model = build_on_meta(name)
    entries = [[key, list(value.shape)] for key, value in model.state_dict().items()]
    assert entries == REFERENCE[name]["state_dict"]


@pytest.mark.parametrize("name", TORCHVISION_TWINS)
def test_parameter_count_equals_torchvision_and_the_registry(name):
    model = build_on_meta(name)
    count = sum(p.numel() for p in model.parameters())
    assert count == REFERENCE[name]["params"] == models.get_model_info(name).num_params


@pytest.mark.parametrize("name", ["resnet50", "resnext50_32x4d", "densenet121"])
def test_a_torchvision_shaped_weight_file_loads_strictly(name):
    model = build_on_meta(name)
    weights = {
        key: torch.zeros(shape, device="meta") for key, shape in REFERENCE[name]["state_dict"]
    }
    result = model.load_state_dict(weights, strict=True, assign=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_densenet_layer_names_keep_torchvision_dots():
    names = list(build_on_meta("densenet121").state_dict())
    assert "features.denseblock1.denselayer1.norm1.weight" in names
    assert "features.transition3.conv.weight" in names
    assert not any(".norm.1" in n or ".conv.2" in n for n in names)
