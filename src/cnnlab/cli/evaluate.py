"""``cnnlab eval RUN``: rebuild the model from its run folder and evaluate it."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app
from cnnlab.train import RunFolder, evaluate_run
from cnnlab.viz.plots import plot_confusion


@app.command("eval")
def eval_command(
    run: str = typer.Argument(..., help="Run folder written by `cnnlab train`."),
    split: str = typer.Option("test", help="train, val or test."),
    checkpoint: str = typer.Option("last", help="Which checkpoint: last or best."),
    tta: str = typer.Option(
        "none",
        help="Test-time augmentation, softmax outputs averaged: none, flip, 10crop "
        "(corners, centre and their mirrors) or multiscale (ResNet's 5 scales x 10 crops).",
    ),
) -> None:
    """Print loss, top-1/top-5 accuracy and the confusion matrix; write its plot."""
    result = evaluate_run(run, split=split, which=checkpoint, tta=tta)
    console = Console()
    views = "" if tta == "none" else f"  (test-time augmentation: {tta})"
    console.print(
        f"{split} loss {result.loss:.4f}  {split} accuracy {result.accuracy:.4f} "
        f"({result.count} images)  top-5 {result.top5:.4f}{views}"
    )
    table = Table(title="confusion matrix (rows: true, columns: predicted)")
    table.add_column("")
    for name in result.classes:
        table.add_column(name, justify="right")
    for name, row in zip(result.classes, result.confusion, strict=True):
        table.add_row(name, *(str(count) for count in row))
    console.print(table)
    path = plot_confusion(result.confusion, result.classes, RunFolder(run).plots / "confusion.png")
    console.print(f"confusion matrix plot: {path}")
