"""``cnnlab data show NAME --augment SPEC --out grid.png``: originals and augmented copies."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.data import data_app
from cnnlab.cli.options import DATA_DIR
from cnnlab.cli.pictures import save_and_report


@data_app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Registered dataset name (digits, mnist, ...)."),
    augment: str = typer.Option(
        "", help="Augmentation spec, e.g. flip,crop:4 or elastic:34:sigma=4."
    ),
    out: Path = typer.Option(..., "--out", help="PNG file to write."),
    count: int = typer.Option(8, help="Images (rows) to show."),
    copies: int = typer.Option(7, help="Augmented copies per image (columns)."),
    split: str = typer.Option("train", help="train, val or test."),
    data_dir: str | None = DATA_DIR,
    seed: int = typer.Option(0, help="Seeds the augmentations."),
) -> None:
    """Draw a grid: each row an image of NAME, its original then augmented copies."""
    from cnnlab.data.show import augmented_grid

    grid = augmented_grid(
        name, augment, count=count, copies=copies, split=split, data_dir=data_dir, seed=seed
    )
    save_and_report(grid, out)
