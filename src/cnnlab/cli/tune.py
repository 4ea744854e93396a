"""``cnnlab tune --space space.toml --trials N --out DIR``: a resumable Optuna search."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.app import app


@app.command("tune")
def tune_command(
    space: Path = typer.Option(None, "--space", help="TOML: fixed fields, and tables to search."),
    refine: Path = typer.Option(
        None,
        "--refine",
        help="An earlier study folder: search its space narrowed around its best trials.",
    ),
    trials: int = typer.Option(10, "--trials", help="Finished trials the study should reach."),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe, random, grid or gp."),
    pruner: str = typer.Option(
        "none", "--pruner", help="none, median or hyperband (per-epoch val accuracy)."
    ),
    workers: int = typer.Option(1, "--workers", help="Worker processes sharing the study."),
    storage: str = typer.Option(
        None,
        "--storage",
        help="Database URL (postgresql://user:pass@host/db); default: out/study.db.",
    ),
    cv: int = typer.Option(
        0, "--cv", help="K-fold cross-validation of each trial (small datasets); 0: off."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Study folder: trial runs, best.toml, trials.csv, plots."
    ),
) -> None:
    """Search hyper-parameters; every trial is a run folder, and rerunning resumes."""
    from rich.console import Console
    from rich.table import Table

    from cnnlab.experiments.tune import tune

    result = tune(space, trials, out, sampler, pruner, workers, storage, refine, cv)
    names = sorted({name for row in result.rows for name in row.params})
    table = Table("trial", "state", *names, "val acc", "epochs")
    for row in result.rows:
        state = row.state if row.retry_of is None else f"{row.state} (retry of {row.retry_of})"
        params = [format_value(row.params.get(name)) for name in names]
        value = "-" if row.value is None else f"{row.value:.4f}"
        table.add_row(str(row.number), state, *params, value, str(row.epochs))
    console = Console(highlight=False)
    console.print(table)
    if result.failed_on_resume:
        console.print(f"marked failed (their worker had died): trials {result.failed_on_resume}")
    console.print(
        f"{result.completed} trials finished; best trial {result.best_trial}: "
        f"val accuracy {result.best_value:.4f}"
    )
    for note in result.notes:
        console.print(note, markup=False)
    console.print(f"table: {result.table}", markup=False)
    console.print(f"pictures: {', '.join(map(str, result.pictures))}", markup=False)
    console.print(f"space: {result.space}", markup=False)
    console.print(f"best recipe: {result.recipe} (cnnlab train --config {result.recipe})")


def format_value(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
