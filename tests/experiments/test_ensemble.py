"""``cnnlab ensemble``: real digits runs averaged through Run.predict."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from cnnlab.errors import ConfigError, DataError
from cnnlab.experiments import ensemble
from cnnlab.train import Run, TrainConfig, fit
from cnnlab.train.evaluate import evaluate_run
from conftest import run_cli


def train(out: Path, **fields) -> Path:
    config = {"model": "lenet5", "data": "digits", "per_class": 30, "epochs": 1, "batch_size": 32}
    fit(TrainConfig(**{**config, **fields, "out": str(out)}))
    return out


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("ensemble")
    return [train(root / f"init{i}", lr=lr) for i, lr in enumerate((2e-3, 5e-3))]


def test_ensemble_is_the_mean_of_member_softmax(members: list[Path]) -> None:
    result = ensemble(members, "digits")
    runs = [Run.open(p) for p in members]
    test = runs[0].dataset("test")
    probabilities = [run.predict(run.dataset("test").images) for run in runs]
    each = [int((p.argmax(1) == test.labels).sum()) / len(test.labels) for p in probabilities]
    mean = torch.stack(probabilities).mean(0)
    assert result.member_accuracy == each
    assert result.ensemble_accuracy == int((mean.argmax(1) == test.labels).sum()) / len(test.labels)
    assert result.images == len(test.labels)
    assert result.labels == ["lr=0.002", "lr=0.005"]


def test_refuses_another_dataset_name(members: list[Path]) -> None:
    with pytest.raises(ConfigError, match="trained on 'digits', expected 'mnist'"):
        ensemble(members, "mnist")


def test_test_time_augmentation_scores_each_member_as_eval_tta_does(members: list[Path]) -> None:
    result = ensemble(members, tta="flip")
    assert result.tta == "flip"
    for accuracy, path in zip(result.member_accuracy, members, strict=True):
        assert accuracy == evaluate_run(path, tta="flip").accuracy
    with pytest.raises(ConfigError, match="--tta: expected one of none, flip, 10crop, multiscale"):
        ensemble(members, tta="rotate")


def test_runs_whose_test_splits_differ_are_refused(members: list[Path], tmp_path: Path) -> None:
    """The digits have no official test split: it is drawn with the run's seed."""
    other_seed = train(tmp_path / "seed1", max_steps=1, seed=1, tensorboard=False)
    with pytest.raises(DataError) as caught:
        ensemble([members[0], other_seed])
    assert str(caught.value) == (
        f"run {other_seed}: its test split of 'digits' holds other images than {members[0]}'s "
        "(the split follows the seed: 1 against 0), so a member may have trained on another's "
        "test images; ensemble runs whose test splits agree"
    )


@pytest.mark.slow  # starts a cnnlab process
def test_cli_prints_members_and_ensemble(members: list[Path]) -> None:
    result = run_cli("ensemble", *map(str, members), "--data", "digits")
    assert result.returncode == 0, result.stderr
    assert "lr=0.002" in result.stdout and "ensemble (mean softmax)" in result.stdout
    flipped = run_cli("ensemble", *map(str, members), "--tta", "flip")
    assert flipped.returncode == 0, flipped.stderr
    assert "ensemble (mean softmax, each over its flip views)" in flipped.stdout
    one = run_cli("ensemble", str(members[0]))
    assert one.returncode == 2 and "at least two run folders" in one.stderr
