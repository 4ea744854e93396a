"""``cnnlab data ...``: the dataset catalogue, downloads and looking at images.

This module holds the command group; each command lives in its own module.
"""

import typer

from cnnlab.cli.app import app

data_app = typer.Typer(help="Datasets: list, download, look at.", no_args_is_help=True)
app.add_typer(data_app, name="data")
