"""``cnnlab report RUN``: one self-contained HTML page about a trained run."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from cnnlab.cli.app import app
from cnnlab.cli.options import CHECKPOINT, RUN, out


@app.command("report")
def report_command(
    run: Path = RUN,
    out_path: Path | None = out("HTML file", "RUN/report.html"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """Summary, learning curves, confusion matrix, filters, mistakes, layers and configuration
    on one page, images embedded, no network needed to view it."""
    from cnnlab.viz.report import build_report

    path = build_report(run, out_path, checkpoint)
    Console().print(f"report: {path}", markup=False, highlight=False)
