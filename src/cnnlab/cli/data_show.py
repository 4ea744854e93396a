"""``cnnlab data show NAME --augment SPEC --out grid.png``: originals and augmented copies."""

from __future__ import annotations

from pathlib import Path

import torch
import typer
from rich.console import Console

from cnnlab import data
from cnnlab.cli.data import data_app
from cnnlab.data.augment import build_augment
from cnnlab.errors import ConfigError
from cnnlab.figure import save_figure, subplots


def augmented_grid(
    dataset: data.Dataset, spec: str, count: int, copies: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``count`` images (N, C, H, W) on 0..1 and ``copies`` augmented versions of
    each (copies, N, C, H', W'), drawn as the loader would with ``seed``."""
    augment = build_augment(spec, dataset)
    originals = dataset.images[:count].float() / 255
    generator = torch.Generator().manual_seed(seed)
    if augment is None:
        return originals, originals.unsqueeze(0).expand(copies, *originals.shape)
    return originals, torch.stack([augment(originals, generator) for _ in range(copies)])


def draw_grid(originals, augmented, labels, classes, title: str, path: Path) -> Path:
    count, copies = len(originals), len(augmented)
    fig, axes = subplots(
        count, copies + 1, figsize=(1.3 * (copies + 1), 1.3 * count + 0.6), squeeze=False
    )
    for row in range(count):
        images = [originals[row], *augmented[:, row]]
        for column, image in enumerate(images):
            ax = axes[row, column]
            pixels = image.clamp(0, 1).permute(1, 2, 0).numpy()
            grey = pixels.shape[2] == 1
            ax.imshow(pixels[..., 0] if grey else pixels, cmap="gray" if grey else None,
                      vmin=0, vmax=1, interpolation="nearest")  # fmt: skip
            ax.set_xticks([]), ax.set_yticks([])
        axes[row, 0].set_ylabel(classes[int(labels[row])], rotation=0, ha="right", va="center")
    axes[0, 0].set_title("original", fontsize=9)
    for column in range(1, copies + 1):
        axes[0, column].set_title(f"copy {column}", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


@data_app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Registered dataset name (digits, mnist, ...)."),
    augment: str = typer.Option(
        "", help="Augmentation spec, e.g. flip,crop:4 or elastic:34:sigma=4."
    ),
    out: Path = typer.Option(Path("grid.png"), help="PNG file to write."),
    count: int = typer.Option(8, help="Images (rows) to show."),
    copies: int = typer.Option(7, help="Augmented copies per image (columns)."),
    split: str = typer.Option("train", help="train, val or test."),
    data_dir: str | None = typer.Option(None, help="Dataset folder (default: $CNNLAB_DATA)."),
    seed: int = typer.Option(0, help="Seeds the augmentations."),
) -> None:
    """Draw a grid: each row an image of NAME, its original then augmented copies."""
    for option, value in (("--count", count), ("--copies", copies)):
        if not 1 <= value <= 64:
            raise ConfigError(f"{option} must be between 1 and 64, found {value}")
    dataset = data.load(name, split, data_dir=data_dir, seed=seed)
    originals, augmented = augmented_grid(dataset, augment, min(count, len(dataset)), copies, seed)
    title = f"{name} ({split}), augment: {augment or 'none'}"
    path = draw_grid(originals, augmented, dataset.labels, dataset.classes, title, out)
    shape = "x".join(map(str, augmented.shape[-2:]))
    Console().print(
        f"{len(originals)} images of {name} with {copies} augmented copies each ({shape}): {path}",
        markup=False,
        highlight=False,
    )
