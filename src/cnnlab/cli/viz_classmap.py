"""``cnnlab viz classmap RUN``: a run's class scores slid over a larger image in one pass."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.options import CHECKPOINT, IMAGE, INDEX, RUN, SPLIT, out
from cnnlab.cli.pictures import require_out, save_and_report
from cnnlab.cli.viz import viz_app


@viz_app.command("classmap")
def classmap_command(
    run: Path = RUN,
    image: Path | None = IMAGE,
    index: int = INDEX,
    split: str = SPLIT,
    canvas: int | None = typer.Option(
        None,
        "--canvas",
        min=1,
        help="Side of the black square a split's image is centred on "
        "(default: twice the image's side).",
    ),
    out: Path | None = out("PNG", "RUN/plots/classmap-IMAGE.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """Class scores of every training-size window of a larger image, in one pass of the
    convolutionized network, and the best class per window.

    The classifier's fully connected layers become convolutions (Sermanet et al., 2013).
    """
    require_out(run, out)
    from cnnlab.localise.classmap_picture import classmap_picture
    from cnnlab.train.run import Run

    picture = classmap_picture(Run.open(run, checkpoint), image, index, split, canvas=canvas)
    save_and_report(picture, out)
