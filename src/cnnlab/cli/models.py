"""``cnnlab models``: the zoo, with paper, default input and parameter count."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cnnlab.cli.app import app
from cnnlab.models import list_models


@app.command("models")
def models_command(
    family: str = typer.Option(None, help="Only this family (lenet, vgg, resnet, ...)."),
) -> None:
    """List the registered models."""
    table = Table(title="cnnlab models")
    for column in ("name", "family", "paper", "year", "input", "params"):
        table.add_column(column, justify="right" if column == "params" else "left")
    for info in list_models(family):
        shape = "x".join(str(d) for d in info.input_shape)
        table.add_row(
            info.name, info.family, info.paper, str(info.year), shape, f"{info.num_params:,}"
        )
    Console().print(table)
