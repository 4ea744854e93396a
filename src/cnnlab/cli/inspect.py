"""``cnnlab inspect ...``: the babysitting toolkit (statistics, gradient check, LR range test).

This module holds the command group; each command lives in its own module.
"""

import typer

from cnnlab.cli.app import app

inspect_app = typer.Typer(help="Look at a model's numbers while it trains.", no_args_is_help=True)
app.add_typer(inspect_app, name="inspect")
