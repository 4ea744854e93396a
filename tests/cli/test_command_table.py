"""The command table: `cnnlab --help` lists every command without importing torch, and
each row's help is the help of the command it loads."""

import subprocess
import sys

import pytest

from cnnlab.cli.app import COMMANDS, HELP
from cnnlab.cli.lazy import Group, lazy_group
from conftest import cli_env

HEAVY = ("torch", "matplotlib", "sklearn")


def help_in_fresh_interpreter(*args: str) -> tuple[str, set[str]]:
    """`cnnlab ARGS --help`'s output, and which heavy packages the process imported."""
    script = (
        "import sys\n"
        f"sys.argv = ['cnnlab', *{list(args)!r}, '--help']\n"
        "from cnnlab.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('IMPORTED', *[m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), timeout=60
    )
    assert done.returncode == 0, done.stderr
    output, _, imported = done.stdout.rpartition("IMPORTED")
    return output, set(imported.split())


def rows(table=COMMANDS, owner="cnnlab.cli.app:app", path=()):
    for name, row in table.items():
        if isinstance(row, Group):
            yield from rows(row.commands, row.typer, (*path, name))
        else:
            yield (*path, name), row, owner


def test_help_lists_every_command_without_importing_torch_matplotlib_or_sklearn():
    output, imported = help_in_fresh_interpreter()
    assert imported == set()
    assert HELP in output
    for name in COMMANDS:
        assert f" {name} " in output


@pytest.mark.parametrize(
    "group", [name for name, row in COMMANDS.items() if isinstance(row, Group)]
)
def test_a_groups_help_lists_its_commands_without_importing_torch(group):
    output, imported = help_in_fresh_interpreter(group)
    assert imported == set()
    for name in COMMANDS[group].commands:
        assert f" {name} " in output


def test_every_row_loads_its_command_and_its_help_is_the_commands_own():
    root = lazy_group("cnnlab", HELP, "cnnlab.cli.app:app", COMMANDS)
    for path, row, _owner in rows():
        group = root
        for part in path[:-1]:
            group = group.commands[part]
        loaded = group.commands[path[-1]].load()
        first_paragraph = " ".join(loaded.help.split("\n\n")[0].split())
        assert (loaded.name, first_paragraph) == (path[-1], row.help), path


# `cnnlab train`'s flags are generated from TrainConfig's fields, whose module parses the
# augmentation into torch-backed operations: the one module that needs torch to build.
FLAGS_NEED_TORCH = {"cnnlab.cli.train"}


@pytest.mark.parametrize("module", sorted({row.module for _, row, _ in rows()} - FLAGS_NEED_TORCH))
def test_command_modules_import_torch_matplotlib_and_sklearn_only_when_run(module):
    script = f"import sys, {module}; print(*[m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], module
