"""``cnnlab doctor MODEL --data NAME``: the babysitting checklist, each item pass/warn/fail.

Exit status: 0 when no check fails (warnings allowed), 1 when one fails, 2 for bad input.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app

STYLES = {"pass": "green", "warn": "yellow", "fail": "bold red"}


@app.command("doctor")
def doctor_command(
    model: str = typer.Argument(..., help="Registered model name (see `cnnlab models`)."),
    data: str = typer.Option(..., "--data", help="Registered dataset name."),
    data_dir: str | None = typer.Option(None, "--data-dir", help="Dataset folder."),
    lr: float = typer.Option(1e-3, help="Learning rate to check."),
    optimizer: str = typer.Option("adam", help="sgd, momentum, nesterov, adagrad, rmsprop, adam."),
    batch_size: int = typer.Option(64, help="Images per optimiser step."),
    weight_decay: float = typer.Option(0.0, help="L2 penalty the run would use."),
    init: str = typer.Option("default", help="default, xavier, kaiming, normal or constant."),
    loss: str = typer.Option("cross_entropy", help="cross_entropy or hinge."),
    steps: int = typer.Option(100, help="Optimiser steps of each learning-rate probe."),
    seed: int = typer.Option(0, help="Seeds the initialisation and the batches."),
    device: str = typer.Option("cpu", help="cpu, cuda or cuda:N."),
) -> None:
    """Run the babysitting checklist (Karpathy, CS231n notes) on a fresh MODEL and its data:
    initial loss, regularisation, overfitting 20 examples, learning rate, hidden units, backprop."""
    from cnnlab.inspect.doctor import DoctorSettings, run_doctor
    from cnnlab.inspect.setup import prepare
    from cnnlab.train.config import TrainConfig

    config = TrainConfig(
        model=model,
        data=data,
        data_dir=data_dir,
        lr=lr,
        optimizer=optimizer,
        batch_size=batch_size,
        weight_decay=weight_decay,
        init=init,
        loss=loss,
        seed=seed,
        device=device,
    )
    if steps < 20:
        raise typer.BadParameter(f"--steps must be at least 20, found {steps}")
    console = Console()
    table = Table(title=f"doctor: {model} on {data}, {optimizer} lr {lr:g}")
    for column in ("", "check", "measured", "advice"):
        table.add_column(column, overflow="fold")
    failed = False
    with console.status("preparing the model and data"):
        prepared = prepare(config)
    checks = run_doctor(prepared, DoctorSettings(probe_steps=steps))
    while True:
        with console.status("checking"):
            check = next(checks, None)
        if check is None:
            break
        failed |= check.status == "fail"
        table.add_row(
            check.status.upper(), check.name, check.measured, check.advice,
            style=STYLES[check.status],
        )  # fmt: skip
    console.print(table)
    console.print("at least one check failed" if failed else "no check failed")
    if failed:
        raise typer.Exit(1)
