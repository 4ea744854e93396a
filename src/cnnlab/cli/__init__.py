"""The command line: ``main`` runs the command table of :mod:`cnnlab.cli.app`, importing
only the module of the command that runs.

A :class:`~cnnlab.errors.CnnlabError` is printed as one line, without a traceback,
and the process exits with the error's exit code (2 for bad input).
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

from cnnlab.cli.app import COMMANDS, HELP
from cnnlab.cli.lazy import lazy_group
from cnnlab.errors import CnnlabError, shown


def command() -> Any:
    """The whole command line as one click group; each command's module loads when it runs."""
    return lazy_group("cnnlab", HELP, "cnnlab.cli.app:app", COMMANDS)


def main() -> None:
    """Run the command line; every error is one line on stderr, and the exit status says
    what kind: 2 bad input (names, values, files, usage), 1 a failure of the work or the
    machine, 130 interrupted."""
    import typer

    try:
        from typer._click import exceptions as parse_errors  # typer >= 0.20 carries click
    except ImportError:
        from click import exceptions as parse_errors

    try:
        status = command().main(prog_name="cnnlab", standalone_mode=False)
    except CnnlabError as exc:
        fail(str(exc), exc.exit_code)
    except parse_errors.NoArgsIsHelpError as exc:
        exc.show()  # a bare command group: its help
        sys.exit(0)
    except parse_errors.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "cnnlab"
        fail(f"{exc.format_message()} (see: {where} --help)", 2)
    except parse_errors.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except typer.Abort:
        fail("interrupted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    if isinstance(status, int) and status:  # typer.Exit(1) comes back as the status
        sys.exit(status)


def fail(message: str, status: int) -> None:
    """Print one line, escaping control characters so a file named ``x\nerror: y`` cannot
    forge a second line, and exit with ``status``."""
    Console(stderr=True, soft_wrap=True).print(
        f"error: {shown(message)}", style="bold red", markup=False, highlight=False
    )
    sys.exit(status)
