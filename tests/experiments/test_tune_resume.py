"""``cnnlab tune`` killed with SIGKILL in the middle of a trial resumes with the same
command, and ``--workers 2`` shares one study between two processes: real processes, real
SQLite files, tiny LeNet-5 runs on the digits."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from conftest import cli_env, run_cli

SPACE = """model = "lenet5"
data = "digits"
per_class = 10
epochs = {epochs}
batch_size = 50
tensorboard = false

[lr]
low = 1e-3
high = 1e-2
log = true
"""


def load(storage: str) -> optuna.Study:
    return optuna.load_study(study_name="cnnlab", storage=storage)


def running_mid_trial(database: Path, number: int) -> bool:
    """Trial ``number`` is running and has reported at least one epoch."""
    if not database.exists():
        return False
    try:
        trials = load(f"sqlite:///{database}").trials
    except KeyError:  # the study is not created yet
        return False
    return (
        len(trials) > number
        and trials[number].state == optuna.trial.TrialState.RUNNING
        and len(trials[number].intermediate_values) >= 1
    )


@pytest.mark.slow  # three cnnlab processes, five tiny trials: about 40 s of CPU
def test_sigkill_mid_trial_then_the_same_command_resumes(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text(SPACE.format(epochs=6))
    out = tmp_path / "study"
    storage = f"sqlite:///{out / 'study.db'}"
    command = ["tune", "--space", str(space), "--trials", "3", "--sampler", "random"]
    command += ["--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-m", "cnnlab", *command],
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while not running_mid_trial(out / "study.db", 1):
        assert process.poll() is None, "the search ended before it could be killed"
        assert time.monotonic() < deadline, "trial 1 never started"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = load(storage).trials[1]
    assert killed.state == optuna.trial.TrialState.RUNNING  # what Optuna leaves behind
    assert killed.user_attrs["worker"].endswith(f":{process.pid}")

    result = run_cli(*command)
    assert result.returncode == 0, result.stderr
    trials = load(storage).trials
    states = [t.state.name for t in trials]
    # trial 1 failed, its point retried once as trial 2, then one new trial: three finished
    assert states == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    assert trials[2].params == killed.params
    assert trials[2].system_attrs["failed_trial"] == 1
    assert trials[0].params != trials[3].params != killed.params
    assert "marked failed (their worker had died): trials [1]" in result.stdout
    assert "COMPLETE (retry of 1)" in result.stdout
    assert "3 trials finished" in result.stdout
    with (out / "trials.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert [(r["number"], r["state"], r["retry_of"]) for r in rows] == [
        ("0", "COMPLETE", ""),
        ("1", "FAIL", ""),
        ("2", "COMPLETE", "1"),
        ("3", "COMPLETE", ""),
    ]
    assert [r["epochs"] for r in rows if r["state"] == "COMPLETE"] == ["6", "6", "6"]
    assert 1 <= int(rows[1]["epochs"]) < 6  # killed in the middle
    assert sorted(p.name for p in out.glob("trial-*")) == [f"trial-000{i}" for i in range(4)]

    again = run_cli(*command)  # the study is complete: nothing more runs
    assert again.returncode == 0, again.stderr
    assert len(load(storage).trials) == 4


@pytest.mark.slow  # three processes, four tiny trials
def test_two_worker_processes_share_one_study_elsewhere(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text(SPACE.format(epochs=2))
    out = tmp_path / "study"
    storage = f"sqlite:///{tmp_path / 'db' / 'shared.db'}"
    (tmp_path / "db").mkdir()
    result = run_cli(
        "tune", "--space", str(space), "--trials", "4", "--sampler", "random",
        "--workers", "2", "--storage", storage, "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not (out / "study.db").exists()  # the study lives where --storage says
    trials = load(storage).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 4  # exactly --trials, none more
    workers = {t.user_attrs["worker"] for t in trials}
    assert len(workers) == 2  # two processes, neither of them the test's own
    assert sorted(p.name for p in out.glob("trial-*")) == [f"trial-000{i}" for i in range(4)]
    assert len({t.params["lr"] for t in trials}) == 4  # the workers draw different points
