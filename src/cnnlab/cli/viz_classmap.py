"""``cnnlab viz classmap RUN``: where in a larger image each class scores."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from cnnlab.cli.viz import viz_app


@viz_app.command("classmap")
def classmap_command(
    run: Path = typer.Argument(..., help="Run folder written by `cnnlab train`."),
    image: Path = typer.Option(None, help="Image file, at least the training size, as it is."),
    index: int = typer.Option(0, help="Without --image: this image of the split, on a canvas."),
    split: str = typer.Option("test", help="Split of --index: train, val or test."),
    canvas: int = typer.Option(None, help="Canvas side in pixels; default twice the image."),
    top: int = typer.Option(0, help="Row of the canvas where the image goes."),
    left: int = typer.Option(0, help="Column of the canvas where the image goes."),
    out: Path = typer.Option(None, help="PNG to write; default RUN/plots/classmap.png."),
    checkpoint: str = typer.Option("last", "--checkpoint", help="Which checkpoint: last or best."),
) -> None:
    """The network made fully convolutional (Sermanet et al., 2013) over a larger image:
    each class's score per window and the best class of each window."""
    from cnnlab.localise import class_map, picture, plot_class_map
    from cnnlab.train.run import Run

    loaded = Run.open(run, checkpoint)
    pixels, source = picture(
        loaded, image, index=index, split=split, canvas=canvas, top=top, left=left
    )
    found = class_map(loaded, pixels)
    rows, columns = found.best.shape
    title = f"{loaded.config.model} on {source}: {rows}x{columns} windows"
    path = plot_class_map(found, pixels, loaded.classes, title, out or run / "plots/classmap.png")
    Console().print(f"{title}\nclass map: {path}", markup=False, highlight=False)
