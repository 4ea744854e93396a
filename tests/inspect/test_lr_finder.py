"""The LR range test on LeNet-5 and digits: the curve, the suggestion, the user's model kept."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnlab.errors import ConfigError
from cnnlab.inspect.lr_finder import lr_find, plot_lr_find
from cnnlab.inspect.setup import endless, prepare
from cnnlab.train.config import TrainConfig


@pytest.fixture(scope="module")
def prepared():
    return prepare(TrainConfig(model="lenet5", data="digits", optimizer="adam"))


def test_range_test_suggests_a_sound_adam_rate_and_leaves_the_model_alone(prepared, tmp_path):
    model = prepared.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = lr_find(
        model, endless(prepared.loader(64)), prepared.config, start_lr=1e-5, end_lr=1.0, steps=80
    )
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    lrs = np.array(result.lrs)
    assert lrs[0] == pytest.approx(1e-5)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], (1.0 / 1e-5) ** (1 / 79), rtol=1e-9)
    # LeNet-5 with Adam on digits trains best around 3e-3 (a 100-step sweep of 3e-4..1e-1)
    assert 5e-4 <= result.suggestion <= 3e-2
    assert result.suggestion <= result.min_loss_lr
    at = result.lrs.index(result.suggestion)
    assert result.smoothed[at] < result.smoothed[0]
    path = plot_lr_find(result, tmp_path / "lr.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_divergence_stops_the_test_early(prepared):
    config = TrainConfig(model="lenet5", data="digits", optimizer="sgd")
    result = lr_find(
        prepared.model, endless(prepared.loader(64)), config, start_lr=1e-2, end_lr=1e6, steps=60
    )
    assert result.stopped.startswith("diverged at lr")
    assert len(result.lrs) < 60
    assert result.smoothed[-1] > 4 * min(result.smoothed) or not np.isfinite(result.smoothed[-1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start_lr": 1.0, "end_lr": 0.1}, "needs 0 < start < end, found 1.0 and 0.1"),
        ({"steps": 3}, "needs at least 10 steps, found 3"),
    ],
)
def test_bad_ranges_are_refused(prepared, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        lr_find(prepared.model, endless(prepared.loader(8)), prepared.config, **kwargs)
