"""``cnnlab ensemble``: real digits runs averaged through Run.predict."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from cnnlab.errors import ConfigError, DataError, RunError
from cnnlab.experiments import ensemble
from cnnlab.export import export_run
from cnnlab.train import Run, TrainConfig, fit
from cnnlab.train.evaluate import evaluate_run
from cnnlab.weights.io import read_weights, write_weights_file
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
    wrong = [set((p.argmax(1) != test.labels).nonzero().flatten().tolist()) for p in probabilities]
    assert result.missed_by_some == len(wrong[0] | wrong[1])
    assert result.missed_by_all == len(wrong[0] & wrong[1])
    assert result.missed_by_some > result.missed_by_all  # one-epoch members disagree somewhere


def test_refuses_another_dataset_name(members: list[Path]) -> None:
    with pytest.raises(ConfigError, match="trained on 'digits', expected 'mnist'"):
        ensemble(members, "mnist")


@pytest.mark.parametrize("tta", ["flip", "rotate"])
def test_test_time_augmentation_scores_each_member_as_eval_tta_does(
    members: list[Path], tta: str
) -> None:
    result = ensemble(members, tta=tta)
    assert result.tta == tta
    for accuracy, path in zip(result.member_accuracy, members, strict=True):
        assert accuracy == evaluate_run(path, tta=tta).accuracy
    with pytest.raises(ConfigError, match="--tta: expected one of none, flip, 10crop, rotate"):
        ensemble(members, tta="mirror")


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


def test_a_saved_ensemble_opens_as_a_run_and_scores_what_the_ensemble_scored(
    members: list[Path], tmp_path: Path
) -> None:
    """Members fitted to different preprocessing (standardized and raw pixels) each keep
    theirs inside the file; eval, predict and export read the committee like any run."""
    raw = train(tmp_path / "raw", preprocess="none", tensorboard=False)
    paths = [*members, raw]
    saved = tmp_path / "committee.safetensors"
    result = ensemble(paths, "digits", save=saved)
    assert result.saved == saved and saved.is_file()

    committee = Run.open(saved)
    assert (committee.meta["model"], committee.meta["accuracy"]) == (
        "ensemble",
        result.ensemble_accuracy,
    )
    assert evaluate_run(committee).accuracy == result.ensemble_accuracy
    images = committee.dataset("test").images
    runs = [Run.open(path) for path in paths]
    mean = torch.stack([run.predict(run.dataset("test").images) for run in runs]).mean(0)
    assert torch.allclose(committee.predict(images), mean, atol=1e-6)
    assert (
        evaluate_run(committee, tta="flip").accuracy
        == ensemble(paths, tta="flip").ensemble_accuracy
    )

    onnx = export_run(committee, "onnx", tmp_path / "committee.onnx")
    assert onnx.verification.top1_agreement == 1.0
    export_run(committee, "safetensors", tmp_path / "copy.safetensors")
    again = Run.open(tmp_path / "copy.safetensors")
    assert torch.allclose(again.predict(images), mean, atol=1e-6)


def test_save_refuses_another_file_kind_before_it_scores_anything(
    members: list[Path], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="--save: expected a file name ending in .safetensors"):
        ensemble(members, save=tmp_path / "committee.pt")
    assert not list(tmp_path.iterdir())


def test_save_refuses_a_whitened_member_naming_it_and_writes_nothing(
    members: list[Path], tmp_path: Path
) -> None:
    whitened = train(tmp_path / "zca", preprocess="zca", max_steps=1, tensorboard=False)
    saved = tmp_path / "committee.safetensors"
    with pytest.raises(ConfigError) as caught:
        ensemble([members[0], whitened], save=saved)
    assert str(caught.value) == (
        f"--save: run {whitened} whitens its input (zca), whose matrices do not travel in a "
        "weights file's metadata; expected none, mean or standardize"
    )
    assert not saved.exists()


def test_a_committee_file_with_broken_member_metadata_is_named(
    members: list[Path], tmp_path: Path
) -> None:
    saved = tmp_path / "committee.safetensors"
    ensemble(members, save=saved)
    tensors, meta = read_weights(saved)
    broken = tmp_path / "broken.safetensors"
    write_weights_file(tensors, broken, {**meta, "ensemble": "two networks"})
    with pytest.raises(RunError) as caught:
        Run.open(broken)
    assert str(caught.value) == (
        f"weights of run {broken}: expected a list of the ensemble's members, found 'two networks'"
    )


@pytest.mark.slow  # starts a cnnlab process
def test_cli_prints_members_and_ensemble(members: list[Path], tmp_path: Path) -> None:
    result = run_cli("ensemble", *map(str, members), "--data", "digits")
    assert result.returncode == 0, result.stderr
    assert "lr=0.002" in result.stdout and "ensemble (mean softmax)" in result.stdout
    scored = ensemble(members, "digits")
    assert (
        f"members: {scored.missed_by_some} images missed by at least one, "
        f"{scored.missed_by_all} by every one (no average of them can fix those)"
    ) in result.stdout
    flipped = run_cli("ensemble", *map(str, members), "--tta", "flip")
    assert flipped.returncode == 0, flipped.stderr
    assert "ensemble (mean softmax, each over its flip views)" in flipped.stdout
    one = run_cli("ensemble", str(members[0]))
    assert one.returncode == 2 and "at least two run folders" in one.stderr
    saved = tmp_path / "committee.safetensors"
    done = run_cli("ensemble", *map(str, members), "--save", str(saved))
    assert done.returncode == 0, done.stderr
    assert f"ensemble saved: {saved} (cnnlab eval {saved} scores it)" in done.stdout
    evaluated = run_cli("eval", str(saved))
    assert evaluated.returncode == 0, evaluated.stderr
    accuracy = ensemble(members).ensemble_accuracy
    assert f"test accuracy {accuracy:.4f}" in evaluated.stdout
