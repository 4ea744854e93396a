"""``cnnlab inspect ...``: the babysitting toolkit (statistics, gradient check, LR range test).

The commands register on ``inspect_app``; each lives in a module named in the command
table of :mod:`cnnlab.cli.app`.
"""

import typer

inspect_app = typer.Typer()
