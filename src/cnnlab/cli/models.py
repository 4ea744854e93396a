"""``cnnlab models``: the zoo, with paper, default input, parameter count and MACs.

MACs (one multiply-add = 1, convolutions and linear layers; see
:mod:`cnnlab.inspect.summary`) are counted at each model's default input by one pass
on the meta device, which costs no arithmetic.
"""

from __future__ import annotations

import torch
import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app
from cnnlab.errors import CnnlabError
from cnnlab.inspect import summary
from cnnlab.inspect.summary_render import format_macs
from cnnlab.models import ModelInfo, create, list_models


def default_macs(info: ModelInfo) -> str:
    """The model's MACs at its default input, or "n/a" if it cannot run on meta."""
    try:
        with torch.device("meta"):
            model = create(info.name)
        return format_macs(summary(model, info.input_shape).total_macs)
    except (CnnlabError, RuntimeError, NotImplementedError):
        return "n/a"


def paper_width(rows: list[tuple[str, ...]], terminal: int) -> int:
    """What the terminal leaves for the paper column once every other column is whole, so
    each model stays on one line and a long title ends in an ellipsis."""
    others = sum(max(len(row[i]) for row in rows) + 3 for i in range(len(rows[0])) if i != 2)
    return max(12, terminal - others - 4)


@app.command("models")
def models_command(
    family: str = typer.Option(None, help="Only this family (lenet, vgg, resnet, ...)."),
) -> None:
    """List the registered models."""
    columns = ("name", "family", "paper", "year", "input", "params", "MACs")
    rows = [
        (
            info.name,
            info.family,
            info.paper,
            str(info.year),
            "x".join(str(d) for d in info.input_shape),
            f"{info.num_params:,}",
            default_macs(info),
        )
        for info in list_models(family)
    ]
    console = Console()
    table = Table(title="cnnlab models")
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in ("params", "MACs") else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=paper_width(rows, console.width) if column == "paper" else None,
        )
    for row in rows:
        table.add_row(*row)
    Console().print(table)
