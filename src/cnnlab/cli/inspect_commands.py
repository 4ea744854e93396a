"""``cnnlab inspect activations|gradients|gradcheck|lr-find|init-table``: babysitting tools.

MODEL|RUN is a registered model name (a fresh model, built and initialised as ``cnnlab
train`` would, needs ``--data``) or a run folder (its trained weights and its data). A
run's plots go into RUN/plots/; a fresh model's only where ``--out`` says.
``gradcheck`` exits with status 1 when the check fails, 0 otherwise.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.inspect import inspect_app
from cnnlab.cli.options import DATA_DIR
from cnnlab.cli.pictures import save_and_report

TARGET = typer.Argument(..., help="Registered model name, or a run folder from `cnnlab train`.")
DATA = typer.Option(None, "--data", help="Dataset name (required with a model name).")
SEED = typer.Option(0, "--seed", help="Seeds the initialisation and the batch.")
INIT = typer.Option("default", "--init", help="default, xavier, kaiming, normal or constant.")
BATCH = typer.Option(64, "--batch-size", help="Images in the measured batch.")


def plot_option(default: str) -> Path | None:
    return typer.Option(None, "--out", "--plot", help=f"PNG to write (default: {default}).")


def fmt(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


@inspect_app.command("activations")
def activations_command(
    target: str = TARGET,
    data: str | None = DATA,
    data_dir: str | None = DATA_DIR,
    batch_size: int = BATCH,
    init: str = INIT,
    seed: int = SEED,
    out: Path | None = plot_option("RUN/plots/activations.png for a run, none for a model"),
) -> None:
    """Mean, std, zero/dead and saturated fractions of every layer's output for one batch.

    A fresh model runs in training mode (as training first sees it), a run in eval mode."""
    from cnnlab.inspect.babysit import activations_of

    picture = activations_of(target, data, data_dir, batch_size=batch_size, init=init, seed=seed)
    table = Table(title=f"activations of {target} on {picture.images} images")
    for column in ("layer", "type", "shape", "mean", "std", "zero", "dead", "saturated"):
        table.add_column(column, justify="left" if column in ("layer", "type") else "right")
    for row in picture.rows:
        table.add_row(
            row.name, row.kind, "x".join(map(str, row.shape[1:])), fmt(row.mean), fmt(row.std),
            fmt(row.zero_fraction, ".1%"), fmt(row.dead_fraction, ".1%"),
            fmt(row.saturated_fraction, ".1%"),
        )  # fmt: skip
    Console().print(table)
    save_and_report(picture, out, "histograms:")


@inspect_app.command("gradients")
def gradients_command(
    target: str = TARGET,
    data: str | None = DATA,
    data_dir: str | None = DATA_DIR,
    batch_size: int = BATCH,
    init: str = INIT,
    seed: int = SEED,
    lr: float | None = typer.Option(None, help="Show lr * |grad| / |weight| (aim: ~1e-3)."),
) -> None:
    """Per-layer gradient RMS (flags vanishing/exploding) and per-parameter gradient ratios."""
    from cnnlab.inspect.babysit import gradients_of

    report = gradients_of(
        target, data, data_dir, batch_size=batch_size, init=init, seed=seed, lr=lr
    )
    console = Console()
    layers = Table(title=f"gradient of the loss ({report.loss:.4f}) at each layer's output")
    for column in ("layer", "type", "shape", "grad rms", "flag"):
        layers.add_column(column, justify="right" if column == "grad rms" else "left")
    for row in report.layers:
        style = "red" if row.flag else None
        shape = "x".join(map(str, row.shape[1:]))
        layers.add_row(row.name, row.kind, shape, fmt(row.grad_rms), row.flag, style=style)
    console.print(layers)
    params = Table(title="parameters")
    for column in ("parameter", "shape", "weight rms", "grad rms", "|g|/|w|", "lr*|g|/|w|"):
        params.add_column(column, justify="left" if column == "parameter" else "right")
    for row in report.params:
        shape = "x".join(map(str, row.shape))
        params.add_row(
            row.name, shape, fmt(row.weight_rms), fmt(row.grad_rms), fmt(row.ratio),
            fmt(row.update_ratio),
        )  # fmt: skip
    console.print(params)
    flagged = report.flagged
    console.print(
        f"{len(flagged)} layer(s) flagged (gradient 1000x smaller or larger than at the output)"
        if flagged
        else "no vanishing or exploding gradients (within 1000x of the output's)"
    )


@inspect_app.command("gradcheck")
def gradcheck_command(
    target: str = TARGET,
    input_shape: str | None = typer.Option(
        None, "--input", help="CxHxW of the check's input (default: the model's own)."
    ),
    batch: int = typer.Option(2, help="Random images in the input."),
    samples: int = typer.Option(10, help="Coordinates checked per tensor (all if fewer)."),
    num_classes: int = typer.Option(10, help="Classes of a fresh model."),
    seed: int = SEED,
) -> None:
    """Compare backprop with centred finite differences in float64 on a small random input.

    Exit status 1 when some relative error is above 1e-2."""
    from cnnlab.inspect.babysit import gradcheck_of

    result, shape = gradcheck_of(
        target, input_shape, batch=batch, samples=samples, num_classes=num_classes, seed=seed
    )
    table = Table(title=f"gradient check of {target} on {batch}x{shape} (float64)")
    for column in ("tensor", "shape", "checked", "max rel. error", "analytic", "numerical", ""):
        table.add_column(column, justify="left" if column in ("tensor", "") else "right")
    for row in result.rows:
        table.add_row(
            row.name, "x".join(map(str, row.shape)), str(row.checked), f"{row.max_error:.1e}",
            f"{row.analytic:.4g}", f"{row.numerical:.4g}", row.verdict,
            style={"fail": "red", "warn": "yellow"}.get(row.verdict),
        )  # fmt: skip
    console = Console()
    console.print(table)
    console.print(f"{result.verdict}: largest relative error {result.max_error:.1e}")
    if result.verdict == "fail":
        raise typer.Exit(1)


@inspect_app.command("lr-find")
def lr_find_command(
    target: str = TARGET,
    data: str | None = DATA,
    data_dir: str | None = DATA_DIR,
    optimizer: str = typer.Option("adam", help="sgd, momentum, nesterov, adagrad, rmsprop, adam."),
    batch_size: int = BATCH,
    start_lr: float = typer.Option(1e-7, help="First learning rate."),
    end_lr: float = typer.Option(10.0, help="Last learning rate."),
    steps: int = typer.Option(200, help="Steps from start to end (exponential)."),
    init: str = INIT,
    seed: int = SEED,
    out: Path | None = plot_option("RUN/plots/lr_find.png for a run, none for a model"),
) -> None:
    """LR range test: loss against an exponentially growing learning rate, on a copy of the
    model; suggests the rate of steepest descent."""
    from cnnlab.inspect.babysit import lr_find_of

    picture = lr_find_of(
        target, data, data_dir, optimizer=optimizer, batch_size=batch_size,
        start_lr=start_lr, end_lr=end_lr, steps=steps, init=init, seed=seed,
    )  # fmt: skip
    result = picture.result
    console = Console()
    console.print(f"{len(result.lrs)} steps, {result.stopped}")
    console.print(f"suggested learning rate: {result.suggestion:.3g} ({result.rule})")
    console.print(f"lowest smoothed loss at lr {result.min_loss_lr:.3g}")
    save_and_report(picture, out, "plot:")


@inspect_app.command("init-table")
def init_table_command(
    depth: int = typer.Option(10, help="Hidden layers."),
    width: int = typer.Option(500, help="Units per layer."),
    examples: int = typer.Option(1000, help="Unit-Gaussian input examples."),
    seed: int = SEED,
    out: Path | None = plot_option("none"),
) -> None:
    """The initialisation experiment (Glorot and Bengio, 2010): activation mean and std per
    layer of a deep tanh/ReLU net for small random N(0, 0.01), Xavier and He weights."""
    from cnnlab.inspect.babysit import init_table_picture

    picture = init_table_picture(depth, width, examples, seed)
    runs = picture.runs
    table = Table(title=picture.title)
    table.add_column("layer")
    for run in runs:
        table.add_column(f"{run.scheme} {run.activation}\nmean / std", justify="right")
    table.add_row("input", *(f"{r.input.mean:.4f} / {r.input.std:.4f}" for r in runs))
    for k in range(depth):
        table.add_row(
            f"hidden {k + 1}", *(f"{r.layers[k].mean:.2g} / {r.layers[k].std:.3g}" for r in runs)
        )
    Console().print(table)
    save_and_report(picture, out, "histograms:")
