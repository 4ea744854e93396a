"""``cnnlab viz filters|activations|top-patches|mistakes RUN``: what a trained run learned.

Each command writes one PNG (``mistakes`` also the confusion matrix) into the run's
``plots/`` folder unless ``--out`` says where, and prints the path.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from cnnlab.cli.viz import viz_app
from cnnlab.train.run import Run
from cnnlab.viz.activations import feature_maps, first_conv_name, plot_feature_maps
from cnnlab.viz.filters import filter_change, filter_weights, plot_filters
from cnnlab.viz.mistakes import most_confident_mistakes, plot_mistakes, predict
from cnnlab.viz.patches import plot_top_patches, top_patches
from cnnlab.viz.plots import plot_confusion

RUN = typer.Argument(..., help="Run folder written by `cnnlab train`.")
CHECKPOINT = typer.Option("last", "--checkpoint", help="Which checkpoint: last or best.")
SPLIT = typer.Option("test", help="Split whose images are used: train, val or test.")


def _out(out: Path | None, run: Path, name: str) -> Path:
    return out if out is not None else run / "plots" / name


@viz_app.command("filters")
def filters_command(
    run: Path = RUN,
    layer: str = typer.Option(None, help="Convolution layer (module name); default: the first."),
    out: Path = typer.Option(None, help="PNG to write; default RUN/plots/filters-LAYER.png."),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The filters of a convolution layer: colour images for RGB input, else per input channel."""
    loaded = Run.open(run, checkpoint)
    name = layer or first_conv_name(loaded.model)
    weights = filter_weights(loaded.model, name)
    title = f"{loaded.config.model} {name}: {tuple(weights.shape)}"
    path = plot_filters(weights, title, _out(out, run, f"filters-{name}.png"))
    change = filter_change(loaded, name)
    Console().print(
        f"filters moved {100 * change.mean():.1f}% from their initial values on average "
        f"(least {100 * change.min():.1f}%)\nfilters: {path}",
        markup=False,
        highlight=False,
    )


@viz_app.command("activations")
def activations_command(
    run: Path = RUN,
    layer: str = typer.Option(None, help="Layer (module name); default: the first convolution."),
    image: Path = typer.Option(None, help="Image file to feed the network."),
    index: int = typer.Option(0, help="Without --image: this image of the split."),
    split: str = SPLIT,
    out: Path = typer.Option(None, help="PNG to write; default RUN/plots/activations-LAYER.png."),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The feature maps of one layer for one image."""
    loaded = Run.open(run, checkpoint)
    name = layer or first_conv_name(loaded.model)
    picked = loaded.pick(image, index, split)
    maps = feature_maps(loaded, name, picked)
    title = f"{loaded.config.model} {name} on {picked.source}: {tuple(maps.shape)}"
    shown = picked.pixels[0].float() / 255
    path = plot_feature_maps(maps, shown, title, _out(out, run, f"activations-{name}.png"))
    Console().print(f"activations: {path}", markup=False, highlight=False)


@viz_app.command("top-patches")
def top_patches_command(
    run: Path = RUN,
    layer: str = typer.Option(..., help="Convolution or pooling layer (module name)."),
    unit: int = typer.Option(..., help="Channel of the layer."),
    count: int = typer.Option(9, help="How many patches."),
    split: str = SPLIT,
    out: Path = typer.Option(None, help="PNG; default RUN/plots/top-patches-LAYER-UNIT.png."),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The dataset patches, cropped to the receptive field, that excite one unit most."""
    loaded = Run.open(run, checkpoint)
    result = top_patches(loaded, layer, unit, count, split)
    title = f"{loaded.config.model} {layer} unit {unit}: top {len(result.indices)} {split} patches"
    path = plot_top_patches(result, title, _out(out, run, f"top-patches-{layer}-{unit}.png"))
    Console().print(f"top patches: {path}", markup=False, highlight=False)


@viz_app.command("mistakes")
def mistakes_command(
    run: Path = RUN,
    count: int = typer.Option(16, help="How many mistakes to show."),
    split: str = SPLIT,
    out: Path = typer.Option(None, help="PNG to write; default RUN/plots/mistakes.png."),
    checkpoint: str = CHECKPOINT,
) -> None:
    """The most confidently wrong images of a split, and its confusion matrix beside them."""
    loaded = Run.open(run, checkpoint)
    predictions = predict(loaded, split)
    mistakes = most_confident_mistakes(predictions, count)
    wrong = int((predictions.predicted != predictions.dataset.labels).sum())
    title = f"{loaded.config.model}: {wrong} of {len(predictions.dataset)} {split} images wrong"
    path = plot_mistakes(mistakes, title, _out(out, run, "mistakes.png"))
    confusion = plot_confusion(
        predictions.confusion().numpy(), predictions.dataset.classes, path.parent / "confusion.png"
    )
    Console().print(
        f"{title}\nmistakes: {path}\nconfusion matrix: {confusion}", markup=False, highlight=False
    )
