"""`cnnlab inspect activations` on a trained run and on a fresh model."""

from __future__ import annotations

from conftest import run_cli_here


def test_activations_of_a_run(digits_run):
    result = run_cli_here("inspect", "activations", str(digits_run), "--batch-size", "32")
    assert result.returncode == 0, result.stderr
    assert "activations of" in result.stdout and "on 32 images" in result.stdout
    for layer in ("features.0", "features.1", "classifier.3"):
        assert layer in result.stdout
    png = digits_run / "plots" / "activations.png"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_a_model_name_needs_data():
    result = run_cli_here("inspect", "activations", "lenet5")
    assert result.returncode == 2
    assert "'lenet5' is a model name, so --data is needed" in result.stderr
