"""``cnnlab ensemble RUN RUN... --data NAME``: each member's and the averaged accuracy."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.app import app


@app.command("ensemble")
def ensemble_command(
    runs: list[Path] = typer.Argument(..., help="Two or more run folders on one dataset."),
    data: str = typer.Option(None, "--data", help="The dataset every run must be trained on."),
    tta: str = typer.Option(
        "none",
        "--tta",
        help="Each member's test-time augmentation first: none, flip, 10crop, rotate or multiscale "
        "(as cnnlab eval --tta).",
    ),
    save: Path = typer.Option(
        None,
        "--save",
        help="Also write the ensemble as one .safetensors file that eval, predict and export "
        "open like a run.",
    ),
) -> None:
    """Average the runs' softmax outputs on the test split; print each member's accuracy
    and the ensemble's (Ciresan et al., 2012: a committee of networks)."""
    from rich.console import Console
    from rich.table import Table

    from cnnlab.experiments import ensemble

    result = ensemble(list(runs), data, tta=tta, save=save)
    table = Table("member", "test accuracy", title=f"{result.images} test images")
    for label, accuracy in zip(result.labels, result.member_accuracy, strict=True):
        table.add_row(label, f"{accuracy:.4f}")
    views = "" if result.tta == "none" else f", each over its {result.tta} views"
    table.add_row(f"ensemble (mean softmax{views})", f"{result.ensemble_accuracy:.4f}")
    Console().print(table)
    print(
        f"members: {result.missed_by_some} images missed by at least one, "
        f"{result.missed_by_all} by every one (no average of them can fix those)"
    )
    if result.saved is not None:
        print(f"ensemble saved: {result.saved} (cnnlab eval {result.saved} scores it)")
