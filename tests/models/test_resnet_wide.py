"""Wide ResNets for CIFAR (Zagoruyko and Komodakis, 2016)."""

import pytest
import torch

from cnnlab import models
from cnnlab.errors import ModelError


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def by_hand(depth: int, k: int, classes: int = 10) -> int:
    n, (w1, w2, w3) = (depth - 4) // 6, (16 * k, 32 * k, 64 * k)

    def group(c_in: int, c: int) -> int:
        first = 2 * c_in + c_in * c * 9 + 2 * c + c * c * 9 + c_in * c  # with 1x1 shortcut
        return first + (n - 1) * 2 * (2 * c + c * c * 9)

    head = 2 * w3 + w3 * classes + classes
    return 3 * 16 * 9 + group(16, w1) + group(w1, w2) + group(w2, w3) + head


@pytest.mark.parametrize(
    ("name", "depth", "k", "params", "paper_millions"),
    [("wrn40_4", 40, 4, 8_949_210, 8.9), ("wrn16_8", 16, 8, 10_961_370, 11.0),
     ("wrn28_10", 28, 10, 36_479_194, 36.5)],
)  # fmt: skip
def test_parameter_counts_match_the_paper(name, depth, k, params, paper_millions):
    assert by_hand(depth, k) == params
    assert round(params / 1e6, 1) == paper_millions
    with torch.device("meta"):
        assert count(models.create(name)) == params == models.get_model_info(name).num_params


def test_wrn28_shapes_and_forward_split():
    model = models.create("wrn28_10", widen_factor=2, num_classes=100, dropout=0.3).eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        features = model.forward_features(x)
        assert features.shape == (1, 128, 8, 8)
        assert torch.equal(model(x), model.forward_head(features))
    assert model(x).shape == (1, 100)
    assert len(model.layer1) == len(model.layer2) == len(model.layer3) == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"depth": 27}, "depth 6n \\+ 4 .* got 27"), ({"widen_factor": 0}, "got 0")],
)
def test_bad_options_say_what_was_given(kwargs, message):
    with pytest.raises(ModelError, match=message):
        models.create("wrn28_10", **kwargs)
