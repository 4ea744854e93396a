"""Class-score maps: a trained classifier run over a larger image in one convolutional pass.

The network's fully connected head becomes convolutions (:func:`cnnlab.nn.convolutionize`),
so on an image larger than the training size it gives a grid of class scores, one per
window the original network would see if slid over the image with the network's total
stride (Sermanet et al., 2013, OverFeat; Long et al., 2015). :func:`sliding_scores` is that
window-by-window loop, kept as the reference the one pass is checked and timed against.
The two agree exactly for networks without padding (LeNet-5); a padded convolution sees
the neighbouring pixels in the one pass where a window alone sees zeros, so inner windows
of such networks (AlexNet, VGG) differ slightly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cnnlab.data.images import read_image
from cnnlab.errors import DataError
from cnnlab.figure import save_figure, subplots
from cnnlab.nn import convolutionize
from cnnlab.train.run import Run


@dataclass
class ClassMap:
    """Scores (classes, rows, columns) of the windows of ``window`` pixels placed every
    ``stride`` pixels; ``best`` is the top class of each window."""

    scores: torch.Tensor
    window: tuple[int, int]
    stride: tuple[int, int]

    @property
    def best(self) -> torch.Tensor:
        return self.scores.argmax(0)


def model_input(run: Run, pixels: torch.Tensor) -> torch.Tensor:
    """uint8 (1, C, H, W) pixels of any size as the model's input: 0..1, then the run's
    preprocessing (which does not depend on the size)."""
    channels, height, width = run.input_shape
    if pixels.dtype != torch.uint8 or pixels.dim() != 4 or pixels.shape[1] != channels:
        raise DataError(
            f"class map for run {run.path}: expected uint8 (1, {channels}, H, W) pixels, "
            f"found {pixels.dtype} {tuple(pixels.shape)}"
        )
    if pixels.shape[2] < height or pixels.shape[3] < width:
        raise DataError(
            f"class map for run {run.path}: the image must be at least the training size "
            f"{height}x{width}, found {pixels.shape[2]}x{pixels.shape[3]}"
        )
    return run.preprocess(pixels.to(run.device).float().div(255))


def _stride(network: nn.Module, window: tuple[int, int], channels: int, param: torch.Tensor):
    """The network's total stride along each axis: the smallest growth of the input that
    adds a row (column) to the score map."""
    stride = []
    for axis in (0, 1):
        for step in range(1, window[axis] + 1):
            size = list(window)
            size[axis] += step
            probe = torch.zeros(1, channels, *size, dtype=param.dtype, device=param.device)
            if network(probe).shape[2 + axis] > 1:
                stride.append(step)
                break
        else:
            stride.append(window[axis])
    return tuple(stride)


@torch.no_grad()
def class_map(run: Run, pixels: torch.Tensor) -> ClassMap:
    """The class-score map of uint8 (1, C, H, W) ``pixels`` (H, W at least the training
    size) by the run's network made fully convolutional."""
    channels, height, width = run.input_shape
    network = convolutionize(run.model, run.input_shape).eval()
    scores = network(model_input(run, pixels))[0].float().cpu()
    stride = _stride(network, (height, width), channels, next(network.parameters()))
    return ClassMap(scores, (height, width), stride)


@torch.no_grad()
def sliding_scores(run: Run, pixels: torch.Tensor, stride: tuple[int, int]) -> torch.Tensor:
    """The original network's logits (classes, rows, columns) on every window of the
    training size placed every ``stride`` pixels, one window at a time."""
    _, height, width = run.input_shape
    x = model_input(run, pixels)
    rows = (x.shape[2] - height) // stride[0] + 1
    columns = (x.shape[3] - width) // stride[1] + 1
    model = run.model.eval()
    scores = torch.empty(len(run.classes), rows, columns)
    for row in range(rows):
        for column in range(columns):
            top, left = row * stride[0], column * stride[1]
            window = x[:, :, top : top + height, left : left + width]
            scores[:, row, column] = model(window)[0].float().cpu()
    return scores


def plot_class_map(
    found: ClassMap, pixels: torch.Tensor, classes: list[str], title: str, path: str | Path
) -> Path:
    """The image, the best class of each window (coloured, labelled) and the top class's
    score map; written as one PNG."""
    fig, axes = subplots(1, 3, figsize=(13, 4.4))
    image = pixels[0].float().div(255).permute(1, 2, 0).cpu()
    axes[0].imshow(image.squeeze(-1).numpy(), cmap="gray" if image.shape[-1] == 1 else None)
    axes[0].set_title(f"image {image.shape[0]}x{image.shape[1]}")
    best = found.best
    shown = axes[1].imshow(best.numpy(), cmap="tab10" if len(classes) <= 10 else "tab20",
                           vmin=-0.5, vmax=len(classes) - 0.5)  # fmt: skip
    if best.numel() <= 400:
        for (row, column), label in np.ndenumerate(best.numpy()):
            axes[1].text(column, row, classes[label], ha="center", va="center", fontsize=7)
    fig.colorbar(shown, ax=axes[1], ticks=range(len(classes)))
    axes[1].set_title(f"best class per window ({found.window[0]}x{found.window[1]}, "
                      f"stride {found.stride[0]})")  # fmt: skip
    top = int(torch.bincount(best.flatten(), minlength=len(classes)).argmax())
    heat = axes[2].imshow(found.scores[top].numpy(), cmap="magma")
    fig.colorbar(heat, ax=axes[2])
    axes[2].set_title(f"score of class {classes[top]}")
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    fig.suptitle(title)
    return save_figure(fig, path)


def on_canvas(pixels: torch.Tensor, size: int, top: int, left: int) -> torch.Tensor:
    """uint8 (1, C, h, w) ``pixels`` pasted at (``top``, ``left``) on a black ``size`` x
    ``size`` canvas, so a dataset image can be found in a larger picture."""
    _, channels, height, width = pixels.shape
    if not (0 <= top <= size - height and 0 <= left <= size - width):
        raise DataError(
            f"--canvas {size} with the image at ({top}, {left}): a {height}x{width} image "
            f"must fit, so top in 0..{size - height} and left in 0..{size - width}"
        )
    canvas = torch.zeros(1, channels, size, size, dtype=torch.uint8)
    canvas[:, :, top : top + height, left : left + width] = pixels
    return canvas


def picture(
    run: Run,
    image: str | Path | None,
    *,
    index: int = 0,
    split: str = "test",
    canvas: int | None = None,
    top: int = 0,
    left: int = 0,
) -> tuple[torch.Tensor, str]:
    """The uint8 pixels to map and where they came from: an image file at its own size, or
    ``split``'s image ``index`` pasted on a ``canvas`` x ``canvas`` black picture."""
    if image is not None:
        channels = run.input_shape[0]
        pixels = read_image(image, "L" if channels == 1 else "RGB")
        if pixels.shape[2] < run.input_shape[1] or pixels.shape[3] < run.input_shape[2]:
            raise DataError(
                f"image {image}: expected at least the training size "
                f"{run.input_shape[1]}x{run.input_shape[2]}, found "
                f"{pixels.shape[2]}x{pixels.shape[3]}"
            )
        return pixels, str(image)
    picked = run.pick(None, index, split)
    size = canvas if canvas is not None else 2 * max(picked.pixels.shape[-2:])
    return on_canvas(picked.pixels, size, top, left), f"{picked.source} on {size}x{size}"
