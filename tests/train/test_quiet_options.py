"""Options that used to do nothing, or something else than they said, without a word."""

from __future__ import annotations

import pytest
import torch

from cnnlab import data
from cnnlab.errors import ConfigError
from cnnlab.train import Run, TrainConfig, fit
from cnnlab.train.losses import multiclass_hinge


def tiny(out, **overrides) -> TrainConfig:
    values = dict(
        model="lenet5", data="digits", epochs=1, max_steps=4, batch_size=32,
        tensorboard=False, out=str(out),
    )  # fmt: skip
    return TrainConfig(**{**values, **overrides})


def test_dropout_on_a_model_without_dropout_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ConfigError, match=r"lenet5 has no dropout layer\. Models with .*alexnet"):
        fit(tiny(tmp_path / "run", dropout=0.5))
    assert not (tmp_path / "run").exists()


def test_image_size_resizes_a_built_in_dataset(tmp_path):
    fit(tiny(tmp_path / "run", model="smallcnn_bn", image_size=20))
    run = Run.open(tmp_path / "run")
    assert run.image_shape == (1, 20, 20) and run.input_shape == (1, 20, 20)
    assert run.dataset("test").images.shape[1:] == (1, 20, 20)


def test_the_validation_loss_is_the_configured_loss(tmp_path):
    fit(tiny(tmp_path / "run", loss="hinge", epochs=1, max_steps=0))
    run = Run.open(tmp_path / "run")
    row = run.metrics()[-1]
    with torch.no_grad():
        losses = [(multiclass_hinge(run.model(x), y), len(y)) for x, y in run.loader("val")]
    hinge = sum(loss.item() * n for loss, n in losses) / sum(n for _, n in losses)
    assert row["val_loss"] == pytest.approx(hinge, rel=1e-5)
    assert row["val_loss"] > 0.5  # a hinge loss after one short epoch, not cross-entropy


def test_val_split_0_trains_on_the_whole_official_training_split(tmp_path):
    official = data.load("digits", "train", val_split=0)
    assert len(data.load("digits", "val", val_split=0)) == 0
    fit(tiny(tmp_path / "run", val_split=0.0, max_steps=0))
    run = Run.open(tmp_path / "run")
    assert len(run.dataset("train")) == len(official) == 1437
    row = run.metrics()[-1]
    assert "val_loss" not in row and "train_loss" in row
    assert (tmp_path / "run" / "checkpoints" / "best.safetensors").is_file()


@pytest.mark.parametrize("option", [{"early_stopping": 3}, {"schedule": "plateau"}])
def test_what_needs_a_validation_split_is_refused_without_one(tmp_path, option):
    with pytest.raises(ConfigError, match="needs a validation split, found val_split 0"):
        fit(tiny(tmp_path / "run", val_split=0.0, **option))
    assert not (tmp_path / "run").exists()


def test_an_image_size_that_would_not_fit_in_memory_is_refused_before_allocating(tmp_path):
    with pytest.raises(ConfigError, match=r"would hold 1,293 images of 1x4096x4096, 20\.2 GiB"):
        fit(tiny(tmp_path / "run", image_size=4096))
    assert not (tmp_path / "run").exists()
