"""Squeeze-and-excitation (Hu, Shen and Sun, 2017): learned per-channel reweighting.

Squeeze: global average pooling gives one number per channel, ``(N, C, 1, 1)``.
Excitation: two fully connected layers, ``C -> C/r -> C`` with ReLU then sigmoid,
give each channel a weight in (0, 1) that multiplies its feature map. The fully
connected layers are written as 1x1 convolutions with bias (``fc1``, ``fc2``, the
names timm uses), adding ``2 C^2 / r + C / r + C`` parameters per block.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError


class SqueezeExcitation(nn.Module):
    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        if reduction < 1 or channels % reduction:
            raise ModelError(
                f"squeeze-and-excitation needs channels divisible by the reduction: "
                f"got channels={channels}, reduction={reduction}"
            )
        hidden = channels // reduction
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, hidden, kernel_size=1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(hidden, channels, kernel_size=1)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.pool(x)  # (N, C, 1, 1): squeeze
        s = self.relu(self.fc1(s))  # (N, C/r, 1, 1)
        s = self.gate(self.fc2(s))  # (N, C, 1, 1): excitation, one weight per channel
        return x * s
