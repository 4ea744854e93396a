"""Writing a module in each format: ONNX (dynamic batch), TorchScript, safetensors."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.weights.io import weight_tensors, write_weights_file

DEFAULT_OPSET = 17  # ONNX opset: onnxruntime 1.16 and later run it
INPUT, OUTPUT = "input", "logits"


def write_onnx(module: nn.Module, example: torch.Tensor, path: Path, opset: int) -> None:
    """``module`` as ONNX with a dynamic batch dimension. The example holds two or more
    images: a batch of one would fix the dimension at 1.

    The TorchScript-based exporter takes seconds; a graph it cannot express with a dynamic
    batch (adaptive pooling, as in AlexNet and VGG) goes through the torch.export-based
    one. A ModelError if neither can export it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript-based exporter's notices
            torch.onnx.export(
                module, (example,), str(path), input_names=[INPUT], output_names=[OUTPUT],
                dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
                opset_version=opset, dynamo=False,
            )  # fmt: skip
            return
    except torch.onnx.errors.OnnxExporterError:
        pass
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module, (example,), str(path), input_names=[INPUT], output_names=[OUTPUT],
                dynamic_shapes=({0: torch.export.Dim("batch")},), opset_version=opset,
                dynamo=True, external_data=False, verbose=False,
            )  # fmt: skip
    except Exception as exc:  # the exporter raises many types for an unsupported graph
        reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise ModelError(
            f"{type(module).__name__}: expected a graph ONNX opset {opset} can express, "
            f"found one the exporter refuses ({reason})"
        ) from None


def write_torchscript(module: nn.Module, example: torch.Tensor, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notices on shape arithmetic
        traced = torch.jit.trace(module, (example,), check_trace=False)
    traced.save(str(path))


def write_safetensors(model: nn.Module, path: Path, meta: dict[str, Any]) -> None:
    """The model's weights with cnnlab's metadata: a file that opens as a run."""
    write_weights_file(weight_tensors(model), path, meta)
