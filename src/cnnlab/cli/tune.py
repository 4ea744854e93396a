"""``cnnlab tune --space space.toml --trials N --out DIR``: a resumable Optuna search."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.app import app


@app.command("tune")
def tune_command(
    space: Path = typer.Option(..., "--space", help="TOML: fixed fields, and tables to search."),
    trials: int = typer.Option(10, "--trials", help="Completed trials the study should reach."),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe or random."),
    pruner: str = typer.Option("none", "--pruner", help="none or median (per-epoch val accuracy)."),
    out: Path = typer.Option(..., "--out", help="Study folder: study.db, trial runs, best.toml."),
) -> None:
    """Search hyper-parameters; every trial is a run folder, and rerunning resumes."""
    from cnnlab.experiments.tune import tune

    result = tune(space, trials, out, sampler, pruner)
    print(
        f"{result.completed} trials; best trial {result.best_trial}: "
        f"val accuracy {result.best_value:.4f} with {result.best_params}"
    )
    print(f"best recipe: {result.recipe} (cnnlab train --config {result.recipe})")
