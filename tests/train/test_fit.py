import json

import pytest

from cnnlab.errors import RunError
from cnnlab.train import RunFolder, evaluate_run


def test_run_folder_holds_config_metrics_checkpoint_and_plots(digits_run):
    assert json.loads((digits_run / "config.json").read_text())["model"] == "lenet5"
    rows = [json.loads(line) for line in (digits_run / "metrics.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"):
        assert key in rows[0]
    assert (digits_run / "checkpoints" / "last.safetensors").stat().st_size > 200_000
    assert (digits_run / "checkpoints" / "last.state.pt").is_file()
    assert (digits_run / "plots" / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_training_learns(digits_run):
    assert json.loads((digits_run / "results.json").read_text())["accuracy"] > 0.8


def test_eval_rebuilds_the_model_and_matches_the_end_of_training(digits_run):
    stored = json.loads((digits_run / "results.json").read_text())
    result = evaluate_run(digits_run)
    assert result.accuracy == stored["accuracy"]
    assert result.confusion == stored["confusion"]


def test_missing_run_folder_names_the_path(tmp_path):
    with pytest.raises(RunError, match=str(tmp_path / "nope")):
        RunFolder.open(tmp_path / "nope")


def test_folder_without_config_is_not_a_run(tmp_path):
    with pytest.raises(RunError, match="config.json"):
        RunFolder.open(tmp_path)
