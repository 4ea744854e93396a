"""The options many commands share, declared once so they read and behave the same."""

from __future__ import annotations

from typing import Any

import typer

RUN = typer.Argument(
    ...,
    help="Run folder written by `cnnlab train`, shipped weights (cnnlab:NAME), published "
    "ImageNet weights (torchvision:NAME) or a weights file.",
)
CHECKPOINT = typer.Option("last", "--checkpoint", help="Which checkpoint: last or best.")
SPLIT = typer.Option("test", "--split", help="Split whose images are used: train, val or test.")
IMAGE = typer.Option(None, "--image", help="An image file (default: a test image, --index).")
INDEX = typer.Option(0, "--index", help="Which image of the split, when no --image.")
TARGET = typer.Option(None, "--target", help="Class to explain (default: the predicted one).")
SEED = typer.Option(0, "--seed", help="Seed of the random numbers (noise, draws, folds).")
DATA_DIR = typer.Option(None, "--data-dir", help="Dataset folder (default: $CNNLAB_DATA).")


def out(what: str, default: str) -> Any:
    """``--out``: the file to write, ``what`` it is, and where it goes when not given."""
    return typer.Option(None, "--out", help=f"{what} to write (default: {default}).")
