"""``cnnlab inspect activations|gradients|gradcheck|lr-find|init-table``: babysitting tools.

MODEL|RUN is a registered model name (a fresh model, built and initialised as ``cnnlab
train`` would, needs ``--data``) or a run folder (its trained weights and its data).
``gradcheck`` exits with status 1 when the check fails, 0 otherwise.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import typer
from rich.console import Console
from rich.table import Table

from cnnlab import models
from cnnlab.cli.inspect import inspect_app
from cnnlab.errors import ConfigError, ModelError
from cnnlab.inspect.activations import activation_stats, plot_activation_stats
from cnnlab.inspect.gradcheck import gradcheck
from cnnlab.inspect.gradients import gradient_stats
from cnnlab.inspect.init_table import init_table, plot_init_table
from cnnlab.inspect.lr_finder import lr_find, plot_lr_find
from cnnlab.inspect.setup import Prepared, endless, is_run_folder, prepare, prepare_run
from cnnlab.train.config import TrainConfig
from cnnlab.train.losses import build_loss

TARGET = typer.Argument(..., help="Registered model name, or a run folder from `cnnlab train`.")
DATA = typer.Option(None, "--data", help="Dataset name (required with a model name).")
DATA_DIR = typer.Option(None, "--data-dir", help="Dataset folder (default: $CNNLAB_DATA).")
SEED = typer.Option(0, "--seed", help="Seeds the initialisation and the batch.")
INIT = typer.Option("default", "--init", help="default, xavier, kaiming, normal or constant.")
BATCH = typer.Option(64, "--batch-size", help="Images in the measured batch.")


def open_target(
    target: str, data: str | None, data_dir: str | None, **fields: object
) -> tuple[Prepared, bool]:
    """(prepared model and data, whether it came from a run folder)."""
    if is_run_folder(target):
        return prepare_run(target), True
    if data is None:
        raise ConfigError(f"{target!r} is a model name, so --data is needed (or give a run folder)")
    config = TrainConfig(model=target, data=data, data_dir=data_dir, **fields)  # type: ignore[arg-type]
    return prepare(config), False


def default_plot(target: str, from_run: bool, name: str) -> Path:
    return Path(target) / "plots" / name if from_run else Path(name)


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
    plot: Path | None = typer.Option(None, help="Histogram PNG (default: activations.png)."),
) -> None:
    """Mean, std, zero/dead and saturated fractions of every layer's output for one batch.

    A fresh model runs in training mode (as training first sees it), a run in eval mode."""
    prepared, from_run = open_target(target, data, data_dir, init=init, seed=seed)
    x, _ = prepared.batch(batch_size)
    prepared.model.train(not from_run)
    rows = activation_stats(prepared.model, x)
    table = Table(title=f"activations of {target} on {len(x)} images")
    for column in ("layer", "type", "shape", "mean", "std", "zero", "dead", "saturated"):
        table.add_column(column, justify="left" if column in ("layer", "type") else "right")
    for row in rows:
        table.add_row(
            row.name,
            row.kind,
            "x".join(map(str, row.shape[1:])),
            fmt(row.mean),
            fmt(row.std),
            fmt(row.zero_fraction, ".1%"),
            fmt(row.dead_fraction, ".1%"),
            fmt(row.saturated_fraction, ".1%"),
        )
    console = Console()
    console.print(table)
    path = plot_activation_stats(
        rows, plot or default_plot(target, from_run, "activations.png"), title=str(target)
    )
    console.print(f"histograms: {path}")


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
    prepared, from_run = open_target(target, data, data_dir, init=init, seed=seed)
    x, y = prepared.batch(batch_size)
    prepared.model.train()
    report = gradient_stats(prepared.model, x, y, build_loss(prepared.config), lr=lr)
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


def parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ConfigError(f"--input expects CxHxW such as 1x32x32, found {text!r}")
    return shape


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
    if is_run_folder(target):
        loaded = prepare_run(target)
        model, shape = loaded.model, input_shape or "x".join(map(str, loaded.train.image_shape))
    else:
        info = models.get_model_info(target)
        shape = input_shape or "x".join(map(str, info.input_shape))
        channels = parse_shape(shape)[0]
        torch.manual_seed(seed)
        model = models.create(target, num_classes=num_classes, in_channels=channels)
    x = torch.randn(batch, *parse_shape(shape), generator=torch.Generator().manual_seed(seed))
    try:
        result = gradcheck(model.cpu().eval(), x, samples=samples, seed=seed)
    except RuntimeError as exc:
        raise ModelError(f"{target} cannot run on input {shape}: {exc}") from exc
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
    plot: Path | None = typer.Option(None, help="Loss-vs-lr PNG (default: lr_find.png)."),
) -> None:
    """LR range test: loss against an exponentially growing learning rate, on a copy of the
    model; suggests the rate of steepest descent."""
    prepared, from_run = open_target(
        target, data, data_dir, optimizer=optimizer, batch_size=batch_size, init=init, seed=seed
    )
    config = prepared.config
    if from_run:
        config = dataclasses.replace(config, optimizer=optimizer)
    batches = endless(prepared.loader(batch_size))
    result = lr_find(prepared.model, batches, config, start_lr=start_lr, end_lr=end_lr, steps=steps)
    path = plot_lr_find(result, plot or default_plot(target, from_run, "lr_find.png"))
    console = Console()
    console.print(f"{len(result.lrs)} steps, {result.stopped}")
    console.print(f"suggested learning rate: {result.suggestion:.3g} ({result.rule})")
    console.print(f"lowest smoothed loss at lr {result.min_loss_lr:.3g}")
    console.print(f"plot: {path}")


@inspect_app.command("init-table")
def init_table_command(
    depth: int = typer.Option(10, help="Hidden layers."),
    width: int = typer.Option(500, help="Units per layer."),
    examples: int = typer.Option(1000, help="Unit-Gaussian input examples."),
    seed: int = SEED,
    plot: Path = typer.Option(Path("init_table.png"), help="Histogram PNG."),
) -> None:
    """The initialisation experiment (Glorot and Bengio, 2010; He et al., 2015): activation mean
    and std per layer of a deep
    tanh/ReLU net for small random N(0, 0.01), Xavier and He weights."""
    if min(depth, width, examples) < 1 or examples < 2:
        raise ConfigError("depth and width must be at least 1 and examples at least 2")
    runs = init_table(depth=depth, width=width, examples=examples, seed=seed)
    table = Table(title=f"{depth} layers of {width} units, {examples} unit-Gaussian inputs")
    table.add_column("layer")
    for run in runs:
        table.add_column(f"{run.scheme} {run.activation}\nmean / std", justify="right")
    table.add_row("input", *(f"{r.input.mean:.4f} / {r.input.std:.4f}" for r in runs))
    for k in range(depth):
        table.add_row(
            f"hidden {k + 1}", *(f"{r.layers[k].mean:.2g} / {r.layers[k].std:.3g}" for r in runs)
        )
    console = Console()
    console.print(table)
    console.print(f"histograms: {plot_init_table(runs, plot)}")
