"""`cnnlab doctor` from the shell: a table of checks and an exit status that means something."""

from __future__ import annotations

import pytest

from conftest import run_cli_here


@pytest.mark.slow  # test_doctor.py checks the same verdict in process
def test_doctor_fails_a_learning_rate_ten_times_too_high():
    result = run_cli_here("doctor", "lenet5", "--data", "digits", "--lr", "3e-2")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "doctor: lenet5 on digits, adam lr 0.03" in out
    assert "PASS" in out and "FAIL" in out
    assert "too high: 0.003 does clearly better" in out
    assert "at least one check failed" in out


def test_doctor_names_bad_input():
    result = run_cli_here("doctor", "lenet6", "--data", "digits")
    assert result.returncode == 2
    assert "unknown model 'lenet6'. Did you mean: lenet5" in result.stderr
    result = run_cli_here("doctor", "lenet5", "--data", "digits", "--optimizer", "adamax")
    assert result.returncode == 2
    assert "unknown optimizer 'adamax': expected one of sgd" in result.stderr
