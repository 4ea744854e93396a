"""``cnnlab train``: train a registered model on a registered dataset into a run folder."""

from __future__ import annotations

import typer
from rich.console import Console

from cnnlab.cli.app import app
from cnnlab.models import get_model_info
from cnnlab.train import TrainConfig, fit


@app.command("train")
def train_command(
    model: str = typer.Argument(..., help="Registered model name (see `cnnlab models`)."),
    data: str = typer.Option("digits", help="Dataset name."),
    data_dir: str = typer.Option(None, help="Dataset folder (default: $CNNLAB_DATA or the cache)."),
    epochs: int = typer.Option(10, help="Passes over the training split."),
    batch_size: int = typer.Option(64, help="Images per optimiser step."),
    lr: float = typer.Option(1e-3, help="Learning rate."),
    optimizer: str = typer.Option("adam", help="sgd or adam."),
    momentum: float = typer.Option(0.9, help="SGD momentum."),
    weight_decay: float = typer.Option(0.0, help="L2 penalty."),
    val_split: float = typer.Option(
        0.1, help="Fraction of the training split used for validation."
    ),
    seed: int = typer.Option(0, help="Seeds split, initialisation and shuffle order."),
    device: str = typer.Option("cpu", help="cpu, cuda or cuda:N."),
    out: str = typer.Option("runs/run", help="Run folder to write."),
) -> None:
    """Train MODEL and write a run folder (config, metrics, checkpoints, plots)."""
    get_model_info(model)  # an unknown name fails before any data is loaded
    config = TrainConfig(
        model=model,
        data=data,
        data_dir=data_dir,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        momentum=momentum,
        weight_decay=weight_decay,
        val_split=val_split,
        seed=seed,
        device=device,
        out=out,
    )
    result = fit(config)
    console = Console()
    console.print(
        f"test loss {result.loss:.4f}  test accuracy {result.accuracy:.4f} "
        f"({result.count} images)  top-5 {result.top5:.4f}"
    )
    console.print(f"run folder: {config.out}")
