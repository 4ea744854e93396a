"""Writing a module in each format: ONNX (dynamic batch), TorchScript, safetensors."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnnlab.weights.io import weight_tensors, write_weights_file

DEFAULT_OPSET = 17  # ONNX opset: onnxruntime 1.16 and later run it
INPUT, OUTPUT = "input", "logits"


def write_onnx(module: nn.Module, example: torch.Tensor, path: Path, opset: int) -> None:
    """``module`` as ONNX with a dynamic batch dimension. The example holds two or more
    images: a batch of one would fix the dimension at 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter's notices
        torch.onnx.export(
            module,
            (example,),
            str(path),
            input_names=[INPUT],
            output_names=[OUTPUT],
            dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
            opset_version=opset,
            dynamo=False,  # the TorchScript-based exporter: seconds, and no onnxscript
        )


def write_torchscript(module: nn.Module, example: torch.Tensor, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notices on shape arithmetic
        traced = torch.jit.trace(module, (example,), check_trace=False)
    traced.save(str(path))


def write_safetensors(model: nn.Module, path: Path, meta: dict[str, Any]) -> None:
    """The model's weights with cnnlab's metadata: a file that opens as a run."""
    write_weights_file(weight_tensors(model), path, meta)
