"""`cnnlab inspect gradcheck MODEL`: float64 check of a registered model on a random input."""

from __future__ import annotations

from conftest import run_cli_here


def test_lenet5_passes():
    result = run_cli_here("inspect", "gradcheck", "lenet5", "--samples", "3")
    assert result.returncode == 0, result.stderr
    assert "gradient check of lenet5 on 2x1x32x32 (float64)" in result.stdout
    assert "features.0.weight" in result.stdout
    assert "pass: largest relative error" in result.stdout


def test_bad_input_shape_and_model_are_named():
    result = run_cli_here("inspect", "gradcheck", "lenet5", "--input", "1x32")
    assert result.returncode == 2
    assert "--input expects CxHxW such as 3x224x224, found '1x32'" in result.stderr
    result = run_cli_here("inspect", "gradcheck", "lenet5", "--input", "1x8x8")
    assert result.returncode == 2
    assert "lenet5 cannot run on input 1x8x8" in result.stderr
