"""Activation statistics per layer for one batch, collected with forward hooks (Glorot and Bengio,
2010).

For every leaf module the output's mean and standard deviation; for ReLU-like layers the
fraction of zeros and of dead units (units that are zero for every example of the batch);
for bounded activations (tanh, sigmoid, hardtanh) the fraction of saturated outputs, whose
local gradient is close to zero. A unit is a channel (dimension 1): a feature map of a
convolution or one neuron of a linear layer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from cnnlab.figure import save_figure, subplots

RELU_LIKE = (nn.ReLU, nn.ReLU6)
SATURATION_MARGIN = 0.01  # an output within 1% of its activation's bound counts as saturated
HISTOGRAM_SAMPLE = 4096  # values kept per layer for histograms


@dataclass
class LayerStats:
    name: str  # module path in the model; "name#2" for its second call in one forward pass
    kind: str  # the module's class name
    shape: tuple[int, ...]  # output shape, batch first
    mean: float
    std: float
    zero_fraction: float | None  # ReLU-like layers: fraction of outputs that are exactly 0
    dead_fraction: float | None  # ReLU-like layers: fraction of units zero for the whole batch
    saturated_fraction: float | None  # bounded activations: fraction within 1% of a bound
    sample: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # for histograms


def saturation_bounds(module: nn.Module) -> tuple[float, float] | None:
    """The output range of a bounded activation, or None for any other layer."""
    if isinstance(module, nn.Tanh):
        return -1.0, 1.0
    if isinstance(module, nn.Sigmoid):
        return 0.0, 1.0
    if isinstance(module, nn.Hardtanh):  # also ReLU6 (0, 6)
        return float(module.min_val), float(module.max_val)
    return None


def output_stats(name: str, module: nn.Module, output: torch.Tensor, seed: int = 0) -> LayerStats:
    """Statistics of one layer's output tensor (batch first)."""
    values = output.detach().float()
    flat = values.reshape(-1)
    zero = dead = saturated = None
    if isinstance(module, RELU_LIKE):
        active = values != 0
        zero = 1.0 - active.float().mean().item()
        per_unit = active.transpose(0, 1).reshape(values.shape[1], -1).any(dim=1)
        dead = 1.0 - per_unit.float().mean().item()
    bounds = saturation_bounds(module)
    if bounds is not None:
        low, high = bounds
        margin = SATURATION_MARGIN * (high - low) / 2
        saturated = ((flat <= low + margin) | (flat >= high - margin)).float().mean().item()
    generator = torch.Generator().manual_seed(seed)
    keep = torch.randint(flat.numel(), (min(HISTOGRAM_SAMPLE, flat.numel()),), generator=generator)
    return LayerStats(
        name=name,
        kind=type(module).__name__,
        shape=tuple(values.shape),
        mean=flat.mean().item(),
        std=flat.std().item() if flat.numel() > 1 else 0.0,
        zero_fraction=zero,
        dead_fraction=dead,
        saturated_fraction=saturated,
        sample=flat[keep.to(flat.device)].cpu().numpy(),
    )


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of every module without children, in registration order."""
    return [(name, m) for name, m in model.named_modules() if not list(m.children())]


@torch.no_grad()
def activation_stats(
    model: nn.Module, batch: torch.Tensor, *, only: tuple[type, ...] | None = None
) -> list[LayerStats]:
    """Run ``model`` on ``batch`` in its current mode and return one row per layer call, in
    the order the layers ran. ``only``: keep only these module types (activations, say).

    Statistics are computed inside the hook, before a following in-place layer can
    overwrite the output.
    """
    rows: list[LayerStats] = []
    calls: Counter[str] = Counter()

    def hook_for(name: str):
        def hook(module: nn.Module, _inputs, output) -> None:
            if not isinstance(output, torch.Tensor) or output.ndim < 2:
                return
            calls[name] += 1
            label = name if calls[name] == 1 else f"{name}#{calls[name]}"
            rows.append(output_stats(label or type(module).__name__, module, output, len(rows)))

        return hook

    handles = [
        module.register_forward_hook(hook_for(name))
        for name, module in leaf_modules(model)
        if only is None or isinstance(module, only)
    ]
    try:
        model(batch)
    finally:
        for handle in handles:
            handle.remove()
    return rows


def plot_activation_stats(rows: list[LayerStats], path, *, title: str = "") -> object:
    """One histogram per layer (at most 24, in forward order) titled with its mean and std."""
    shown = rows[:24]
    columns = min(6, max(len(shown), 1))
    lines = -(-len(shown) // columns) or 1
    fig, axes = subplots(lines, columns, figsize=(2.6 * columns, 2.2 * lines), squeeze=False)
    for ax in axes.flat[len(shown) :]:
        ax.axis("off")
    for ax, row in zip(axes.flat, shown, strict=False):
        ax.hist(row.sample, bins=40, histtype="stepfilled", color="C0")
        ax.set_title(f"{row.name} ({row.kind})\nmean {row.mean:.2g} std {row.std:.2g}", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    fig.suptitle(title or "Activations per layer")
    fig.tight_layout()
    return save_figure(fig, path)
