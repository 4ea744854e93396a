"""The package's shape: layers go one way, no module cycles, every subpackage imports alone."""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

from conftest import REPO, cli_env

SUBPACKAGES = [
    "cnnlab.errors", "cnnlab.atomic", "cnnlab.figure", "cnnlab.nn", "cnnlab.models",
    "cnnlab.data", "cnnlab.weights", "cnnlab.train", "cnnlab.inspect", "cnnlab.viz",
    "cnnlab.classic", "cnnlab.scratch", "cnnlab.explain", "cnnlab.predict", "cnnlab.export",
    "cnnlab.localise", "cnnlab.experiments", "cnnlab.attack", "cnnlab.serve", "cnnlab.cli",
]  # fmt: skip


LINT = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())"
)


def test_the_import_linter_contracts_hold():
    """pyproject.toml's layer contract: a lower layer never imports a higher one."""
    lint = subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache"],
        capture_output=True, text=True, cwd=REPO, env=cli_env(),
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout[-3000:]
    assert "0 broken" in lint.stdout


def test_no_two_modules_import_each_other_even_indirectly():
    graph = grimp.build_graph("cnnlab", exclude_type_checking_imports=True)
    cycles = [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported != module and graph.chain_exists(importer=imported, imported=module)
    ]
    assert cycles == []


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_subpackage_imports_in_a_fresh_interpreter(name):
    """No subpackage works only because another was imported first."""
    code = f"import {name}, sys; assert 'matplotlib.pyplot' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env()
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_importing_cnnlab_leaves_the_matplotlib_backend_alone():
    code = (
        "import matplotlib; matplotlib.use('svg'); import cnnlab.train, cnnlab.viz.plots, "
        "cnnlab.viz.report, cnnlab.cli; assert matplotlib.get_backend() == 'svg', "
        "matplotlib.get_backend()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env()
    )
    assert result.returncode == 0, result.stderr[-2000:]
