"""`cnnlab inspect lr-find`: a suggestion, its rule and a plot."""

from __future__ import annotations

from conftest import run_cli_here


def test_lr_find_prints_a_suggestion_and_writes_the_plot(tmp_path):
    plot = tmp_path / "lr.png"
    args = ["--steps", "40", "--start-lr", "1e-5", "--end-lr", "1", "--plot", str(plot)]
    result = run_cli_here("inspect", "lr-find", "lenet5", "--data", "digits", *args)
    assert result.returncode == 0, result.stderr
    assert "suggested learning rate:" in result.stdout
    assert "steepest descent of the smoothed loss" in result.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG"
