"""The initialisation slides of the lectures (Glorot and Bengio, 2010), reproduced on a 10-layer
net of 500 units."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnlab.errors import ConfigError
from cnnlab.inspect.init_table import deep_net, init_run, init_table, plot_init_table

# the lecture: "hidden layer k had mean ... and std ..." for Xavier init with tanh
SLIDE_XAVIER_TANH_STD = [
    0.627953, 0.486051, 0.407723, 0.357108, 0.320917,
    0.292116, 0.273387, 0.254935, 0.239266, 0.228008,
]  # fmt: skip


@pytest.fixture(scope="module")
def runs():
    torch.set_num_threads(1)
    return {(run.scheme, run.activation): run for run in init_table()}


def stds(run) -> np.ndarray:
    return np.array([layer.std for layer in run.layers])


def test_the_net_is_ten_layers_of_500_units():
    net = deep_net("tanh")
    linear = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert len(linear) == 10
    assert all(m.weight.shape == (500, 500) and m.bias is None for m in linear)


def test_xavier_tanh_reproduces_the_slides_table(runs):
    run = runs["xavier", "tanh"]
    assert run.input.mean == pytest.approx(0.0, abs=0.01)
    assert run.input.std == pytest.approx(1.0, abs=0.01)
    np.testing.assert_allclose(stds(run), SLIDE_XAVIER_TANH_STD, atol=0.01)
    assert all(abs(layer.mean) < 0.01 for layer in run.layers)  # slides: |mean| < 0.002


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_small_random_weights_collapse_to_zero(runs, activation):
    std = stds(runs["small", activation])
    assert np.all(np.diff(std) < 0)
    assert std[-1] < 1e-6  # "all activations become zero" by the last layer


def test_xavier_tanh_stays_in_a_healthy_range(runs):
    std = stds(runs["xavier", "tanh"])
    assert np.all((std > 0.2) & (std < 0.7))
    assert runs["xavier", "tanh"].layers[-1].saturated_fraction < 0.01


def test_xavier_relu_halves_the_variance_at_every_layer(runs):
    std = stds(runs["xavier", "relu"])
    ratios = std[1:] / std[:-1]
    np.testing.assert_allclose(ratios, 1 / np.sqrt(2), atol=0.06)
    assert std[-1] < 0.05


def test_he_relu_keeps_the_scale(runs):
    std = stds(runs["he", "relu"])
    assert np.all((std > 0.6) & (std < 1.2))
    assert std[-1] / std[0] == pytest.approx(1.0, abs=0.2)
    assert all(
        layer.zero_fraction == pytest.approx(0.5, abs=0.05) for layer in runs["he", "relu"].layers
    )


def test_statistics_fields_match_the_activation(runs):
    tanh, relu = runs["he", "tanh"].layers[0], runs["he", "relu"].layers[0]
    assert tanh.saturated_fraction is not None and tanh.dead_fraction is None
    assert relu.dead_fraction is not None and relu.saturated_fraction is None
    assert relu.shape == (1000, 500) and relu.sample.min() >= 0


def test_plot_is_written(runs, tmp_path):
    path = plot_init_table([runs["small", "tanh"], runs["he", "relu"]], tmp_path / "init.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_scheme_and_activation_are_named():
    with pytest.raises(ConfigError, match="unknown init scheme 'glorot': expected one of small"):
        init_run("glorot", "tanh")
    with pytest.raises(ConfigError, match="unknown activation 'elu'"):
        init_run("he", "elu")
