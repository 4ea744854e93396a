"""``cnnlab eval RUN``: evaluate a run on a split and plot its confusion matrix."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app
from cnnlab.cli.options import CHECKPOINT, RUN, out
from cnnlab.cli.pictures import save_and_report


@app.command("eval")
def eval_command(
    run: Path = RUN,
    split: str = typer.Option("test", help="train, val or test."),
    checkpoint: str = CHECKPOINT,
    tta: str = typer.Option(
        "none",
        help="Test-time augmentation, softmax outputs averaged: none, flip, 10crop "
        "(corners, centre and their mirrors), rotate (0, +-3, +-6 and +-9 degrees, for digits) or "
        "multiscale (ResNet's 5 scales x 10 crops).",
    ),
    out_path: Path | None = out(
        "Confusion-matrix PNG",
        "RUN/plots/confusion.png for the test split, else confusion-SPLIT[-tta-MODE].png",
    ),
) -> None:
    """Print loss, top-1/top-5 accuracy and the confusion matrix; write its plot."""
    from cnnlab.train.run import Run
    from cnnlab.viz.run_pictures import evaluation_picture

    picture = evaluation_picture(Run.open(run, checkpoint), split, tta)
    result = picture.result
    console = Console()
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False, highlight=False)
    views = "" if tta == "none" else f"  (test-time augmentation: {tta})"
    console.print(result.headline() + views)
    kind = "digits, " if result.task == "sequence" else ""
    table = Table(title=f"confusion matrix ({kind}rows: true, columns: predicted)")
    table.add_column("")
    for name in result.classes:
        table.add_column(name, justify="right")
    for name, row in zip(result.classes, result.confusion, strict=True):
        table.add_row(name, *(str(count) for count in row))
    console.print(table)
    save_and_report(picture, out_path, "confusion matrix plot:")
