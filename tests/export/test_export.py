"""cnnlab export: every file is run against PyTorch at once and described beside it."""

from __future__ import annotations

import copy
import hashlib
import json

import numpy as np
import onnxruntime
import pytest
import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ConfigError
from cnnlab.export import export_model, export_run
from cnnlab.models.registry import list_models
from cnnlab.train import Run, TrainConfig, fit
from conftest import run_cli_here


@pytest.fixture(scope="module")
def run(digits_run):
    return Run.open(digits_run)


@pytest.mark.parametrize(
    ("format", "with_preprocess"),
    [("onnx", False), ("onnx", True), ("torchscript", False), ("torchscript", True),
     ("safetensors", False)],
)  # fmt: skip
def test_an_exported_run_agrees_with_pytorch_on_the_test_split(
    run, tmp_path, format, with_preprocess
):
    out = tmp_path / f"model.{format}"
    report = export_run(run, format, out, with_preprocess=with_preprocess)
    assert report.verification.count == 360
    assert report.verification.top1_agreement == 1.0
    assert report.verification.max_abs_logit_diff < 1e-4
    card = json.loads((tmp_path / f"model.{format}.json").read_text())
    assert card["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert card["classes"] == run.classes and card["verification"]["count"] == 360
    assert card["input"]["dtype"] == ("uint8" if with_preprocess else "float32")
    assert card["accuracy"] == run.results()["accuracy"]


def test_onnx_with_preprocess_takes_uint8_pixels_in_any_batch_size(run, tmp_path):
    export_run(run, "onnx", tmp_path / "m.onnx", with_preprocess=True)
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"))
    assert session.get_inputs()[0].shape == ["batch", 1, 32, 32]
    images = run.dataset("test").images[:5]  # the example batch held 2
    logits = session.run(None, {"input": images.numpy()})[0]
    expected = run.model(run.prepare(images)).detach().numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-4)


SMALL = ["lenet5", "lenet5_1998", "smallcnn_bn", "resnet20", "plain20", "alphago_policy"]
LARGE = [info.name for info in list_models() if info.name not in SMALL]


def with_measured_batch_norm(model: nn.Module, input_shape: tuple[int, ...]) -> nn.Module:
    """``model`` in eval mode with each batch norm's running statistics measured on one batch
    of noise, as training leaves them. With the initial ones (mean 0, variance 1) a deep
    untrained network's activations grow block by block (SE-ResNet-152's logits reached
    8,675) until float32 rounding alone moves a logit by thousands."""
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # a cumulative average: after one batch, its statistics
    noise = torch.randn((2, *input_shape), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        model.train()(noise)
    return model.eval()


def float32_rounding(model: nn.Module, inputs: torch.Tensor) -> float:
    """How far PyTorch's own float32 logits lie from float64 ones: the most two float32
    engines can be asked to agree on. An untrained 110-layer plain network amplifies
    rounding layer by layer, so its exported file may differ by percents and still compute
    the same function."""
    with torch.no_grad():
        exact = copy.deepcopy(model).double()(inputs.double())
        return float((model(inputs).double() - exact).abs().max())


@pytest.mark.parametrize("format", ["onnx", "torchscript"])
@pytest.mark.parametrize(
    "name", SMALL + [pytest.param(name, marks=pytest.mark.slow) for name in LARGE]
)
def test_every_registered_model_exports_and_agrees(name, format, tmp_path):
    info = models.get_model_info(name)
    torch.manual_seed(0)
    model = with_measured_batch_norm(models.create(name), info.input_shape)
    report = export_model(model, info.input_shape, format, tmp_path / f"m.{format}", count=2)
    verification = report.verification
    inputs = torch.randn((2, *info.input_shape), generator=torch.Generator().manual_seed(0))
    close = verification.max_abs_logit_diff < 5e-3 * max(1.0, verification.max_abs_logit)
    assert close or verification.max_abs_logit_diff <= 4 * float32_rounding(model, inputs)
    # the top class may differ only where the two best scores lie closer than the files'
    # outputs differ: an untrained LeNet-5 (1998)'s RBF scores are nearly tied
    with torch.no_grad():
        best = model(inputs).topk(2, dim=1).values
    margin = float((best[:, 0] - best[:, 1]).min())
    assert verification.top1_agreement == 1.0 or margin <= 2 * verification.max_abs_logit_diff


def test_the_command_prints_the_verification_and_writes_the_card(digits_run, tmp_path):
    out = tmp_path / "lenet5.onnx"
    result = run_cli_here("export", str(digits_run), "--format", "onnx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "verified on the test split (360 images)" in result.stdout
    assert "top-1 agreement 100.00%" in result.stdout
    assert json.loads((tmp_path / "lenet5.onnx.json").read_text())["format"] == "onnx"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "tflite"], "--format: expected one of onnx, torchscript, safetensors"),
        (["--format", "safetensors", "--with-preprocess"], "found safetensors (weights only)"),
        (["--opset", "5"], "--opset: expected an ONNX opset from 13 to 21, found 5"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(digits_run, tmp_path, args, message):
    result = run_cli_here("export", str(digits_run), "--out", str(tmp_path / "m"), *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and list(tmp_path.iterdir()) == []


def test_a_model_file_that_is_not_a_run_is_one_line(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07junk")
    result = run_cli_here("export", str(tmp_path / "model.onnx"), "--out", str(tmp_path / "m.onnx"))
    assert result.returncode == 2 and "model.onnx" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_whitened_run_exports_its_preprocessing_in_the_graph_not_as_safetensors(tmp_path):
    out = tmp_path / "zca"
    fit(TrainConfig(model="lenet5", data="digits", epochs=1, max_steps=2, preprocess="zca",
                    out=str(out), tensorboard=False))  # fmt: skip
    run = Run.open(out)
    with pytest.raises(ConfigError, match="found zca whitening"):
        export_run(run, "safetensors", tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()
    report = export_run(run, "onnx", tmp_path / "m.onnx", with_preprocess=True)
    assert report.verification.top1_agreement == 1.0


def test_a_task_run_exported_as_safetensors_opens_with_its_head(task_runs, tmp_path):
    """The file's metadata carries the task head, so the weights rebuild the whole network."""
    for data in ("cluttered-mnist", "multi-mnist"):
        run = Run.open(task_runs[data])
        out = tmp_path / f"{data}.safetensors"
        report = export_run(run, "safetensors", out)
        assert report.verification.top1_agreement == 1.0
        assert report.card["head"] == run.model.head_args
        images = run.dataset("test").images
        again = Run.open(out)
        assert again.task == run.task
        assert torch.allclose(again.outputs(images), run.outputs(images), atol=1e-5)
