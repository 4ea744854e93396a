"""``cnnlab viz KIND RUN ...``: pictures of what a trained network learned, one PNG each.

The commands register on ``viz_app``; each lives in a module named in the command table
of :mod:`cnnlab.cli.app`.
"""

import typer

viz_app = typer.Typer()
