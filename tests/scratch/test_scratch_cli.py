"""`cnnlab scratch` from a user's shell."""

from __future__ import annotations

import re

from conftest import run_cli_here


def test_scratch_trains_and_prints_every_epoch():
    done = run_cli_here("scratch", "--epochs", "4", "--hidden", "32")
    assert done.returncode == 0, done.stderr
    assert "Linear(weight(32, 1024), bias(32,))" in done.stdout
    accuracies = [float(a) for a in re.findall(r"val accuracy (\d\.\d+)", done.stdout)]
    assert len(accuracies) == 4 and accuracies[-1] > 0.85
    assert re.search(r"^test accuracy 0\.\d+ \(360 images\)$", done.stdout, re.MULTILINE)


def test_unknown_network_exits_2():
    done = run_cli_here("scratch", "--net", "rnn")
    assert done.returncode == 2 and "unknown scratch network 'rnn'" in done.stderr
