"""A weights file with a run's metadata (cnnlab export --format safetensors) opens as a run."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from cnnlab.errors import RunError
from cnnlab.export import export_run
from cnnlab.train import Run
from conftest import run_cli


@pytest.fixture(scope="module")
def exported(digits_run, tmp_path_factory):
    path = tmp_path_factory.mktemp("exported") / "lenet5-digits.safetensors"
    export_run(Run.open(digits_run), "safetensors", path)
    return path


def test_an_exported_weights_file_opens_as_the_run_it_came_from(digits_run, exported):
    run, copy = Run.open(digits_run), Run.open(exported)
    assert (copy.classes, copy.image_shape, copy.input_shape) == (
        run.classes, run.image_shape, run.input_shape,
    )  # fmt: skip
    images = run.dataset("test").images
    assert torch.equal(copy.predict(images), run.predict(images))
    assert copy.training_border() == run.training_border()


def test_predict_takes_a_weights_file_as_model(exported, digits_run, tmp_path):
    from PIL import Image

    image = Run.open(digits_run).dataset("test").images[0, 0].numpy()
    Image.fromarray(image).save(tmp_path / "digit.png")
    from_run = run_cli("predict", str(digits_run), str(tmp_path / "digit.png"), "--format", "csv")
    from_file = run_cli("predict", str(exported), str(tmp_path / "digit.png"), "--format", "csv")
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout == from_run.stdout


def test_a_weights_file_without_a_runs_metadata_is_one_line(tmp_path):
    save_file({"w": torch.zeros(2)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(RunError, match="found metadata without classes, image_shape, model"):
        Run.open(tmp_path / "plain.safetensors")
    result = run_cli("predict", str(tmp_path / "plain.safetensors"), str(tmp_path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
