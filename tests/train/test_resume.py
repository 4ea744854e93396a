"""Crash safety for real: a training process killed with SIGKILL (or stopped with Ctrl-C)
at a random step resumes to the same weights, bit for bit, as a run never interrupted."""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnnlab.train.checkpoint import checkpoint_folders
from cnnlab.train.resume import load_newest
from conftest import cli_env, run_cli_here

ARGS = ["lenet5", "--data", "digits", "--batch-size", "32", "--deterministic", "--no-tensorboard"]


def train_args(out: Path, epochs: int, every: int) -> list[str]:
    return [*ARGS, "--epochs", str(epochs), "--checkpoint-every", str(every), "--out", str(out)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[int, Path]:
    """Uninterrupted runs, by number of epochs."""
    runs = {}
    for epochs in (2,):
        out = tmp_path_factory.mktemp("reference") / f"e{epochs}"
        result = run_cli_here("train", *train_args(out, epochs, 0))
        assert result.returncode == 0, result.stderr
        runs[epochs] = out
    return runs


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cnnlab", "train", *args],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_checkpoint(out: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not checkpoint_folders(out / "checkpoints"):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)


def kill_at_random(out: Path, args: list[str], rng: random.Random, window: float) -> bool:
    """Start training, SIGKILL it at a random moment after its first checkpoint; True if the
    kill landed before the run finished."""
    proc = start(args)
    wait_for_checkpoint(out, proc)
    time.sleep(rng.uniform(0, window))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return proc.returncode == -signal.SIGKILL


def final_weights(run: Path) -> bytes:
    return (run / "checkpoints" / "last.safetensors").read_bytes()


def val_accuracies(run: Path) -> list[float]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [row["val_accuracy"] for row in rows]


def assert_same_as_reference(run: Path, reference: Path) -> None:
    assert final_weights(run) == final_weights(reference)
    assert val_accuracies(run) == val_accuracies(reference)
    results = [json.loads((r / "results.json").read_text()) for r in (run, reference)]
    assert results[0]["accuracy"] == results[1]["accuracy"]


def test_sigkill_during_checkpointing_then_resume_gives_the_same_weights(tmp_path, reference):
    """Checkpointing every step, the kill very likely lands inside a checkpoint write."""
    out = tmp_path / "killed"
    assert kill_at_random(out, train_args(out, 2, 1), random.Random(), window=0.6)
    load_newest(out / "checkpoints")  # a verifying checkpoint is always there
    resumed = run_cli_here("train", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    assert_same_as_reference(out, reference[2])


@pytest.mark.slow
@pytest.mark.parametrize("every", [1, 5, 0])
def test_repeated_sigkills_at_random_steps_never_lose_the_run(tmp_path, reference, every):
    out, rng = tmp_path / "killed", random.Random(every)
    kills = 0
    for _ in range(4):
        args = ["--resume", str(out)] if checkpoint_folders(out / "checkpoints") else []
        if kill_at_random(out, args or train_args(out, 2, every), rng, window=1.0):
            kills += 1
        load_newest(out / "checkpoints")
    if every:
        assert kills >= 1
    resumed = run_cli_here("train", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert_same_as_reference(out, reference[2])


def test_ctrl_c_saves_a_checkpoint_and_says_how_to_resume(tmp_path, reference):
    out = tmp_path / "interrupted"
    proc = start(train_args(out, 2, 0))
    wait_for_checkpoint(out, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130, err
    assert "Interrupted at step" in err and f"cnnlab train --resume {out}" in err
    assert "Traceback" not in err
    resumed = run_cli_here("train", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert_same_as_reference(out, reference[2])


def test_a_nan_loss_stops_the_run_names_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "exploded"
    # a sane first epoch, then resumed with the learning rate multiplied by 1e5
    first = run_cli_here(
        "train", "lenet5", "--epochs", "1", "--optimizer", "sgd", "--lr", "0.05",
        "--no-tensorboard", "--out", str(out),
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    result = run_cli_here("train", "--resume", str(out), "--epochs", "3", "--lr", "5000")
    assert result.returncode == 1
    assert "the loss became nan at step" in result.stderr or "became inf" in result.stderr
    assert "(epoch 2) with learning rate 5000" in result.stderr
    assert "learning rate may be too large" in result.stderr and "Traceback" not in result.stderr
    loaded = load_newest(out / "checkpoints")
    assert loaded.state["epoch"] == 1 and loaded.state["batch"] == 0
