"""Residual blocks (He, Zhang, Ren and Sun, 2015) and their shortcuts.

A block learns the residual ``F(x) = H(x) - x`` and outputs ``ReLU(F(x) + shortcut(x))``.
Names follow torchvision (``conv1``, ``bn1``, ..., ``downsample``) so its weight files
load into cnnlab's ResNets unchanged. Every block takes two options on top:
a squeeze-and-excitation module on the branch (SENet) and stochastic depth on the
branch (Huang et al.); ``residual=False`` removes the shortcut, giving the "plain"
network of the paper's degradation experiment.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.nn.squeeze_excitation import SqueezeExcitation
from cnnlab.nn.stochastic_depth import StochasticDepth


def conv3x3(in_channels: int, out_channels: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    """A 3x3 convolution with padding 1 and no bias (a batch norm follows it)."""
    return nn.Conv2d(
        in_channels, out_channels, 3, stride=stride, padding=1, groups=groups, bias=False
    )


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


def projection_shortcut(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """Option B: a strided 1x1 convolution and batch norm where the shape changes."""
    return nn.Sequential(conv1x1(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels))


class ZeroPadShortcut(nn.Module):
    """Option A: identity with stride-``s`` subsampling and zero-filled extra channels.

    It has no parameters, so a ResNet built with it has exactly as many parameters
    as its plain twin (the paper's CIFAR-10 comparison).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        if out_channels < in_channels:
            raise ModelError(
                f"a zero-padding shortcut cannot reduce channels: {in_channels} -> {out_channels}"
            )
        self.extra_channels, self.stride = out_channels - in_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # (N, C_in, H/s, W/s)
        return F.pad(x, (0, 0, 0, 0, 0, self.extra_channels))  # (N, C_out, H/s, W/s)


class _ResidualBlock(nn.Module):
    """What every post-activation block shares: ``ReLU(branch(x) + shortcut(x))``."""

    def _options(
        self, out_channels: int, downsample: nn.Module | None, residual: bool, se: int, sd: float
    ) -> None:
        if not residual and (downsample is not None or sd < 1.0):
            raise ModelError(
                "a plain block (residual=False) has no shortcut: it cannot take a downsample "
                f"module or stochastic depth (got survival_prob={sd})"
            )
        self.se = SqueezeExcitation(out_channels, se) if se else None
        self.stochastic_depth = StochasticDepth(sd) if sd < 1.0 else None
        self.downsample = downsample  # registered after ``se``, the order timm's files use
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        survived = None if self.stochastic_depth is None else self.stochastic_depth.draw()
        if survived is False:  # a dropped block is the identity: skip its branch entirely
            return F.relu(self._shortcut(x))  # not in place: x may be needed for backward
        branch = self.branch(x)
        if self.se is not None:
            branch = self.se(branch)
        if self.stochastic_depth is not None:
            branch = self.stochastic_depth(branch, survived)
        if self.residual:
            branch = branch + self._shortcut(x)
        return self.relu(branch)

    def _shortcut(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.downsample is None else self.downsample(x)


class BasicBlock(_ResidualBlock):
    """Two 3x3 convolutions (ResNet-18/34 and the CIFAR ResNets)."""

    expansion = 1

    def __init__(
        self,
        in_channels: int,
        channels: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        *,
        residual: bool = True,
        se_reduction: int = 0,  # 0: no squeeze-and-excitation
        survival_prob: float = 1.0,  # below 1: stochastic depth on the branch
    ):
        super().__init__()
        self.conv1 = conv3x3(in_channels, channels, stride)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)
        self._options(channels, downsample, residual, se_reduction, survival_prob)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))  # (N, C, H/s, W/s)
        return self.bn2(self.conv2(out))  # (N, C, H/s, W/s)


class Bottleneck(_ResidualBlock):
    """1x1 reduce, 3x3 (grouped for ResNeXt), 1x1 expand by ``expansion`` = 4.

    The inner width is ``channels * width_per_group / 64 * groups``: ResNet-50 has
    ``groups=1, width_per_group=64``; ResNeXt-50 32x4d ``groups=32, width_per_group=4``;
    Wide ResNet-50-2 ``width_per_group=128``. The stride sits on the 3x3 convolution,
    as in torchvision's weights ("ResNet v1.5"), not on the first 1x1 as in the paper.
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        channels: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        *,
        groups: int = 1,
        width_per_group: int = 64,
        residual: bool = True,
        se_reduction: int = 0,
        survival_prob: float = 1.0,
    ):
        super().__init__()
        width = int(channels * (width_per_group / 64.0)) * groups
        out_channels = channels * self.expansion
        self.conv1 = conv1x1(in_channels, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self._options(out_channels, downsample, residual, se_reduction, survival_prob)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))  # (N, width, H, W)
        out = self.relu(self.bn2(self.conv2(out)))  # (N, width, H/s, W/s)
        return self.bn3(self.conv3(out))  # (N, 4 * channels, H/s, W/s)


class PreActBasicBlock(nn.Module):
    """The wide residual block (Zagoruyko and Komodakis, 2016): BN-ReLU-conv, twice.

    Pre-activation ordering (He et al., "Identity Mappings", 2016) with optional
    dropout between the convolutions. Where the shape changes, a 1x1 convolution on
    the pre-activated input is the shortcut, as in the authors' code.
    """

    def __init__(self, in_channels: int, channels: int, stride: int = 1, dropout: float = 0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=False)  # its input is kept for the shortcut
        self.conv1 = conv3x3(in_channels, channels, stride)
        self.bn2 = nn.BatchNorm2d(channels)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None
        self.conv2 = conv3x3(channels, channels)
        needs_projection = stride != 1 or in_channels != channels
        self.shortcut = conv1x1(in_channels, channels, stride) if needs_projection else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = self.relu(self.bn1(x))  # (N, C_in, H, W)
        out = self.conv1(act)  # (N, C, H/s, W/s)
        out = self.relu(self.bn2(out))
        if self.dropout is not None:
            out = self.dropout(out)
        out = self.conv2(out)  # (N, C, H/s, W/s)
        return out + (x if self.shortcut is None else self.shortcut(act))
