"""Wide Residual Networks for CIFAR (Zagoruyko and Komodakis, 2016).

WRN-d-k: a 3x3 convolution to 16 channels, then three groups of ``n = (d - 4) / 6``
pre-activation basic blocks with widths 16k, 32k, 64k on 32x32, 16x16 and 8x8
maps, a final BN-ReLU, global average pooling and a fully connected layer. The
paper's point: a shallow wide network (WRN-28-10, 36.5M parameters) beats a thin
1001-layer one, and its wide blocks run in parallel on a GPU. (The ImageNet
``wide_resnet50_2`` is a bottleneck ResNet in ``resnet.py``.)

For WRN-28-10 at 10 classes (n = 4, widths 160, 320, 640):

    stem     3*16*9                                           =        432
    group1   32 + 23,040 + 320 + 230,400 + 2,560              =    256,352
             + 3 * (320 + 230,400 + 320 + 230,400)            =  1,384,320
    group2   320 + 460,800 + 640 + 921,600 + 51,200           =  1,434,560
             + 3 * (640 + 921,600 + 640 + 921,600)            =  5,533,440
    group3   640 + 1,843,200 + 1,280 + 3,686,400 + 204,800    =  5,736,320
             + 3 * (1,280 + 3,686,400 + 1,280 + 3,686,400)    = 22,126,080
    head     1,280 + 640*10 + 10                              =      7,690
    total                                                     = 36,479,194
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model
from cnnlab.models.resnet import ZAGORUYKO_2016, init_resnet
from cnnlab.nn.residual import PreActBasicBlock


class WideResNet(ClassifierContract):
    head_layers = ("fc",)
    cam_layer = "relu"  # the final BN-ReLU, (N, 64k, 8, 8)

    def __init__(
        self,
        *,
        depth: int = 28,  # 6n + 4 weighted layers
        widen_factor: int = 10,  # k: the widths are 16k, 32k, 64k
        dropout: float = 0.0,  # between the two convolutions of a block (0.3 in the paper)
        num_classes: int = 10,
        in_channels: int = 3,
    ):
        super().__init__()
        if depth < 10 or (depth - 4) % 6:
            raise ModelError(f"a wide ResNet has depth 6n + 4 (16, 22, 28, 40, ...), got {depth}")
        if widen_factor < 1:
            raise ModelError(f"widen_factor must be a positive integer, got {widen_factor}")
        n = (depth - 4) // 6
        widths = (16 * widen_factor, 32 * widen_factor, 64 * widen_factor)
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=3, padding=1, bias=False)
        self.layer1 = self._group(16, widths[0], n, 1, dropout)  # (N, 16k, 32, 32)
        self.layer2 = self._group(widths[0], widths[1], n, 2, dropout)  # (N, 32k, 16, 16)
        self.layer3 = self._group(widths[1], widths[2], n, 2, dropout)  # (N, 64k, 8, 8)
        self.bn = nn.BatchNorm2d(widths[2])
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[2], num_classes)
        init_resnet(self)

    @staticmethod
    def _group(in_channels: int, channels: int, n: int, stride: int, dropout: float):
        blocks = [PreActBasicBlock(in_channels, channels, stride, dropout)]
        blocks += [PreActBasicBlock(channels, channels, 1, dropout) for _ in range(n - 1)]
        return nn.Sequential(*blocks)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)  # (N, 16, 32, 32)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.relu(self.bn(x))  # (N, 64k, 8, 8)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = torch.flatten(self.avgpool(x), 1)
        return x if pre_logits else self.fc(x)


# name: (depth, widen factor, params and MACs at 10 classes)
WIDE_RESNETS = {
    "wrn16_8": (16, 8, 10_961_370, 1_548_145_664),
    "wrn28_10": (28, 10, 36_479_194, 5_243_328_768),
    "wrn40_4": (40, 4, 8_949_210, 1_298_582_016),
}


def _register() -> None:
    for name, (depth, k, params, macs) in WIDE_RESNETS.items():
        register_model(
            name,
            family="wide_resnet",
            paper=ZAGORUYKO_2016,
            year=2016,
            input_shape=(3, 32, 32),
            num_params=params,
            macs=macs,
            builder=WideResNet,
            depth=depth,
            widen_factor=k,
        )


_register()
