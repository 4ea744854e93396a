"""Filters as images: the first layer's kernels in colour, deeper ones per input channel.

A first layer that learned something shows oriented edges, colour blobs and frequencies;
noise or near-identical filters mean it did not (Zeiler and Fergus, 2014).
:func:`filter_change` answers the plainer question "did my first layer learn anything?" by
comparing the trained filters with the ones the run started from, saved by training.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.figure import save_figure, subplots
from cnnlab.train.run import Run
from cnnlab.viz.activations import find_layer, first_conv_name

MAX_FILTERS = 64  # filters drawn at most (rows of a deeper layer's grid)
MAX_INPUT_CHANNELS = 16  # input channels drawn at most per filter of a deeper layer


def is_filter_bank(module: nn.Module) -> bool:
    weight = getattr(module, "weight", None)
    return isinstance(weight, torch.Tensor) and weight.ndim == 4


def filter_weights(model: nn.Module, layer: str | None = None) -> torch.Tensor:
    """The (out, in, kh, kw) weights of convolution ``layer`` (default: the first one)."""
    name = layer or first_conv_name(model)
    module = find_layer(model, name, kind="convolution layer", keep=is_filter_bank)
    return module.weight.detach().float().cpu().clone()


def filter_images(weights: torch.Tensor) -> torch.Tensor:
    """The tensor behind the picture, on the 0..1 scale.

    Three input channels: (out, 3, kh, kw), each filter stretched to its own min..max as an
    RGB image. Otherwise: (out, in, kh, kw), each filter scaled by its largest magnitude so
    that 0 is mid-grey, positive weights light and negative ones dark.
    """
    flat = weights.flatten(1)
    if weights.shape[1] == 3:
        low, high = flat.min(dim=1).values, flat.max(dim=1).values
        scaled = (flat - low[:, None]) / (high - low).clamp_min(1e-12)[:, None]
    else:
        scaled = flat / (2 * flat.abs().max(dim=1).values.clamp_min(1e-12)[:, None]) + 0.5
    return scaled.view_as(weights)


def montage(images: torch.Tensor, columns: int, pad: int = 1, fill: float = 1.0) -> torch.Tensor:
    """(N, C, h, w) images laid out in rows of ``columns`` with ``pad`` pixels of ``fill``
    between them: one (C, H, W) image."""
    count, channels, height, width = images.shape
    rows = -(-count // columns)
    canvas = torch.full(
        (channels, rows * (height + pad) + pad, columns * (width + pad) + pad), fill
    )
    for i, image in enumerate(images):
        top, left = pad + (i // columns) * (height + pad), pad + (i % columns) * (width + pad)
        canvas[:, top : top + height, left : left + width] = image
    return canvas


def plot_filters(weights: torch.Tensor, title: str, path: str | Path) -> Path:
    """A colour grid for RGB filters, a grey grid (one filter per row, one input channel per
    column) otherwise; at most MAX_FILTERS filters and MAX_INPUT_CHANNELS channels."""
    images = filter_images(weights[:MAX_FILTERS])
    out, channels = images.shape[:2]
    if channels in (1, 3):
        columns = min(out, 8 if out <= 32 else 16)
        grid = montage(images, columns)
        xlabel, ylabel = f"{out} filters", ""
    else:
        shown = images[:, :MAX_INPUT_CHANNELS]
        columns = shown.shape[1]
        grid = montage(shown.reshape(-1, 1, *shown.shape[2:]), columns)
        xlabel, ylabel = f"input channel (first {columns} of {channels})", f"filter ({out})"
    height, width = grid.shape[1:]
    scale = 6 / max(height, width)
    fig, ax = subplots(figsize=(max(3.0, width * scale + 1), max(1.8, height * scale + 1)))
    if grid.shape[0] == 1:
        ax.imshow(grid[0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xticks=[], yticks=[])
    fig.tight_layout()
    return save_figure(fig, path)


def filter_change(run: Run, layer: str | None = None) -> torch.Tensor:
    """How far each filter of ``layer`` moved in training: ||W_trained - W_initial|| over
    ||W_initial||, one value per filter (0 means it never changed). The initial weights are
    the ones training saved before its first step (``Run.initial_model``)."""
    trained = filter_weights(run.model, layer)
    initial = filter_weights(run.initial_model(), layer)
    if trained.shape != initial.shape:
        raise ModelError(
            f"filters of {layer or 'the first convolution'} in {run.path}: the trained ones "
            f"have shape {tuple(trained.shape)}, the initial ones {tuple(initial.shape)}"
        )
    moved = (trained - initial).flatten(1).norm(dim=1)
    return moved / initial.flatten(1).norm(dim=1).clamp_min(1e-12)
