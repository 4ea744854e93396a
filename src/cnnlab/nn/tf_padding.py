"""Convolution and pooling with TensorFlow's "SAME" and "VALID" padding, for any stride.

VALID never pads: windows that do not fit are dropped (only ever at the right or
bottom). SAME pads so that the output has ceil(size / stride) positions, splitting the
padding evenly and putting the odd extra column on the right (or row at the bottom).
PyTorch's ``padding="same"`` only exists for stride 1 and pads symmetrically.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ModelError

PADDING_MODES = ("SAME", "VALID")


def _check_mode(padding: str) -> str:
    mode = padding.upper()
    if mode not in PADDING_MODES:
        raise ModelError(f"TensorFlow padding must be 'SAME' or 'VALID', got {padding!r}")
    return mode


def tf_output_size(size: int, kernel: int, stride: int, padding: str, dilation: int = 1) -> int:
    """Output positions along one axis, as TensorFlow computes them."""
    if _check_mode(padding) == "SAME":
        return math.ceil(size / stride)
    span = (kernel - 1) * dilation + 1
    if size < span:
        raise ModelError(f"VALID padding: input size {size} is smaller than the window {span}")
    return (size - span) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) zero padding of SAME along one axis; the odd one goes after."""
    span = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _pad_amounts(x: torch.Tensor, kernel, stride, dilation, padding: str) -> list[int]:
    """F.pad amounts (left, right, top, bottom) for an NCHW tensor; zeros for VALID."""
    if _check_mode(padding) == "VALID":
        return [0, 0, 0, 0]
    top, bottom = same_padding(x.shape[-2], kernel[0], stride[0], dilation[0])
    left, right = same_padding(x.shape[-1], kernel[1], stride[1], dilation[1])
    return [left, right, top, bottom]


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


class TFConv2d(nn.Conv2d):
    """``nn.Conv2d`` with ``padding="SAME"`` or ``"VALID"`` as TensorFlow means them."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding: str = "SAME",
        dilation=1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)
        self.tf_padding = _check_mode(padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = _pad_amounts(x, self.kernel_size, self.stride, self.dilation, self.tf_padding)
        return super().forward(F.pad(x, pad))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tf_padding={self.tf_padding!r}"


class TFMaxPool2d(nn.Module):
    """Max pooling with TensorFlow padding: padded positions never win (they are -inf)."""

    def __init__(self, kernel_size, stride=None, padding: str = "SAME"):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.tf_padding = _check_mode(padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = _pad_amounts(x, self.kernel_size, self.stride, (1, 1), self.tf_padding)
        return F.max_pool2d(F.pad(x, pad, value=-math.inf), self.kernel_size, self.stride)


class TFAvgPool2d(nn.Module):
    """Average pooling with TensorFlow padding: each mean is over real inputs only."""

    def __init__(self, kernel_size, stride=None, padding: str = "SAME"):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.tf_padding = _check_mode(padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = _pad_amounts(x, self.kernel_size, self.stride, (1, 1), self.tf_padding)
        sums = F.avg_pool2d(F.pad(x, pad), self.kernel_size, self.stride, divisor_override=1)
        ones = F.pad(torch.ones_like(x[:1, :1]), pad)
        counts = F.avg_pool2d(ones, self.kernel_size, self.stride, divisor_override=1)
        return sums / counts
