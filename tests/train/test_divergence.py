"""A run that diverges stops with the right diagnosis and never saves bad weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from cnnlab.errors import TrainingError
from cnnlab.train import Run, TrainConfig, Trainer, fit
from cnnlab.train.checkpoint import checkpoint_folders


def tiny(out, **overrides) -> TrainConfig:
    values = dict(data="digits", epochs=2, batch_size=32, tensorboard=False, out=str(out))
    return TrainConfig(**{**values, **overrides})


def test_exploded_but_finite_weights_are_never_saved(tmp_path):
    trainer = Trainer(tiny(tmp_path / "run", epochs=1))
    trainer.fit()
    before = checkpoint_folders(tmp_path / "run" / "checkpoints")
    with torch.no_grad():
        trainer.model.features[0].weight.fill_(4.6e23)
    with pytest.raises(
        TrainingError, match=r"weights exploded .* max \|features.0.weight\| is 4.6e\+23"
    ):
        trainer.save_checkpoint()
    with pytest.raises(TrainingError, match="weights exploded"):
        trainer.save_best()
    assert checkpoint_folders(tmp_path / "run" / "checkpoints") == before
    assert Run.open(tmp_path / "run").model.features[0].weight.abs().max() < 100


def test_non_finite_inputs_are_blamed_instead_of_the_learning_rate(tmp_path):
    trainer = Trainer(tiny(tmp_path / "run", check_every=1))
    trainer.preprocessor.std = [0.0]  # what an unguarded constant channel would do
    trainer.preprocessor.mean = [float("nan")]
    trainer.preprocessor.cache.clear()
    with pytest.raises(TrainingError, match="training batches are not finite") as info:
        trainer.fit()
    assert "learning rate may be too large" not in str(info.value)


def test_a_folder_of_solid_colours_trains_without_dividing_by_zero(tmp_path):
    colours = {"red": (255, 0, 0), "green": (0, 255, 0)}  # blue is 0 everywhere: std 0
    for name, rgb in colours.items():
        (tmp_path / "folder" / name).mkdir(parents=True)
        for i in range(12):
            shade = np.array(rgb, dtype=np.float64) * (0.5 + i / 24)
            pixels = np.broadcast_to(shade.astype(np.uint8), (8, 8, 3))
            Image.fromarray(np.ascontiguousarray(pixels)).save(
                tmp_path / "folder" / name / f"{i}.png"
            )
    config = tiny(
        tmp_path / "run", data=f"folder:{tmp_path / 'folder'}", model="smallcnn_bn",
        model_args={"in_channels": 3}, epochs=3, lr=1e-2, check_every=1,
    )  # fmt: skip
    result = fit(config)
    assert np.isfinite(result.loss)
    stored = Run.open(tmp_path / "run").preprocess
    assert stored.std[2] == 1.0 and stored.mean[2] == 0.0
