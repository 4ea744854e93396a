"""cnnlab's models of torchvision's architectures match it name for name and output for output.

The state_dict manifest (tests/reference/torchvision_state_dicts.json) is read from
torchvision itself; the logits (torchvision_outputs.json) come from
tests/reference/make_torchvision_outputs.py, which fills every weight by a pure
function of its name and shape. Filling cnnlab's model the same way must give the
same logits.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from cnnlab import models

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
MANIFEST = json.loads((REFERENCE / "torchvision_state_dicts.json").read_text())["models"]
OUTPUTS = json.loads((REFERENCE / "torchvision_outputs.json").read_text())

# cnnlab name -> torchvision name
TORCHVISION_NAMES = {
    "alexnet": "alexnet",
    **{f"vgg{d}{bn}": f"vgg{d}{bn}" for d in (11, 13, 16, 19) for bn in ("", "_bn")},
    "googlenet_torchvision": "googlenet",
    "squeezenet1_0": "squeezenet1_0",
    "squeezenet1_1": "squeezenet1_1",
}
BIG = 100_000_000  # parameters; filling and running these in float64 takes seconds


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_torchvision_outputs", REFERENCE / "make_torchvision_outputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _load_generator()


def _params(names):
    return [
        pytest.param(name, marks=pytest.mark.slow)
        if MANIFEST[TORCHVISION_NAMES[name]]["params"] > BIG
        else name
        for name in names
    ]


@pytest.mark.parametrize("name", TORCHVISION_NAMES)
def test_state_dict_names_and_shapes_equal_torchvision(name: str):
    with torch.device("meta"):
        model = models.create(name)
    expected = MANIFEST[TORCHVISION_NAMES[name]]
    entries = [[key, list(value.shape)] for key, value in model.state_dict().items()]
    assert entries == expected["state_dict"]
    assert sum(p.numel() for p in model.parameters()) == expected["params"]


def test_the_fill_function_gives_the_numbers_the_reference_was_made_with():
    check = OUTPUTS["fill_check"]
    filled = reference.fill_tensor(check["name"], tuple(check["shape"]))
    assert filled.sum().item() == pytest.approx(check["sum"], rel=1e-12)


@pytest.mark.parametrize("name", _params(TORCHVISION_NAMES))
def test_logits_equal_torchvision_with_the_same_weights(name: str):
    model = reference.fill_state_dict(models.create(name).eval())
    with torch.no_grad():
        logits = model(reference.reference_input())
    expected = torch.tensor(OUTPUTS["outputs"][TORCHVISION_NAMES[name]], dtype=torch.float64)
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-5)


def test_a_torchvision_state_dict_loads_strictly():
    with torch.device("meta"):
        source = models.create("squeezenet1_1")
    filled = {
        key: reference.fill_tensor(key, tuple(value.shape)).float()
        for key, value in source.state_dict().items()
    }
    model = models.create("squeezenet1_1")
    assert not model.load_state_dict(filled, strict=True).missing_keys
    assert torch.equal(model.features[0].weight, filled["features.0.weight"])


def test_paper_googlenet_differs_from_torchvision_only_where_the_paper_does():
    with torch.device("meta"):
        paper = models.create("googlenet", aux_logits=True).state_dict()
    tv = dict(MANIFEST["googlenet"]["state_dict"])
    assert list(paper["inception3a.branch3.1.conv.weight"].shape) == [32, 16, 5, 5]
    assert tv["inception3a.branch3.1.conv.weight"] == [32, 16, 3, 3]
    assert "conv1.conv.bias" in paper and "conv1.bn.weight" not in paper  # no batch norm
