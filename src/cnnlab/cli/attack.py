"""``cnnlab attack RUN``: robust accuracy per eps, the sanity checks, and the JSON, curve
and example grid that record them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app
from cnnlab.cli.options import CHECKPOINT, RUN, SEED
from cnnlab.cli.pictures import require_out
from cnnlab.errors import ConfigError


def parse_eps(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(
            f"--eps: expected comma-separated numbers such as 0.1,0.2,0.3, found {text!r}"
        ) from None


@app.command("attack")
def attack_command(
    run: Path = RUN,
    method: str = typer.Option("pgd", "--method", help="fgsm or pgd."),
    norm: str = typer.Option("linf", "--norm", help="linf or l2."),
    eps: str = typer.Option("0.1,0.2,0.3", "--eps", help="Radii in 0..1 pixel units; 0 added."),
    steps: int = typer.Option(50, "--steps", help="PGD steps."),
    step_size: float = typer.Option(
        0.01, "--step-size", help="PGD step in pixel units (0: 2.5 eps / steps)."
    ),
    restarts: int = typer.Option(10, "--restarts", help="PGD random starts per image."),
    loss: str = typer.Option(
        "ce", "--loss", help="ce, margin (Carlini-Wagner) or both (broken if either breaks)."
    ),
    n: int = typer.Option(10_000, "--n", help="The first N test images."),
    transfer: Path | None = typer.Option(
        None, "--transfer", help="Another run whose PGD adversarials are tried too."
    ),
    seed: int = SEED,
    checkpoint: str = CHECKPOINT,
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the JSON and PNGs (default: RUN/plots)."
    ),
) -> None:
    """Robust accuracy per eps under FGSM or PGD, with sanity checks; JSON, curve, examples."""
    require_out(run, out, "the folder for the JSON and PNGs")
    from cnnlab.attack.robustness import RobustnessSpec
    from cnnlab.attack.run_attack import attack_run
    from cnnlab.train.run import Run

    spec = RobustnessSpec(method, norm, parse_eps(eps), steps, step_size, restarts, loss, n, seed)
    other = Run.open(transfer, checkpoint) if transfer is not None else None
    measured = attack_run(Run.open(run, checkpoint), spec, transfer_from=other)
    console = Console()
    result = measured.result
    table = Table(title=f"robust accuracy, {result.count} test images")
    for column in ("eps", "robust", *result.rows[0].by_attack, "noise"):
        table.add_column(column, justify="right")
    if measured.transfer_from is not None:
        table.add_column("transfer", justify="right")
    for row in result.rows:
        cells = [f"{row.eps:g}", f"{row.accuracy:.4f}"]
        cells += [f"{value:.4f}" for value in row.by_attack.values()] + [f"{row.noise:.4f}"]
        if row.transfer is not None:
            cells.append(f"{row.transfer:.4f}")
        table.add_row(*cells)
    console.print(f"clean accuracy {result.clean_accuracy:.4f}")
    console.print(table)
    for check in measured.checks:
        verdict = "ok  " if check.passed else "FAIL"
        console.print(f"{verdict} {check.name}: {check.detail}", markup=False, highlight=False)
    for path in measured.save(out):
        console.print(f"wrote {path}", markup=False, highlight=False)
