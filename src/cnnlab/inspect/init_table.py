"""The initialisation experiment (Glorot and Bengio, 2010; He et al., 2015): a 10-layer net of 500
units fed unit Gaussians.

The slides print, for each hidden layer, the mean and standard deviation of its
activations under one initialisation. Small random weights N(0, 0.01) shrink the
activations towards zero layer after layer; Xavier (std 1/sqrt(fan_in)) keeps tanh
activations in a usable range but halves their variance at every ReLU layer; He
(std sqrt(2/fan_in)) keeps ReLU activations steady. The schemes are the trainer's own
(:func:`cnnlab.train.init.init_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.figure import new_figure, save_figure
from cnnlab.inspect.activations import LayerStats, activation_stats, output_stats
from cnnlab.train.init import init_weights

# scheme shown in the table -> (train.init scheme, its std argument)
SCHEMES = {"small": ("normal", 0.01), "xavier": ("xavier", 0.0), "he": ("kaiming", 0.0)}
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
SCHEME_TITLES = {"small": "N(0, 0.01)", "xavier": "Xavier", "he": "He"}


@dataclass
class InitRun:
    scheme: str  # small, xavier or he
    activation: str  # tanh or relu
    input: LayerStats  # the unit-Gaussian input
    layers: list[LayerStats]  # hidden layers 1..depth, after the nonlinearity


def deep_net(activation: str, *, depth: int = 10, width: int = 500) -> nn.Sequential:
    """``depth`` fully connected layers of ``width`` units without biases, each followed by
    ``activation`` (the slides' ``H = f(X @ W)``)."""
    if activation not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {activation!r}: expected one of tanh, relu")
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Linear(width, width, bias=False), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers)


def init_run(
    scheme: str,
    activation: str,
    *,
    depth: int = 10,
    width: int = 500,
    examples: int = 1000,
    seed: int = 0,
) -> InitRun:
    """Initialise a fresh :func:`deep_net` with ``scheme`` and measure every hidden layer."""
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown init scheme {scheme!r}: expected one of {', '.join(SCHEMES)}")
    torch.manual_seed(seed)
    net = deep_net(activation, depth=depth, width=width)
    train_scheme, std = SCHEMES[scheme]
    init_weights(net, train_scheme, std=std)
    inputs = torch.randn(examples, width)
    layers = activation_stats(net, inputs, only=(ACTIVATIONS[activation],))
    for number, row in enumerate(layers, start=1):
        row.name = f"hidden layer {number}"
    return InitRun(scheme, activation, output_stats("input", nn.Identity(), inputs), layers)


def init_table(
    schemes: tuple[str, ...] = ("small", "xavier", "he"),
    activations: tuple[str, ...] = ("tanh", "relu"),
    **kwargs: int,
) -> list[InitRun]:
    """One :class:`InitRun` per (scheme, activation), each from the same seed."""
    return [init_run(s, a, **kwargs) for s in schemes for a in activations]


def plot_init_table(runs: list[InitRun], path) -> object:
    """Left: each run's activation std per layer (log scale). Right: one row of histograms
    per run, one column per hidden layer, as the slides draw them."""
    depth = max(len(run.layers) for run in runs)
    fig = new_figure(figsize=(4 + 1.3 * depth, 1.3 * len(runs) + 1.2))
    grid = fig.add_gridspec(len(runs), depth + 3)
    ax_std = fig.add_subplot(grid[:, :3])
    for run in runs:
        stds = [max(layer.std, 1e-30) for layer in run.layers]
        ax_std.plot(range(1, len(stds) + 1), stds, "-o", ms=3, label=label(run))
    ax_std.set(yscale="log", xlabel="hidden layer", ylabel="activation std", title="std")
    ax_std.grid(alpha=0.3)
    ax_std.legend(fontsize=7)
    for row, run in enumerate(runs):
        for col, layer in enumerate(run.layers):
            ax = fig.add_subplot(grid[row, col + 3])
            ax.hist(
                layer.sample, bins=30, range=hist_range(run), color=f"C{row}", histtype="stepfilled"
            )
            ax.set_yticks([])
            ax.tick_params(labelsize=5)
            if row == 0:
                ax.set_title(f"layer {col + 1}", fontsize=7)
            if col == 0:
                ax.set_ylabel(label(run), fontsize=7)
    fig.suptitle("Activations of a 10-layer net at initialisation (Glorot and Bengio, 2010)")
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.9, wspace=0.35, hspace=0.35)
    return save_figure(fig, path)


def label(run: InitRun) -> str:
    return f"{SCHEME_TITLES[run.scheme]}, {run.activation}"


def hist_range(run: InitRun) -> tuple[float, float]:
    """The slides' axes: tanh in [-1, 1]; ReLU from 0 to a little past the first layer's
    largest value, so shrinking layers show as mass piling up at zero."""
    if run.activation == "tanh":
        return -1.0, 1.0
    top = float(np.max(run.layers[0].sample)) if run.layers[0].sample.size else 1.0
    return 0.0, max(top, 1e-12)
