"""`cnnlab inspect gradients` on a trained run."""

from __future__ import annotations

from conftest import run_cli_here


def test_gradients_of_a_run(digits_run):
    result = run_cli_here("inspect", "gradients", str(digits_run), "--lr", "2e-3")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "gradient of the loss" in out and "classifier.3.bias" in out
    assert "no vanishing or exploding gradients" in out
