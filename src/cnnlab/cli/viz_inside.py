"""``cnnlab viz filters|activations|top-patches|mistakes RUN``: what a trained run learned.

Each command writes one PNG (``mistakes`` also the confusion matrix) into the run's
``plots/`` folder unless ``--out`` says where, and prints the path.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.options import CHECKPOINT, IMAGE, INDEX, RUN, SPLIT, out
from cnnlab.cli.pictures import require_out, save_and_report
from cnnlab.cli.viz import viz_app


@viz_app.command("filters")
def filters_command(
    run: Path = RUN,
    layer: str = typer.Option(None, help="Convolution layer (module name); default: the first."),
    out: Path | None = out("PNG", "RUN/plots/filters-LAYER.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The filters of a convolution layer: colour images for RGB input, else per input channel."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.run_pictures import filters_picture

    save_and_report(filters_picture(Run.open(run, checkpoint), layer), out)


@viz_app.command("activations")
def activations_command(
    run: Path = RUN,
    layer: str = typer.Option(None, help="Layer (module name); default: the first convolution."),
    image: Path | None = IMAGE,
    index: int = INDEX,
    split: str = SPLIT,
    out: Path | None = out("PNG", "RUN/plots/activations-LAYER.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The feature maps of one layer for one image."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.run_pictures import activations_picture

    save_and_report(activations_picture(Run.open(run, checkpoint), layer, image, index, split), out)


@viz_app.command("top-patches")
def top_patches_command(
    run: Path = RUN,
    layer: str = typer.Option(..., help="Convolution or pooling layer (module name)."),
    unit: int = typer.Option(..., help="Channel of the layer."),
    count: int = typer.Option(9, help="How many patches."),
    split: str = SPLIT,
    out: Path | None = out("PNG", "RUN/plots/top-patches-LAYER-UNIT.png"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The dataset patches, cropped to the receptive field, that excite one unit most."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.run_pictures import top_patches_picture

    save_and_report(top_patches_picture(Run.open(run, checkpoint), layer, unit, count, split), out)


@viz_app.command("mistakes")
def mistakes_command(
    run: Path = RUN,
    count: int = typer.Option(16, help="How many mistakes to show."),
    split: str = SPLIT,
    out: Path | None = out("PNG", "RUN/plots/mistakes.png, mistakes-SPLIT.png for another split"),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The most confidently wrong images of a split, and its confusion matrix beside them."""
    require_out(run, out)
    from cnnlab.train.run import Run
    from cnnlab.viz.run_pictures import mistakes_picture

    save_and_report(mistakes_picture(Run.open(run, checkpoint), count, split), out)
