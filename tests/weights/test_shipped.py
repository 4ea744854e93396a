"""Shipped weights (cnnlab:NAME): verified at every load, scoring their recorded accuracy."""

from __future__ import annotations

import json
import tomllib

import pytest
import torch

from cnnlab.errors import CheckpointError
from cnnlab.train import Run, TrainConfig, evaluate_run, fit
from cnnlab.weights import read_weights, shipped
from conftest import REPO, SHARED_DATA, run_cli


@pytest.mark.parametrize("entry", list(shipped.SHIPPED.values()), ids=lambda e: e.name)
def test_each_shipped_file_verifies_and_scores_its_recorded_accuracy(entry, monkeypatch):
    if entry.dataset == "mnist":
        if not (SHARED_DATA / "mnist").is_dir():
            pytest.skip("MNIST is not at hand")
        monkeypatch.setenv("CNNLAB_DATA", str(SHARED_DATA))
    path = shipped.shipped_path(f"cnnlab:{entry.name}")
    assert path.stat().st_size == entry.size
    run = Run.open(f"cnnlab:{entry.name}")
    assert (run.config.model, run.config.data, run.image_shape) == (
        entry.model, entry.dataset, entry.image_shape,
    )  # fmt: skip
    result = evaluate_run(run)
    assert result.count == entry.test_images
    assert result.accuracy == entry.accuracy


def test_a_damaged_shipped_file_is_refused(tmp_path, monkeypatch):
    entry = shipped.SHIPPED["lenet5-digits"]
    damaged = bytearray(entry.path.read_bytes())
    damaged[-1] ^= 0xFF
    (tmp_path / entry.path.name).write_bytes(bytes(damaged))
    monkeypatch.setattr(shipped, "FILES", tmp_path)
    with pytest.raises(CheckpointError, match=f"expected {entry.size:,} bytes with sha256"):
        Run.open("cnnlab:lenet5-digits")


def test_an_unknown_shipped_name_is_one_line_with_the_known_names(tmp_path):
    result = run_cli("predict", "cnnlab:lenet5-mnsit", str(tmp_path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "unknown shipped model 'lenet5-mnsit'" in result.stderr
    assert "lenet5-mnist" in result.stderr


def test_training_starts_from_shipped_weights(tmp_path):
    out = tmp_path / "run"
    config = TrainConfig(
        model="lenet5", data="digits", epochs=1, max_steps=1, out=str(out),
        pretrained="cnnlab:lenet5-digits", tensorboard=False,
    )  # fmt: skip
    fit(config)
    start = Run.open(out).initial_model().state_dict()
    source = Run.open("cnnlab:lenet5-digits").model.state_dict()
    assert all(torch.equal(start[name], source[name]) for name in source)


def test_the_weights_command_lists_every_shipped_file():
    result = run_cli("weights")
    assert result.returncode == 0, result.stderr
    for entry in shipped.SHIPPED.values():
        assert f"cnnlab:{entry.name}" in result.stdout
        assert f"{100 * entry.accuracy:.2f}%" in result.stdout
    assert "torchvision:NAME  ImageNet" in result.stdout and "resnet18, resnet34" in result.stdout


@pytest.mark.slow
def test_the_digits_recipe_lands_within_a_point_of_the_shipped_accuracy(tmp_path):
    recipe = shipped.SHIPPED["lenet5-digits"]
    out = tmp_path / "run"
    result = run_cli("train", "--config", "recipes/lenet5-digits.toml", "--out", str(out), cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert abs(evaluate_run(out).accuracy - recipe.accuracy) <= 0.01


def test_the_shipped_mnist_model_reads_the_example_scan_as_a_seven(monkeypatch):
    """examples/seven.png: a dark 7 on light paper, 84x84; MNIST's digits are light on
    black, 28x28 padded to 32x32. No training data is needed: the border is recorded."""
    monkeypatch.delenv("CNNLAB_DATA", raising=False)
    result = run_cli("predict", "cnnlab:lenet5-mnist", str(REPO / "examples" / "seven.png"),
                     "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["predictions"]
    assert row["top"][0]["class"] == "7" and row["inverted"] is True


def test_a_saliency_map_from_shipped_weights_needs_no_training(tmp_path):
    out = tmp_path / "saliency.png"
    result = run_cli("viz", "saliency", "cnnlab:lenet5-digits", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_shipped_gives_the_model_the_run_holds():
    model = shipped.load_shipped("lenet5-digits")
    x = torch.rand(3, 1, 32, 32)
    assert torch.equal(model(x), Run.open("cnnlab:lenet5-digits").model(x))


@pytest.mark.parametrize("entry", list(shipped.SHIPPED.values()), ids=lambda e: e.name)
def test_each_entry_s_recipe_and_command_made_its_file(entry):
    """The configuration the file records is the recipe file's, with the --out the command
    names (and no --data-dir: the command finds MNIST through CNNLAB_DATA)."""
    recorded = read_weights(entry.path)[1]["recipe"]
    recipe = tomllib.loads((REPO / entry.recipe).read_text())
    assert {k: recorded[k] for k in recipe if k not in ("description", "out")} == {
        k: v for k, v in recipe.items() if k not in ("description", "out")
    }
    assert recorded["data_dir"] is None and "--data-dir" not in entry.command
    assert f"--config {entry.recipe} --out {recorded['out']} " in entry.command
    target = f"src/cnnlab/weights/files/{entry.path.name}"
    export = f" && cnnlab export {recorded['out']} --format safetensors --out {target}"
    assert entry.command.endswith(export)
