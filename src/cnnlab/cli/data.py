"""``cnnlab data ...``: the dataset catalogue, downloads and looking at images.

The commands register on ``data_app``; each lives in its own module, named in the command
table of :mod:`cnnlab.cli.app`.
"""

import typer

data_app = typer.Typer()
