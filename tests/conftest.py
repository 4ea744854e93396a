"""Shared fixtures: a small trained run, and a way to call the real `cnnlab` command."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LeNet-5 trained briefly on digits: a real run folder for commands that read one."""
    out = tmp_path_factory.mktemp("runs") / "lenet5-digits"
    config = TrainConfig(
        model="lenet5", data="digits", epochs=3, batch_size=32, lr=2e-3, out=str(out)
    )
    fit(config, callbacks=[SavePlots()])
    return out
