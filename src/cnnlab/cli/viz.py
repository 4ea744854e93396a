"""``cnnlab viz KIND RUN ...``: pictures of what a trained network learned, one PNG each.

This module holds the command group; each command lives in its own module.
"""

import typer

from cnnlab.cli.app import app

viz_app = typer.Typer(
    help="Visualise a trained run: each command writes a PNG.", no_args_is_help=True
)
app.add_typer(viz_app, name="viz")
