"""Data-parallel training on the CPU: two gloo processes under torchrun against one process
with the same global batch. Tolerance: the weighted shards make the gradients equal up to
float rounding, so weights agree to 1e-4 and validation accuracy to 1%."""

import json
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from conftest import cli_env, run_cli_here

ARGS = ["lenet5", "--data", "digits", "--epochs", "2", "--batch-size", "64", "--optimizer",
        "momentum", "--lr", "0.05", "--no-tensorboard"]  # fmt: skip


@pytest.mark.slow
def test_two_processes_match_one_process_with_the_same_global_batch(tmp_path):
    single = run_cli_here("train", *ARGS, "--out", str(tmp_path / "one"))
    assert single.returncode == 0, single.stderr
    env = cli_env()
    ddp = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
         "-m", "cnnlab", "train", *ARGS, "--out", str(tmp_path / "two")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert ddp.returncode == 0, ddp.stderr
    one, two = (
        load_file(tmp_path / n / "checkpoints" / "last.safetensors") for n in ("one", "two")
    )
    for name in one:
        torch.testing.assert_close(one[name], two[name], rtol=0, atol=1e-4)
    rows = {
        n: [json.loads(x) for x in (tmp_path / n / "metrics.jsonl").read_text().splitlines()]
        for n in ("one", "two")
    }
    assert len(rows["two"]) == 2  # rank 0 alone wrote the metrics
    for a, b in zip(rows["one"], rows["two"], strict=True):
        assert abs(a["val_accuracy"] - b["val_accuracy"]) <= 0.01
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-3)
