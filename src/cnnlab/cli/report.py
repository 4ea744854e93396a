"""``cnnlab report RUN``: one self-contained HTML page about a trained run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from cnnlab.cli.app import app


@app.command("report")
def report_command(
    run: Path = typer.Argument(..., help="Run folder written by `cnnlab train`."),
    out: Path = typer.Option(None, help="HTML file to write; default RUN/report.html."),
    checkpoint: str = typer.Option("last", help="Which checkpoint: last or best."),
) -> None:
    """Summary, learning curves, confusion matrix, filters, mistakes, layers and configuration
    on one page, images embedded, no network needed to view it."""
    from cnnlab.viz.report import build_report

    path = build_report(run, out, checkpoint)
    Console().print(f"report: {path}", markup=False, highlight=False)
