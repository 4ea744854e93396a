"""``cnnlab models``: the zoo, with paper, default input, parameter count and MACs.

Both numbers are the registry's (:class:`~cnnlab.models.ModelInfo`): MACs at the
model's default input, one multiply-add = 1, as ``cnnlab.summary`` counts them (the
tests recompute every row's). Listing builds no model.
"""

from __future__ import annotations

import typer
from rich.console import Console

from cnnlab.cli.app import app
from cnnlab.cli.tables import one_line_table
from cnnlab.units import format_macs


@app.command("models")
def models_command(
    family: str = typer.Option(None, help="Only this family (lenet, vgg, resnet, ...)."),
) -> None:
    """List the registered models."""
    from cnnlab.models import list_models

    columns = ("name", "family", "paper", "year", "input", "params", "MACs")
    rows = [
        (
            info.name,
            info.family,
            info.paper,
            str(info.year),
            "x".join(str(d) for d in info.input_shape),
            f"{info.num_params:,}",
            format_macs(info.macs),
        )
        for info in list_models(family)
    ]
    table = one_line_table("cnnlab models", columns, rows, "paper")
    Console().print(table)
