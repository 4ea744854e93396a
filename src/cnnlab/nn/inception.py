"""The Inception module of GoogLeNet (Szegedy et al., 2014) and its parts.

Four parallel branches concatenated along channels: a 1x1 convolution; a 1x1
reduction then 3x3; a 1x1 reduction then 5x5; 3x3 max pooling then a 1x1
projection. Names follow torchvision (``branch1`` ... ``branch4``, ``conv``/``bn``)
so its weight files load. torchvision's third branch uses a 3x3 kernel where the
paper has 5x5 (a known slip kept for its published weights): ``branch3_kernel``
chooses.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvBlock(nn.Module):
    """Convolution, optional batch norm (eps 1e-3, as torchvision's GoogLeNet), ReLU.

    Without batch norm the convolution has a bias, as in the paper.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        batch_norm: bool = False,
    ):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, padding, bias=not batch_norm
        )
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001) if batch_norm else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """One row of the GoogLeNet table: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj."""

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        *,
        branch3_kernel: int = 5,
        batch_norm: bool = False,
    ):
        super().__init__()
        bn = {"batch_norm": batch_norm}
        self.branch1 = ConvBlock(in_channels, ch1x1, 1, **bn)
        self.branch2 = nn.Sequential(
            ConvBlock(in_channels, ch3x3red, 1, **bn),
            ConvBlock(ch3x3red, ch3x3, 3, padding=1, **bn),
        )
        self.branch3 = nn.Sequential(
            ConvBlock(in_channels, ch5x5red, 1, **bn),
            ConvBlock(ch5x5red, ch5x5, branch3_kernel, padding=branch3_kernel // 2, **bn),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            ConvBlock(in_channels, pool_proj, 1, **bn),
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: 5x5/3 average pool (4x4 at 14x14), 1x1 conv 128, FC 1024, dropout."""

    def __init__(self, in_channels: int, num_classes: int, *, batch_norm: bool = False):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d((4, 4))
        self.conv = ConvBlock(in_channels, 128, 1, batch_norm=batch_norm)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(0.7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.conv(self.avgpool(x)), 1)  # (N, 2048)
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))
