import json

import pytest

from conftest import run_cli_here


def test_models_lists_the_classic_families_with_their_counts():
    result = run_cli_here("models", "--family", "vgg")
    assert result.returncode == 0, result.stderr
    assert "vgg16_c" in result.stdout and "133,638,952" in result.stdout
    assert "lenet5" not in result.stdout


def test_creating_alphago_with_ten_classes_is_refused_without_a_traceback(tmp_path):
    result = run_cli_here("train", "alphago_policy", "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "num_classes must be 361" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_lenet5_1998_trains_on_digits_with_the_rbf_logits(tmp_path):
    out = tmp_path / "lenet1998"
    result = run_cli_here(
        "train", "lenet5_1998", "--data", "digits", "--epochs", "3", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["val_accuracy"] > 0.8
