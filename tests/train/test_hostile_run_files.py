"""Run files replaced by hostile or damaged ones (their manifest recomputed, so checksums
match): each is refused with a message, never loaded, never hangs, never runs code."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from cnnlab import models
from cnnlab.errors import CheckpointError, RunError
from cnnlab.train import Run, TrainConfig, fit, resume
from cnnlab.train.checkpoint import checkpoint_folders
from cnnlab.viz.report import build_report


@pytest.fixture
def run(tmp_path) -> Path:
    out = tmp_path / "run"
    fit(TrainConfig(data="digits", epochs=1, max_steps=3, tensorboard=False, out=str(out)))
    return out


def newest(run: Path) -> Path:
    return checkpoint_folders(run / "checkpoints")[0]


def reseal(folder: Path) -> None:
    """Recompute the manifest's checksums, as an attacker who replaced the files would."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in manifest["sha256"]:
        manifest["sha256"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


class Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/cnnlab-pwned",))


def state_with(folder: Path, **changes) -> dict:
    state = torch.load(folder / "state.pt", weights_only=True)
    state.update(changes)
    return state


HOSTILE_STATES = {
    "a pickle of code": lambda folder: pickle.dumps({"step": Boom()}),
    "a state missing its fields": lambda folder: {"step": 5},
    "an epoch that is text": lambda folder: state_with(folder, epoch="two"),
    "a list": lambda folder: [1, 2, 3],
}


@pytest.mark.parametrize("kind", list(HOSTILE_STATES))
def test_a_hostile_training_state_is_skipped_and_resume_says_why(run, kind, capfd):
    folder = newest(run)
    value = HOSTILE_STATES[kind](folder)
    if isinstance(value, bytes):
        (folder / "state.pt").write_bytes(value)
    else:
        torch.save(value, folder / "state.pt")
    reseal(folder)
    with pytest.raises(CheckpointError, match="no checkpoint to resume from .* all 1 are damaged"):
        resume(run, {"epochs": 2})
    said = capfd.readouterr().err
    assert f"skipping damaged checkpoint {folder}" in said
    assert not Path("/tmp/cnnlab-pwned").exists()


def test_another_models_weights_are_skipped(run, capfd):
    folder = newest(run)
    tensors = {k: v.contiguous() for k, v in models.create("smallcnn_bn").state_dict().items()}
    save_file(tensors, str(folder / "model.safetensors"))
    reseal(folder)
    with pytest.raises(CheckpointError, match="all 1 are damaged"):
        resume(run, {"epochs": 2})
    assert "its weights do not fit the run's model" in capfd.readouterr().err


@pytest.mark.parametrize("name", ["state.pt", "manifest.json"])
def test_a_file_linked_to_a_device_is_refused_without_reading_it(run, name, capfd):
    folder = newest(run)
    (folder / name).unlink()
    (folder / name).symlink_to("/dev/zero")
    with pytest.raises(CheckpointError, match="all 1 are damaged"):
        resume(run, {"epochs": 2})
    assert "expected a regular file, found a symbolic link" in capfd.readouterr().err


@pytest.mark.parametrize(
    "metadata",
    [{"format": "pt"}, {"cnnlab": "not json"}, {"cnnlab": "[]"}],
    ids=["another tool's", "not JSON", "a list"],
)
def test_weights_with_foreign_metadata_give_one_clear_error(run, metadata):
    path = run / "checkpoints" / "last.safetensors"
    tensors = load_file(str(path))
    path.unlink()
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises((RunError, CheckpointError)) as info:
        Run.open(run)
    assert str(path) in str(info.value) or "model_args" in str(info.value)


def test_weights_asking_for_an_absurd_model_are_refused_before_building_it(run):
    path = run / "checkpoints" / "last.safetensors"
    tensors = load_file(str(path))
    meta = {"model": "lenet5", "model_args": {"num_classes": 10**11, "in_channels": 1}}
    path.unlink()
    save_file(tensors, str(path), metadata={"cnnlab": json.dumps(meta)})
    with pytest.raises(RunError, match=r"num_classes must be an integer in \[1, 100000\]"):
        Run.open(run)


def test_a_cut_last_metrics_line_is_dropped_and_the_rest_is_read(run, tmp_path):
    metrics = run / "metrics.jsonl"
    whole = metrics.read_text()
    metrics.write_text(whole + '{"epoch": 2, "train_lo')
    assert [row["epoch"] for row in Run.open(run).metrics()] == [1]
    assert build_report(run, tmp_path / "page.html").is_file()
    metrics.write_text('{"epoch": 1, "tr\n' + whole)
    with pytest.raises(RunError, match=r"metrics.jsonl, line 1: expected a JSON object"):
        Run.open(run).metrics()


@pytest.mark.parametrize(
    "name", ["config.json", "preprocess.json", "metrics.jsonl", "checkpoints/last.safetensors"]
)
def test_run_files_linked_to_a_device_are_refused_in_one_line(run, name):
    path = run / name
    path.unlink()
    path.symlink_to("/dev/zero")
    refused = "expected a regular file, found a symbolic link|expected config.json"
    with pytest.raises((RunError, CheckpointError), match=refused):
        Run.open(run).metrics()


def test_a_config_that_is_not_an_object_is_refused(run):
    (run / "config.json").write_text("[1, 2]")
    with pytest.raises(RunError, match=r"config.json: expected a JSON object of config fields"):
        Run.open(run)
