"""Commands known by name and one-line help, their modules imported only when they run.

``cnnlab --help`` lists every command from the table in :mod:`cnnlab.cli.app` without
importing a single command module (so without torch, matplotlib or scikit-learn); the
module of the one command that runs is imported when click makes its context.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Command:
    """A command defined in ``module``, registered there on its group's Typer by name."""

    module: str
    help: str  # the first paragraph of the command's docstring (a test compares them)


@dataclass(frozen=True)
class Group:
    """A command group: the Typer its commands register on (``module:attribute``), its
    help, and its own table of commands."""

    typer: str
    help: str
    commands: dict[str, Command]


def resolve(reference: str) -> typer.Typer:
    """The Typer that ``"package.module:attribute"`` names, its module imported."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


class LazyCommand(TyperCommand):
    """Stands in for a command in help listings; becomes the real one when it is invoked."""

    def __init__(self, name: str, row: Command, owner: str) -> None:
        super().__init__(name, help=row.help)
        self.row, self.owner = row, owner

    def load(self) -> Any:
        """The real click command: import its module, then find it on its group's Typer."""
        importlib.import_module(self.row.module)
        owner = resolve(self.owner)
        for info in owner.registered_commands:
            if info.name == self.name:
                return typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=owner.pretty_exceptions_short,
                    rich_markup_mode=owner.rich_markup_mode,
                )
        raise LookupError(f"{self.row.module} registers no command {self.name!r} on {self.owner}")

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        return self.load().make_context(info_name, args, parent=parent, **extra)


def lazy_group(name: str, help: str, owner: str, table: dict[str, Command | Group]) -> TyperGroup:  # noqa: A002
    """A click group whose commands are the table's rows, each loaded when it runs."""
    commands: dict[str, Any] = {}
    for command_name, row in table.items():
        if isinstance(row, Group):
            commands[command_name] = lazy_group(command_name, row.help, row.typer, row.commands)
        else:
            commands[command_name] = LazyCommand(command_name, row, owner)
    return TyperGroup(name=name, help=help, commands=commands, no_args_is_help=True)
