"""``cnnlab models``: the zoo, with paper, default input, parameter count and MACs.

MACs (one multiply-add = 1, convolutions and linear layers; see
:mod:`cnnlab.inspect.summary`) are counted at each model's default input by one pass
on the meta device, which costs no arithmetic.
"""

from __future__ import annotations

import torch
import typer
from rich.console import Console

from cnnlab.cli.app import app
from cnnlab.cli.tables import one_line_table
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
    table = one_line_table("cnnlab models", columns, rows, "paper")
    Console().print(table)
