"""Running an exported file and comparing its logits with PyTorch's on the same inputs."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.weights.io import read_weights

BATCH_SIZE = 256
Forward = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Verification:
    inputs: str  # what was compared: "test split (10,000 images)" or "64 random inputs"
    count: int
    max_abs_logit_diff: float
    max_abs_logit: float  # the largest PyTorch logit, the scale the difference is set against
    top1_agreement: float  # the fraction of inputs whose top class agrees

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return (
            f"verified on {self.inputs}: max |logit difference| {self.max_abs_logit_diff:.2e} "
            f"(largest |logit| {self.max_abs_logit:.3g}), "
            f"top-1 agreement {100 * self.top1_agreement:.2f}%"
        )


def onnx_forward(path: Path) -> Forward:
    try:
        import onnxruntime
    except ImportError:
        raise ConfigError(
            "verifying an ONNX export needs onnxruntime: expected it installed "
            "(pip install 'cnnlab[export]'), found it missing"
        ) from None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def forward(x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(session.run(None, {name: np.ascontiguousarray(x.numpy())})[0])

    return forward


def torchscript_forward(path: Path) -> Forward:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice
        module = torch.jit.load(str(path), map_location="cpu").eval()
    return lambda x: module(x)


def safetensors_forward(path: Path, build: Callable[[dict], nn.Module]) -> Forward:
    """The file read back into a model that ``build`` makes from its metadata."""
    tensors, meta = read_weights(path)
    model = build(meta)
    model.load_state_dict(tensors, strict=True)
    return model.eval()


@torch.no_grad()
def compare(
    reference: Forward, exported: Forward, inputs: torch.Tensor, described: str
) -> Verification:
    """Both forwards on ``inputs`` (CPU) in batches: the largest logit difference and the
    fraction of inputs whose top class agrees."""
    largest, scale, agree = 0.0, 0.0, 0
    for first in range(0, len(inputs), BATCH_SIZE):
        batch = inputs[first : first + BATCH_SIZE]
        expected = reference(batch).float()
        found = exported(batch).float()
        largest = max(largest, float((expected - found).abs().max()))
        scale = max(scale, float(expected.abs().max()))
        agree += int((expected.argmax(1) == found.argmax(1)).sum())
    return Verification(described, len(inputs), largest, scale, agree / max(1, len(inputs)))
