"""``cnnlab viz boxes RUN``: predicted against true boxes on a grid of a split's images."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.options import CHECKPOINT, RUN, SPLIT, out
from cnnlab.cli.pictures import save_and_report
from cnnlab.cli.viz import viz_app


@viz_app.command("boxes")
def boxes_command(
    run: Path = RUN,
    split: str = SPLIT,
    count: int = typer.Option(16, help="Images on the grid (the split's first ones), 1..64."),
    out: Path | None = out("PNG", "RUN/plots/boxes-SPLIT.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """A localisation run's predicted boxes (magenta) against the true ones (green), with
    classes and IoU; a multi-digit run's readings over its digits' boxes."""
    from cnnlab.localise.box_picture import box_grid
    from cnnlab.train.run import Run

    save_and_report(box_grid(Run.open(run, checkpoint), split, count), out)
