"""Drawing the attribution and synthesis results: an image with a map over it, or a row of
images. Images are (C, H, W) tensors on the 0..1 scale; every figure is written as PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from matplotlib.axes import Axes

from cnnlab.figure import save_figure, subplots


def as_array(image: torch.Tensor) -> np.ndarray:
    """(C, H, W) -> (H, W) for one channel or (H, W, 3) for colour, clipped to 0..1."""
    array = image.detach().float().cpu().clamp(0, 1).numpy()
    return array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)


def rescaled(image: torch.Tensor) -> torch.Tensor:
    """Stretched to 0..1 (for images whose values are not pixels, such as a perturbation)."""
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else torch.full_like(image, 0.5)


def draw_image(ax: Axes, image: torch.Tensor, title: str) -> None:
    ax.imshow(as_array(image), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def plot_map(
    image: torch.Tensor, heat: torch.Tensor, title: str, map_title: str, path: str | Path
) -> Path:
    """The image, and the image under ``heat`` (H, W) drawn as a translucent heat map."""
    fig, (left, right) = subplots(1, 2, figsize=(8, 4.2))
    draw_image(left, image, "input")
    draw_image(right, image, map_title)
    shown = right.imshow(heat.detach().cpu().numpy(), cmap="jet", alpha=0.5)
    fig.colorbar(shown, ax=right, fraction=0.046)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_occlusion(
    image: torch.Tensor,
    drop: torch.Tensor,
    grid: torch.Tensor,
    centres: tuple[Sequence[float], Sequence[float]],
    title: str,
    path: str | Path,
) -> Path:
    """The image, the drop in probability per pixel over it, and the probability as a
    function of the square's position (``centres``: the squares' centre rows and columns)."""
    fig, (left, middle, right) = subplots(1, 3, figsize=(12, 4.2))
    draw_image(left, image, "input")
    draw_image(middle, image, "drop in probability when hidden")
    shown = middle.imshow(drop.detach().cpu().numpy(), cmap="jet", alpha=0.5)
    fig.colorbar(shown, ax=middle, fraction=0.046)
    rows, cols = centres
    probs = right.imshow(
        grid.detach().cpu().numpy(),
        cmap="viridis",
        vmin=0,
        vmax=1,
        extent=(cols[0] - 0.5, cols[-1] + 0.5, rows[-1] + 0.5, rows[0] - 0.5),
        interpolation="nearest",
    )
    right.set(title="probability with the square centred here", xlabel="column", ylabel="row")
    right.title.set_fontsize(9)
    fig.colorbar(probs, ax=right, fraction=0.046)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_row(panels: Sequence[tuple[torch.Tensor, str]], title: str, path: str | Path) -> Path:
    """Images side by side, each (C, H, W) on 0..1 with its caption."""
    fig, axes = subplots(1, len(panels), figsize=(4 * len(panels), 4.4), squeeze=False)
    for ax, (image, caption) in zip(axes[0], panels, strict=True):
        draw_image(ax, image, caption)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
