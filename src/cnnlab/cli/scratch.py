"""``cnnlab scratch``: train a network of the NumPy engine, every gradient written out.

The options are :class:`cnnlab.scratch.config.ScratchConfig`'s fields: each flag's help is
the field's declared help and valid values, and the config checks them all before any data
is read.
"""

from __future__ import annotations

import dataclasses

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cnnlab.cli.app import app
from cnnlab.fields import help_line
from cnnlab.scratch.config import ScratchConfig

FIELDS = {f.name: f for f in dataclasses.fields(ScratchConfig)}


def flag(name: str) -> typer.models.OptionInfo:
    """The option of field ``name``: its default and its declared help."""
    field = FIELDS[name]
    return typer.Option(field.default, help=escape(help_line(field)))


@app.command("scratch")
def scratch_command(
    net: str = flag("net"),
    data: str = flag("data"),
    data_dir: str | None = flag("data_dir"),
    hidden: int = flag("hidden"),
    activation: str = flag("activation"),
    loss: str = flag("loss"),
    optimizer: str = flag("optimizer"),
    lr: float = flag("lr"),
    val_split: float = flag("val_split"),
    epochs: int = flag("epochs"),
    batch_size: int = flag("batch_size"),
    seed: int = flag("seed"),
) -> None:
    """Train a network written in NumPy (explicit forward and backward passes), printing
    the loss and the validation accuracy per epoch and the test accuracy at the end."""
    from cnnlab.scratch.network import EpochRecord
    from cnnlab.scratch.run import run_scratch

    config = ScratchConfig(
        net,
        data,
        data_dir,
        hidden,
        activation,
        loss,
        optimizer,
        lr,
        val_split,
        epochs,
        batch_size,
        seed,
    )  # fmt: skip  (every value checked before any data is read)
    console = Console(highlight=False)
    progress = Progress(
        TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    )  # fmt: skip
    task = progress.add_task("train", total=None, epoch=1)

    def report(record: EpochRecord) -> None:
        progress.update(task, completed=0, epoch=record.epoch + 1)
        console.print(
            f"epoch {record.epoch:3d}/{config.epochs}  loss {record.loss:.4f}  "
            f"train accuracy {record.train_accuracy:.4f}  val accuracy "
            f"{record.val_accuracy:.4f}  ({record.seconds:.1f} s)"
        )

    with progress:
        result = run_scratch(
            config,
            on_start=lambda network: console.print(repr(network)),
            on_epoch=report,
            on_batch=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(f"test accuracy {result.test_accuracy:.4f} ({result.test_count} images)")
