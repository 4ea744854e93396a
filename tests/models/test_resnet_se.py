"""SE-ResNets: the paper's parameter arithmetic and timm's state_dict layout."""

import json
from pathlib import Path

import pytest
import torch

from cnnlab import models
from cnnlab.nn.squeeze_excitation import SqueezeExcitation

TIMM = json.loads(
    (Path(__file__).parents[1] / "reference" / "timm_seresnet_state_dicts.json").read_text()
)["models"]


def se_params(channels: int, reduction: int = 16) -> int:
    return 2 * channels * channels // reduction + channels // reduction + channels


def test_se_resnet50_is_resnet50_plus_one_se_module_per_block():
    added = 3 * se_params(256) + 4 * se_params(512) + 6 * se_params(1024) + 3 * se_params(2048)
    assert (se_params(256), se_params(512), se_params(1024), se_params(2048)) == (
        8_464, 33_312, 132_160, 526_464,
    )  # fmt: skip
    assert added == 2_530_992
    with torch.device("meta"):
        model = models.create("se_resnet50")
    assert sum(p.numel() for p in model.parameters()) == 25_557_032 + added == 28_088_024
    assert sum(isinstance(m, SqueezeExcitation) for m in model.modules()) == 16


@pytest.mark.parametrize("depth", [50, 101, 152])
def test_state_dict_equals_timm_seresnet(depth):
    with torch.device("meta"):
        model = models.create(f"se_resnet{depth}")
    entries = [[key, list(value.shape)] for key, value in model.state_dict().items()]
    assert entries == TIMM[f"seresnet{depth}"]["state_dict"]
    count = sum(p.numel() for p in model.parameters())
    assert (
        count
        == TIMM[f"seresnet{depth}"]["params"]
        == models.get_model_info(f"se_resnet{depth}").num_params
    )


def test_se_resnet_takes_num_classes_and_in_channels():
    model = models.create("se_resnet50", num_classes=7, in_channels=1).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 1, 64, 64)).shape == (1, 7)
