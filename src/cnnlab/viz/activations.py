"""Feature maps: what one layer of a trained network computes for an image.

Layers are addressed by their module name in ``model.named_modules()`` (``features.3``,
``layer2.0.conv1``); :func:`find_layer` turns a wrong name into an error listing the valid
ones. The output is captured with a forward hook and copied, because an in-place ReLU after
a convolution would otherwise overwrite the convolution's output as the pass goes on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from cnnlab.errors import ModelError, UnknownNameError
from cnnlab.train.run import PickedImage, Run

if TYPE_CHECKING:
    from matplotlib.axes import Axes

from cnnlab.figure import save_figure, subplots


def find_layer(
    model: nn.Module,
    name: str,
    *,
    kind: str = "layer",
    keep: Callable[[nn.Module], bool] | None = None,
) -> nn.Module:
    """The submodule called ``name``; an UnknownNameError listing the names (those ``keep``
    accepts) otherwise."""
    layers = {n: m for n, m in model.named_modules() if n and (keep is None or keep(m))}
    if name not in layers:
        raise UnknownNameError(kind, name, layers)
    return layers[name]


def capture(
    model: nn.Module, layer: nn.Module, batch: torch.Tensor, *, what: str = "output"
) -> torch.Tensor:
    """The output of ``layer`` (``what="input"``: the tensor it receives) when ``model``
    runs on ``batch`` (no gradients)."""
    outputs: list[torch.Tensor] = []

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor | None = None) -> None:
        tensor = inputs[0] if what == "input" else output
        if not isinstance(tensor, torch.Tensor):
            raise ModelError(
                f"layer {type(module).__name__} {what}s {type(tensor).__name__}, "
                "expected a tensor of feature maps"
            )
        outputs.append(tensor.detach().clone())

    if what == "input":
        handle = layer.register_forward_pre_hook(hook)
    else:
        handle = layer.register_forward_hook(hook)
    try:
        with torch.no_grad():
            model(batch)
    finally:
        handle.remove()
    if not outputs:
        raise ModelError(f"layer {type(layer).__name__} did not run in the model's forward pass")
    return outputs[0]


def first_conv_name(model: nn.Module) -> str:
    """The name of the first module holding a 4-D filter bank (the first convolution)."""
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor) and weight.ndim == 4:
            return name
    raise ModelError(f"{type(model).__name__} has no convolution layer (no 4-D weight)")


def feature_maps(loaded: Run, layer: str, image: PickedImage) -> torch.Tensor:
    """The output of ``layer`` for one image: (C, H, W) for convolutional layers, (F,) for
    fully connected ones."""
    module = find_layer(loaded.model, layer)
    return capture(loaded.model, module, loaded.prepare(image.pixels))[0].cpu()


def plot_feature_maps(
    maps: torch.Tensor, image: torch.Tensor, title: str, path: str | Path
) -> Path:
    """The input image, then each channel as its own grey-scale panel (each scaled to its own
    range, so a weak map stays visible; all-zero maps show as flat black: dead units)."""
    if maps.ndim == 1:
        return _plot_units(maps, image, title, path)
    if maps.ndim != 3:
        raise ModelError(f"cannot draw feature maps of shape {tuple(maps.shape)}")
    count = maps.shape[0] + 1
    columns = min(count, 8)
    rows = math.ceil(count / columns)
    fig, axes = subplots(rows, columns, figsize=(1.6 * columns, 1.7 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    _show_image(axes.flat[0], image)
    axes.flat[0].set_title("input", fontsize=8)
    for channel, ax in enumerate(axes.flat[1:count]):
        ax.imshow(maps[channel].numpy(), cmap="gray", interpolation="nearest")
        ax.set_title(str(channel), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def _plot_units(values: torch.Tensor, image: torch.Tensor, title: str, path: str | Path) -> Path:
    fig, (ax_image, ax_bars) = subplots(1, 2, figsize=(10, 3), gridspec_kw={"width_ratios": [1, 4]})
    _show_image(ax_image, image)
    ax_image.axis("off")
    ax_bars.bar(range(len(values)), values.numpy(), width=1.0)
    ax_bars.set(xlabel="unit", ylabel="activation")
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def _show_image(ax: Axes, image: torch.Tensor) -> None:
    """A (C, H, W) image on the 0..1 scale."""
    if image.shape[0] == 1:
        ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(image.permute(1, 2, 0).numpy(), interpolation="nearest")
