"""`cnnlab attack` on the shipped LeNet-5 digits weights, as a user runs it."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli_here

QUICK = ["attack", "cnnlab:lenet5-digits", "--n", "60", "--eps", "0.1,0.3", "--restarts", "1"]


def test_attack_prints_the_table_and_checks_and_writes_the_json_and_pictures(tmp_path):
    result = run_cli_here(*QUICK, "--steps", "10", "--step-size", "0", "--loss", "both",
                     "--out", str(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    for check in ("eps 0 equals clean accuracy", "accuracy never rises with eps",
                  "PGD at least as strong as FGSM", "no sign of gradient masking"):  # fmt: skip
        assert f"ok   {check}" in result.stdout
    record = json.loads((tmp_path / "attack-pgd-linf.json").read_text())
    assert record["specification"] == {
        "method": "pgd", "norm": "linf", "eps": [0.0, 0.1, 0.3], "steps": 10, "step_size": 0.0,
        "restarts": 1, "loss": "both", "n": 60, "seed": 0,
    }  # fmt: skip
    rows = record["rows"]
    assert rows[0]["accuracy"] == record["clean_accuracy"]
    assert set(rows[1]["by_attack"]) == {"pgd-ce", "pgd-margin", "fgsm-ce"}
    assert rows[2]["accuracy"] <= rows[1]["accuracy"] < record["clean_accuracy"]
    assert f"clean accuracy {record['clean_accuracy']:.4f}" in result.stdout
    for picture in ("attack-pgd-linf-curve.png", "attack-pgd-linf-examples.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_pgd_too_weak_to_leave_a_small_ball_fails_the_pgd_against_fgsm_check(tmp_path):
    # 5 steps of 0.01 move a pixel at most 0.05: FGSM's single step of 0.3 goes further
    result = run_cli_here(*QUICK, "--steps", "5", "--step-size", "0.01", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "FAIL PGD at least as strong as FGSM: eps 0.1: PGD" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--eps", "0.1,big"], "--eps: expected comma-separated numbers"),
        (["--eps", "0.5,3"], r"eps must be values in [0, 1], found [0.5, 3.0]"),
        (["--method", "cw"], "unknown method 'cw'"),
        (["--norm", "l1"], "unknown attack norm 'l1'"),
    ],
)
def test_a_bad_option_is_one_line_with_exit_2_and_writes_nothing(tmp_path, option, message):
    result = run_cli_here(*QUICK, *option, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_attacking_shipped_weights_without_out_is_one_line_before_any_work(tmp_path):
    result = run_cli_here("attack", "cnnlab:lenet5-digits", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--out: expected the folder for the JSON and PNGs for cnnlab:lenet5-digits" in (
        result.stderr
    )
    assert list(tmp_path.iterdir()) == []
