"""Shared fixtures: a small trained run, and a way to call the real `cnnlab` command."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_limits

from cnnlab.train import TrainConfig, fit
from cnnlab.viz.callbacks import SavePlots

REPO = Path(__file__).resolve().parents[1]

# Tests check correctness, not speed: one thread per process keeps the machine's cores for
# the processes the tests start, where two threads each would fight over them.
torch.set_num_threads(1)
threadpool_limits(1)  # NumPy's and SciPy's BLAS too: spinning threads stall on a busy machine
SHARED_DATA = REPO.parent / "shared" / "datasets"


def cli_env() -> dict[str, str]:
    """The environment of a `cnnlab` process started by a test: this checkout's code."""
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "200", "OMP_NUM_THREADS": "1"}


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run `python -m cnnlab ARGS` in a fresh process, as a user's shell would."""
    return subprocess.run(
        [sys.executable, "-m", "cnnlab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_env(),
        timeout=timeout,
    )


def run_cli_here(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `cnnlab ARGS` through its real entry point (`cnnlab.cli.main`) in this process.

    The same parsing, output, error lines and exit status as :func:`run_cli`, without the
    seconds a fresh interpreter spends importing torch. An exception that `main` lets
    through fails the test with its traceback, where a process would exit 1 with it.
    Keep :func:`run_cli` for what only a process shows: imports, signals, the exit itself.
    """
    from cnnlab.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv, here, columns = sys.argv, Path.cwd(), os.environ.get("COLUMNS")
    deterministic = torch.are_deterministic_algorithms_enabled()
    sys.argv = ["cnnlab", *args]
    os.environ["COLUMNS"] = "200"
    if cwd is not None:
        os.chdir(cwd)
    status: int = 0
    try:
        with redirect_stdout(out), redirect_stderr(err), warnings.catch_warnings():
            shown_as_a_process_shows_them()
            main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:  # sys.exit("message"): printed on stderr, exit status 1
            err.write(f"{exc.code}\n")
            status = 1
    finally:
        sys.argv = argv
        os.chdir(here)
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
        gc.unfreeze()  # main freezes the objects it found; later tests' garbage must go
        torch.use_deterministic_algorithms(deterministic)
    return subprocess.CompletedProcess(["cnnlab", *args], status, out.getvalue(), err.getvalue())


def shown_as_a_process_shows_them() -> None:
    """Python's default warning filters, each warning printed on (the current) stderr: a
    warning a user would see makes the test see one line more, as in a fresh process."""
    warnings.resetwarnings()  # no filter left: every other category shows once per place
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: (
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
    )


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LeNet-5 trained briefly on digits: a real run folder for commands that read one."""
    out = tmp_path_factory.mktemp("runs") / "lenet5-digits"
    config = TrainConfig(
        model="lenet5", data="digits", epochs=3, batch_size=32, lr=2e-3, out=str(out)
    )
    fit(config, callbacks=[SavePlots()])
    return out


@pytest.fixture(scope="session")
def task_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A box run (cluttered-mnist) and a multi-digit run (multi-mnist), one epoch each on a
    small copy of the MNIST files."""
    from data.fakes import fake_mnist

    root = tmp_path_factory.mktemp("tasks")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))
        fake_mnist(root / "data" / "mnist", count=20)
        runs = {}
        for data in ("cluttered-mnist", "multi-mnist"):
            config = TrainConfig(
                model="smallcnn_bn", data=data, data_dir=str(root / "data"), image_size=28,
                val_split=0.5, epochs=1, batch_size=20, tensorboard=False,
                out=str(root / data),
            )  # fmt: skip
            fit(config)
            runs[data] = root / data
    return runs
