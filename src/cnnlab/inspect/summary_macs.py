"""Counting multiply-adds as a model runs, one multiply-add = 1.

A ``TorchFunctionMode`` sees every call to a torch function, whichever module (or
none) makes it, so functional convolutions and the locally connected layer's
``einsum`` are counted as well as ``nn.Conv2d`` and ``nn.Linear``. It counts what
torchvision's "GFLOPS" column and PyTorch's ``FlopCounterMode`` count (halved):

- convolution: ``k_h * k_w * C_in / groups`` per output element (stride and dilation
  change only the number of output elements); transposed: the same per input element;
- linear layers and matrix products: the inner dimension per output element;
- ``einsum``: the product of the sizes of all its indices.

Not counted: biases, normalisation, activations, pooling, additions, concatenation,
softmax and local response normalisation; on a modern CNN they are about 1% of the
work and no published MACs figure includes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import torch
from torch.overrides import TorchFunctionMode

Counter = Callable[[tuple, dict, torch.Tensor], int]


def _arg(args: tuple, kwargs: dict, index: int, name: str):
    return args[index] if len(args) > index else kwargs[name]


def _conv(args: tuple, kwargs: dict, out: torch.Tensor) -> int:
    weight = _arg(args, kwargs, 1, "weight")
    return out.numel() * math.prod(weight.shape[1:])


def _conv_transpose(args: tuple, kwargs: dict, out: torch.Tensor) -> int:
    x, weight = _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "weight")
    return x.numel() * math.prod(weight.shape[1:])


def _linear(args: tuple, kwargs: dict, out: torch.Tensor) -> int:
    return out.numel() * _arg(args, kwargs, 1, "weight").shape[-1]


def _matmul(args: tuple, kwargs: dict, out: torch.Tensor) -> int:
    return out.numel() * _arg(args, kwargs, 0, "input").shape[-1]


def _addmm(args: tuple, kwargs: dict, out: torch.Tensor) -> int:
    return out.numel() * _arg(args, kwargs, 1, "mat1").shape[-1]


def _einsum(args: tuple, kwargs: dict, out: torch.Tensor) -> int:
    equation, *operands = args
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    sizes: dict[str, int] = {}
    for term, operand in zip(equation.split("->")[0].split(","), operands, strict=False):
        letters = re.sub(r"[^A-Za-z]", "", term)
        if "..." not in term:
            sizes.update(zip(letters, operand.shape, strict=False))
    return math.prod(sizes.values()) if sizes else 0


COUNTERS: dict[str, Counter] = {
    **dict.fromkeys(("conv1d", "conv2d", "conv3d"), _conv),
    **dict.fromkeys(("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"), _conv_transpose),
    "linear": _linear,
    **dict.fromkeys(("matmul", "mm", "bmm"), _matmul),
    **dict.fromkeys(("addmm", "baddbmm"), _addmm),
    "einsum": _einsum,
}


class MacCounter(TorchFunctionMode):
    """Adds up the multiply-adds of the calls made while it is active (``total``)."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        count = COUNTERS.get(getattr(func, "__name__", ""))
        if count is not None and isinstance(out, torch.Tensor):
            self.total += count(args, kwargs, out)
        return out
