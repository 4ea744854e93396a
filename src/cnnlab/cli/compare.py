"""``cnnlab compare RUN RUN...``: overlaid learning curves and a table of final figures."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.app import app


@app.command("compare")
def compare_command(
    runs: list[Path] = typer.Argument(..., help="Two or more run folders."),
    out: Path = typer.Option(..., "--out", help="PNG file for the overlaid learning curves."),
) -> None:
    """Compare runs: learning curves overlaid, final accuracy, parameters, MACs and time;
    each run is labelled by the config fields that differ (lr=0.1 against lr=0.001)."""
    from rich.console import Console
    from rich.table import Table

    from cnnlab.experiments import compare
    from cnnlab.figure import save_figure

    fig, rows = compare(list(runs))
    saved = save_figure(fig, out)
    table = Table("run", "epochs", "val acc", "test acc", "params", "MACs", "train s")
    for row in rows:
        table.add_row(
            row.label,
            str(row.epochs),
            "-" if row.val_accuracy is None else f"{row.val_accuracy:.4f}",
            "-" if row.test_accuracy is None else f"{row.test_accuracy:.4f}",
            f"{row.params:,}",
            f"{row.macs:,}",
            f"{row.seconds:.1f}",
        )
    console = Console()
    console.print(table)
    console.print(f"curves: {saved}")
