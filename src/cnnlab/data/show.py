"""A dataset's images beside augmented copies of them, drawn as the loader would draw them:
the way to see what an augmentation spec does before training with it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data.augment import build_augment
from cnnlab.data.dataset import Dataset
from cnnlab.data.registry import load
from cnnlab.errors import ConfigError
from cnnlab.figure import Picture, save_figure, subplots

MOST = 64  # rows or columns of a grid


@dataclass(kw_only=True)
class AugmentedGrid(Picture):
    """Each row an image, its original then its augmented copies. It has no default file:
    ``save`` needs a path."""

    originals: torch.Tensor  # (N, C, H, W) on 0..1
    augmented: torch.Tensor  # (copies, N, C, H', W') on 0..1
    labels: list[str]  # the class (or digit sequence) of each row
    boxes: torch.Tensor | None = None  # (N, 4) x, y, w, h of each original's object, or None
    digit_boxes: torch.Tensor | None = None  # (N, K, 4) each digit's box (multi-digit sets)
    BOX_COLOUR = "red"
    DIGIT_COLOUR = "cyan"

    def draw(self, path: Path) -> Path:
        count, copies = len(self.originals), len(self.augmented)
        aspect = self.originals.shape[-1] / self.originals.shape[-2]  # wide canvases stay wide
        fig, axes = subplots(
            count, copies + 1, figsize=(1.3 * aspect * (copies + 1), 1.3 * count + 0.6),
            squeeze=False,
        )  # fmt: skip
        for row in range(count):
            for column, image in enumerate([self.originals[row], *self.augmented[:, row]]):
                ax = axes[row, column]
                pixels = image.clamp(0, 1).permute(1, 2, 0).numpy()
                grey = pixels.shape[2] == 1
                ax.imshow(pixels[..., 0] if grey else pixels, cmap="gray" if grey else None,
                          vmin=0, vmax=1, interpolation="nearest")  # fmt: skip
                ax.set_xticks([]), ax.set_yticks([])
            axes[row, 0].set_ylabel(self.labels[row], rotation=0, ha="right", va="center")
            if self.digit_boxes is not None:
                for box in self.digit_boxes[row]:
                    if box[2] > 0:  # positions after the last digit have empty boxes
                        self.draw_box(axes[row, 0], box, self.DIGIT_COLOUR)
            if self.boxes is not None:  # on the original: augmentation may move the object
                self.draw_box(axes[row, 0], self.boxes[row], self.BOX_COLOUR)
        axes[0, 0].set_title("original", fontsize=9)
        for column in range(1, copies + 1):
            axes[0, column].set_title(f"copy {column}", fontsize=9)
        fig.suptitle(self.title, fontsize=10)
        fig.tight_layout()
        return save_figure(fig, path)

    def draw_box(self, ax, box: torch.Tensor, colour: str) -> None:
        from matplotlib.patches import Rectangle

        x, y, width, height = box.tolist()  # pixel edges sit half a pixel before the centres
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), width, height, fill=False,
                               edgecolor=colour, linewidth=1))  # fmt: skip


PREVIEW_SIDE = 256


def augmented_grid(
    name: str,
    augment: str = "",
    *,
    count: int = 8,
    copies: int = 7,
    split: str = "train",
    data_dir: str | None = None,
    seed: int = 0,
) -> AugmentedGrid:
    """The first ``count`` images of dataset ``name`` and ``copies`` augmented versions of
    each under the spec ``augment``, drawn from a generator seeded with ``seed``. Image
    folders are decoded at most ``PREVIEW_SIDE`` pixels a side: a folder of big photos
    is looked at without holding them whole."""
    for option, value in (("--count", count), ("--copies", copies)):
        if not 1 <= value <= MOST:
            raise ConfigError(f"{option} must be between 1 and {MOST}, found {value}")
    dataset = load(name, split, data_dir=data_dir, seed=seed, max_side=PREVIEW_SIDE)
    transform = build_augment(augment, dataset)
    originals = dataset.images[: min(count, len(dataset))].float() / 255
    generator = torch.Generator().manual_seed(seed)
    if transform is None:
        augmented = originals.unsqueeze(0).expand(copies, *originals.shape)
    else:
        augmented = torch.stack([transform(originals, generator) for _ in range(copies)])
    shape = "x".join(map(str, augmented.shape[-2:]))
    return AugmentedGrid(
        title=f"{name} ({split}), augment: {augment or 'none'}",
        default_path=None,
        notes=[f"{len(originals)} images of {name} with {copies} augmented copies each ({shape})"],
        originals=originals,
        augmented=augmented,
        labels=row_labels(dataset, len(originals)),
        boxes=None if dataset.boxes is None else dataset.boxes[: len(originals)],
        digit_boxes=None if dataset.digit_boxes is None else dataset.digit_boxes[: len(originals)],
    )


def row_labels(dataset: Dataset, count: int) -> list[str]:
    """What each of the first ``count`` images shows: its class, or its digit sequence."""
    if dataset.sequences is not None:
        return [sequence_text(row, dataset.classes) for row in dataset.sequences[:count]]
    return [dataset.classes[int(label)] for label in dataset.labels[:count]]


def sequence_text(sequence: torch.Tensor, classes: list[str]) -> str:
    """The digits of one sequence (-1 after the last) as text: ``"4071"``."""
    return "".join(classes[int(d)] for d in sequence if d >= 0)
