"""``cnnlab classic METHOD``: nearest neighbours, SVMs or softmax on pixels or CNN features."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app
from cnnlab.cli.options import DATA_DIR

METHOD_HELP = (  # written out, so that `cnnlab classic --help` loads no scikit-learn
    "knn: the k nearest training images vote, by L1 or L2 distance (knobs k, metric). "
    "linear-svm: one class against the rest, squared hinge loss (knob C). "
    "softmax: multinomial logistic regression (knob C). "
    "svm: a Gaussian (RBF) kernel (knobs C, gamma)"
)


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
    data_dir: str | None = DATA_DIR,
    grid: list[str] = typer.Option(
        [], help="KNOB=V1,V2,... to cross-validate, e.g. k=1,3,5 or C=0.1,1; repeatable."
    ),
    folds: int = typer.Option(5, help="Folds of the cross-validation."),
    per_class: int = typer.Option(0, help="Keep this many training images of each class (0: all)."),
    seed: int = typer.Option(0, help="Seeds the folds, the per-class draw and the solvers."),
    plot: str | None = typer.Option(
        None, "--plot", "--out", help="Write the cross-validation curve to this PNG."
    ),
    json_path: str | None = typer.Option(
        None, "--json", help="Write the whole result (every fold's score) to this JSON file."
    ),
) -> None:
    """Nearest neighbours, SVMs or softmax on pixels or a run's features: the knobs chosen
    by cross-validation on the training split, then the test accuracy."""
    from cnnlab.classic import plot_cross_validation
    from cnnlab.classic.classify import classify

    result = classify(
        method, features, layer=layer, checkpoint=checkpoint, data=data, data_dir=data_dir,
        grid=grid, folds=folds, per_class=per_class, seed=seed,
    )  # fmt: skip
    console = Console()
    console.print(
        f"{result.method} on {result.data}: {len(result.cross_validation)} setting(s) x "
        f"{result.folds} folds of {result.train_images} training images, {result.dim} values each",
        highlight=False,
    )
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
        console.print(f"result: {result.save_json(json_path)}")
