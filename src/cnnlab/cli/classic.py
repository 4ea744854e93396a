"""``cnnlab classic METHOD``: nearest neighbours, SVMs or softmax on pixels or CNN features."""

from __future__ import annotations

import json
import math

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.atomic import atomic_write_text
from cnnlab.classic import METHODS, fit_classic, pixel_features, plot_cross_validation, run_features
from cnnlab.classic.methods import get_method, parse_grid
from cnnlab.classic.splits import load_splits
from cnnlab.cli.app import app
from cnnlab.errors import ConfigError
from cnnlab.train.run import Run

METHOD_HELP = ". ".join(f"{m.name}: {m.description}" for m in METHODS.values())


@app.command("classic")
def classic_command(
    method: str = typer.Argument(..., help=f"The classifier. {METHOD_HELP}."),
    features: str = typer.Option(
        "pixels", help="pixels, or a run folder whose trained network computes the features."
    ),
    layer: str | None = typer.Option(
        None,
        help="Features from a run: the layer whose output to use "
        "(default: the input of the last fully connected layer).",
    ),
    checkpoint: str = typer.Option("last", help="Features from a run: last or best."),
    data: str | None = typer.Option(
        None, help="Dataset (default: digits for pixels, the run's dataset for a run)."
    ),
    data_dir: str | None = typer.Option(None, help="Dataset folder (default: $CNNLAB_DATA)."),
    grid: list[str] = typer.Option(
        [], help="KNOB=V1,V2,... to cross-validate, e.g. k=1,3,5 or C=0.1,1; repeatable."
    ),
    folds: int = typer.Option(5, help="Folds of the cross-validation."),
    per_class: int = typer.Option(0, help="Keep this many training images of each class (0: all)."),
    seed: int = typer.Option(0, help="Seeds the folds, the per-class draw and the solvers."),
    plot: str | None = typer.Option(None, help="Write the cross-validation curve to this PNG."),
    json_path: str | None = typer.Option(
        None, "--json", help="Write the whole result (every fold's score) to this JSON file."
    ),
) -> None:
    """Nearest neighbours, SVMs or softmax on pixels or a run's features: the knobs chosen
    by cross-validation on the training split, then the test accuracy."""
    chosen = get_method(method)  # unknown names and bad grids fail before any data is read
    knobs = parse_grid(chosen, grid)
    if layer is not None and features == "pixels":
        raise ConfigError("--layer picks a layer of a run's network: give the run as --features")
    console = Console()
    run = Run.open(features, checkpoint) if features != "pixels" else None
    train, test = load_splits(data, data_dir=data_dir, run=run, per_class=per_class, seed=seed)
    if run is None:
        train_features, test_features = pixel_features(train), pixel_features(test)
    else:
        train_features = run_features(run, train, layer)
        test_features = run_features(run, test, layer)
    settings = math.prod(len(values) for values in knobs.values())
    console.print(
        f"{chosen.name} on {train.name}: {settings} setting(s) x {folds} folds of "
        f"{len(train_features)} training images, {train_features.dim} values each",
        highlight=False,
    )
    result = fit_classic(chosen, train_features, test_features, grid=knobs, folds=folds, seed=seed)

    table = Table()
    for name in result.best:
        table.add_column(name, justify="right")
    table.add_column("accuracy (mean over folds)", justify="right")
    table.add_column("std", justify="right")
    for row in result.cross_validation:
        best = row.params == result.best
        table.add_row(
            *(str(v) for v in row.params.values()),
            f"{row.mean:.4f}",
            f"{row.std:.4f}",
            style="bold green" if best else None,
        )
    console.print(table)
    chosen_knobs = " ".join(f"{k}={v}" for k, v in result.best.items())
    console.print(f"features: {result.features}", highlight=False)
    console.print(
        f"test accuracy {result.test_accuracy:.4f} ({result.test_images} images) with "
        f"{chosen_knobs}; fit {result.fit_seconds:.1f} s, test {result.test_seconds:.1f} s"
    )
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    if plot:
        console.print(f"cross-validation plot: {plot_cross_validation(result, plot)}")
    if json_path:
        atomic_write_text(json_path, json.dumps(result.as_dict(), indent=2) + "\n")
        console.print(f"result: {json_path}")
