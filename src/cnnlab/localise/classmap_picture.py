"""``cnnlab viz classmap``'s picture: a run's class-score map over a larger image, drawn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data.images import read_image
from cnnlab.errors import DataError
from cnnlab.figure import Picture, save_figure, subplots
from cnnlab.localise.classmap import ClassMap, class_map
from cnnlab.train.run import Run
from cnnlab.viz.overlay import as_array

MAX_CLASS_PANELS = 10  # the classes drawn one map each: those that win most windows
MAX_LABELLED = 16  # windows per side up to which the best class is written in each cell


@dataclass(kw_only=True)
class ClassMapPicture(Picture):
    image: torch.Tensor  # (C, H, W) on 0..1
    map: ClassMap
    classes: list[str]

    def shown_classes(self) -> list[int]:
        """The classes with a panel: most windows won first, then highest score anywhere."""
        wins = torch.bincount(self.map.best.flatten(), minlength=len(self.classes))
        peak = self.map.scores.flatten(1).max(1).values
        order = sorted(range(len(self.classes)), key=lambda k: (-int(wins[k]), -float(peak[k])))
        return order[:MAX_CLASS_PANELS]

    def extent(self) -> tuple[float, float, float, float]:
        """Where the map's cells lie over the image: each centred on its window's centre."""
        rows, columns = self.map.scores.shape[-2:]
        (height, width), step = self.map.window, self.map.stride
        left, top = (width - 1) / 2 - step / 2, (height - 1) / 2 - step / 2
        return (left, left + columns * step, top + rows * step, top)

    def draw(self, path: Path) -> Path:
        shown = self.shown_classes()
        panels = 2 + len(shown)
        columns = min(panels, 4)
        rows = -(-panels // columns)
        fig, axes = subplots(
            rows, columns, figsize=(3.2 * columns, 3.2 * rows + 0.6), squeeze=False
        )
        flat = list(axes.flat)
        flat[0].imshow(as_array(self.image), cmap="gray", vmin=0, vmax=1)
        flat[0].set_title(f"image {self.image.shape[-2]}x{self.image.shape[-1]}", fontsize=9)
        self.draw_best(flat[1])
        for ax, k in zip(flat[2:], shown, strict=False):
            ax.imshow(as_array(self.image), cmap="gray", vmin=0, vmax=1)
            heat = ax.imshow(self.map.scores[k].numpy(), cmap="magma", alpha=0.75,
                             extent=self.extent(), interpolation="nearest")  # fmt: skip
            ax.set_title(f"score of {self.classes[k]!r}", fontsize=9)
            fig.colorbar(heat, ax=ax, fraction=0.046, pad=0.04)
        height, width = self.image.shape[-2:]
        for ax in flat:  # the whole image, though the map covers only the windows' centres
            ax.set_xlim(-0.5, width - 0.5)
            ax.set_ylim(height - 0.5, -0.5)
            ax.axis("off")
        fig.suptitle(self.title, fontsize=10)
        return save_figure(fig, path)

    def draw_best(self, ax) -> None:
        best = self.map.best
        ax.imshow(as_array(self.image), cmap="gray", vmin=0, vmax=1)
        ax.imshow(best.numpy(), cmap="tab20", vmin=0, vmax=19, alpha=0.45,
                  extent=self.extent(), interpolation="nearest")  # fmt: skip
        ax.set_title(f"best class per {self.map.window[0]}x{self.map.window[1]} window", fontsize=9)
        rows, columns = best.shape
        if max(rows, columns) <= MAX_LABELLED:
            (height, width), step = self.map.window, self.map.stride
            for r in range(rows):
                for c in range(columns):
                    y, x = r * step + (height - 1) / 2, c * step + (width - 1) / 2
                    ax.text(x, y, self.classes[int(best[r, c])], ha="center", va="center",
                            fontsize=6, color="white")  # fmt: skip


def on_canvas(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``image`` (1, C, h, w) centred on a black canvas of ``size`` (H, W)."""
    height, width = size
    small_h, small_w = image.shape[-2:]
    if height < small_h or width < small_w:
        raise DataError(
            f"--canvas {height}x{width} is smaller than the {small_h}x{small_w} image it holds"
        )
    canvas = torch.zeros(*image.shape[:2], height, width, dtype=image.dtype)
    top, left = (height - small_h) // 2, (width - small_w) // 2
    canvas[..., top : top + small_h, left : left + small_w] = image
    return canvas


def classmap_picture(
    run: Run,
    image: str | Path | None = None,
    index: int = 0,
    split: str = "test",
    *,
    canvas: int | None = None,
) -> ClassMapPicture:
    """The class-score map of the image file ``image`` at its own size, else of ``split``'s
    image ``index`` centred on a black ``canvas``-pixel square (default: twice its side)."""
    channels = run.input_shape[0]
    if image is not None:
        pixels, source = read_image(image, "L" if channels == 1 else "RGB"), str(image)
    else:
        picked = run.pick(None, index, split)
        side = canvas or 2 * max(picked.pixels.shape[-2:])
        pixels, source = on_canvas(picked.pixels, (side, side)), picked.source
    scores = class_map(run.model, run.input_shape, pixels.float() / 255, run.preprocess)
    rows, columns = scores.scores.shape[-2:]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "", Path(source).stem) or "image"
    return ClassMapPicture(
        title=f"class-score map of {source}: {rows}x{columns} windows, stride {scores.stride}",
        default_path=run.plot_path(f"classmap-{stem}.png"),
        notes=[
            f"{rows}x{columns} windows of {scores.window[0]}x{scores.window[1]}, "
            f"stride {scores.stride}"
        ],  # fmt: skip
        image=pixels[0].float() / 255,
        map=scores,
        classes=run.classes,
    )
