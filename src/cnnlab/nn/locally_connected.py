"""A locally connected layer: a convolution whose weights are not shared across positions.

Each output position has its own filter and bias (Taigman et al., 2014, DeepFace): a 32x32 input
with 3x3
fields and one output map has 30^2 x (3^2 + 1) = 9,000 parameters; with three input
channels 30^2 x (3 x 3^2 + 1) = 25,200. Sharing the weights gives a convolution.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ModelError


class LocallyConnected2d(nn.Module):
    """Unshared 2-D "convolution" for a fixed input size ``input_size`` (H, W)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        input_size: tuple[int, int],
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
    ):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.input_size = tuple(input_size)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        out_h, out_w = ((s + 2 * padding - kernel_size) // stride + 1 for s in self.input_size)
        if out_h < 1 or out_w < 1:
            raise ModelError(
                f"LocallyConnected2d: a {kernel_size}x{kernel_size} field does not fit "
                f"an input of {self.input_size[0]}x{self.input_size[1]} with padding {padding}"
            )
        self.output_size = (out_h, out_w)
        fan_in = in_channels * kernel_size**2
        bound = 1 / math.sqrt(fan_in)
        # One (out_channels, fan_in) filter per output position.
        self.weight = nn.Parameter(torch.empty(out_h * out_w, out_channels, fan_in))
        nn.init.uniform_(self.weight, -bound, bound)
        self.bias = nn.Parameter(torch.empty(out_channels, out_h, out_w)) if bias else None
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.in_channels, *self.input_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ModelError(
                f"LocallyConnected2d expects input (N, {', '.join(map(str, expected))}), "
                f"got {tuple(x.shape)}"
            )
        patches = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)
        out = torch.einsum("nfl,lof->nol", patches, self.weight)  # (N, out, positions)
        out = out.reshape(x.shape[0], self.out_channels, *self.output_size)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, input_size={self.input_size}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        )
