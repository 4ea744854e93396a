"""``cnnlab train --arch`` and ``cnnlab summary --arch``, run as a user runs them."""

from __future__ import annotations

import json

from conftest import run_cli_here

LENET5 = "conv5-6,tanh,avgpool2,conv5-16,tanh,avgpool2,fc120,tanh,fc84,tanh,fc"


def test_summary_of_lenet5_written_as_a_spec_counts_lenet5s_parameters():
    result = run_cli_here("summary", "--arch", LENET5, "--input", "1x32x32", "--format", "json")
    assert result.returncode == 0, result.stderr
    totals = json.loads(result.stdout)
    assert totals["total_params"] == 61_706 and totals["total_macs"] == 416_520


def test_a_network_trained_with_arch_reopens_for_eval(tmp_path):
    spec = "[conv3-8:p=1,relu,pool2]*2,bn,fc32,leaky0.1,dropout0.2,fc"
    out = tmp_path / "run"
    trained = run_cli_here(
        "train", "--arch", spec, "--data", "digits", "--epochs", "1", "--out", str(out)
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "arch" and config["model_args"]["spec"] == spec
    evaluated = run_cli_here("eval", str(out))
    assert evaluated.returncode == 0, evaluated.stderr
    trained_accuracy = trained.stdout.split("test accuracy ")[1].split()[0]
    assert f"{float(trained_accuracy):.4f}" in evaluated.stdout
    predicted = run_cli_here("predict", str(out), "--split", "test")
    assert predicted.returncode == 0, predicted.stderr
    assert f"{float(trained_accuracy):.4f}" in predicted.stdout
    onnx = tmp_path / "arch.onnx"
    exported = run_cli_here("export", str(out), "--format", "onnx", "--out", str(onnx))
    assert exported.returncode == 0, exported.stderr
    card = json.loads((tmp_path / "arch.onnx.json").read_text())
    assert card["verification"]["top1_agreement"] == 1.0
    summary = run_cli_here("summary", str(out), "--format", "json")
    assert json.loads(summary.stdout)["total_params"] == (
        (9 * 8 + 8) + (72 * 8 + 8) + 16 + (8 * 8 * 8 * 32 + 32) + (32 * 10 + 10)
    )


def test_a_spec_from_a_toml_file_trains_like_the_text(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('layers = ["conv5-4", "relu", "pool4", "fc"]\n')
    out = tmp_path / "run"
    result = run_cli_here(
        "train", "--arch", str(path), "--data", "digits", "--epochs", "1", "--max-steps", "2",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "config.json").read_text())["model_args"]["spec"] == (
        "conv5-4,relu,pool4,fc"
    )


def test_a_mistake_in_the_spec_exits_2_pointing_at_it_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    result = run_cli_here("train", "--arch", "conv3-8,reul,fc", "--out", str(out))
    assert result.returncode == 2
    assert "unknown layer 'reul'" in result.stderr
    assert "at character 9 (conv3-8,>>reul<<,fc)" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_network_the_images_do_not_fit_is_refused_before_training(tmp_path):
    out = tmp_path / "run"
    result = run_cli_here(
        "train", "--arch", "conv5-6:s=2,fc", "--data", "digits", "--out", str(out)
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--arch layer 1 'conv5-6:s=2' (character 1) received 1x32x32: stride 2" in result.stderr
    assert not (out / "checkpoints").exists()


def test_model_and_arch_together_are_refused():
    result = run_cli_here("summary", "lenet5", "--arch", LENET5)
    assert result.returncode == 2 and "not both" in result.stderr


def test_dropout_on_a_spec_without_dropout_is_refused_for_the_images_size(tmp_path):
    """The spec fits 28x28 images but not the 32x32 default: the check uses the images."""
    result = run_cli_here(
        "train", "--arch", "conv4-6:s=3,fc", "--data", "digits", "--image-size", "28",
        "--dropout", "0.3", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "dropout 0.3 would change nothing: arch has no dropout layer" in result.stderr
