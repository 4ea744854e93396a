"""The command line: each module adds one command (or group) to ``app``; ``main`` runs it.

A :class:`~cnnlab.errors.CnnlabError` is printed as one line, without a traceback,
and the process exits with the error's exit code (2 for bad input).
"""

from __future__ import annotations

import sys

from rich.console import Console

from cnnlab.cli import (  # noqa: F401  (each module registers its command)
    classic,
    data_catalogue,
    data_show,
    doctor,
    evaluate,
    inspect_commands,
    models,
    report,
    scratch,
    summary,
    train,
    viz_attribution,
    viz_inside,
    viz_synthesis,
)
from cnnlab.cli.app import app
from cnnlab.errors import CnnlabError


def main() -> None:
    try:
        app(prog_name="cnnlab")
    except CnnlabError as exc:
        Console(stderr=True, soft_wrap=True).print(
            f"error: {exc}", style="bold red", markup=False, highlight=False
        )
        sys.exit(exc.exit_code)
