"""The CIFAR-10 ResNets of He et al. (2015, section 4.2), their plain twins, and
ResNet-110 with stochastic depth (Huang et al., 2016).

A 3x3 convolution to 16 channels, then three stages of ``n`` basic blocks at widths
16, 32, 64 on 32x32, 16x16 and 8x8 maps, global average pooling and a
fully connected layer: ``6n + 2`` weighted layers. Shortcuts are option A (identity,
stride-2 subsampling and zero-padded channels, no parameters), so a ResNet and its
plain twin (``shortcut="none"``) have the same parameter count:

    stem   3*16*9 + 2*16                                  =        464
    stage1 n * 2 * (16*16*9 + 2*16)                       =   4,672 n
    stage2 (16*32*9 + 64) + (32*32*9 + 64) + (n-1) 18,560 = 13,952 + 18,560 (n-1)
    stage3 (32*64*9 + 128) + (64*64*9 + 128) + (n-1) 73,984 = 55,552 + 73,984 (n-1)
    fc     64*10 + 10                                     =        650
    total                                                 = 97,216 n - 21,926

so ResNet-20/32/44/56/110 (n = 3, 5, 7, 9, 18) have 269,722 / 464,154 / 658,586 /
853,018 / 1,727,962 parameters (the paper's 0.27M, 0.46M, 0.66M, 0.85M, 1.7M).
Option B (``shortcut="B"``: 1x1 convolution and BN where the shape changes) adds
16*32 + 64 + 32*64 + 128 = 2,752: ResNet-20 then has 272,474.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model
from cnnlab.models.resnet import HE_2015, init_resnet
from cnnlab.nn.residual import BasicBlock, ZeroPadShortcut, projection_shortcut
from cnnlab.nn.stochastic_depth import linear_survival_probabilities

HUANG_2016 = "Huang, Sun, Liu, Sedra, Weinberger: Deep Networks with Stochastic Depth"
SHORTCUTS = ("A", "B", "none")  # "none" is the plain network


class CifarResNet(ClassifierContract):
    head_layers = ("fc",)
    cam_layer = "layer3"  # (N, 64, 8, 8)

    def __init__(
        self,
        *,
        depth: int,  # 6n + 2 weighted layers
        num_classes: int = 10,
        in_channels: int = 3,
        shortcut: str = "A",
        survival_prob_last: float = 1.0,  # stochastic depth's p_L; 1 disables it
    ):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ModelError(f"a CIFAR ResNet has depth 6n + 2 (20, 32, 44, ...), got {depth}")
        if shortcut not in SHORTCUTS:
            raise ModelError(f"shortcut must be one of {SHORTCUTS}, got {shortcut!r}")
        n = (depth - 2) // 6
        self.shortcut = shortcut
        survival = iter(linear_survival_probabilities(3 * n, survival_prob_last))
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._stage(16, 16, n, 1, survival)  # (N, 16, 32, 32)
        self.layer2 = self._stage(16, 32, n, 2, survival)  # (N, 32, 16, 16)
        self.layer3 = self._stage(32, 64, n, 2, survival)  # (N, 64, 8, 8)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)
        init_resnet(self)

    def _downsample(self, in_channels: int, channels: int, stride: int) -> nn.Module | None:
        if self.shortcut == "none" or (stride == 1 and in_channels == channels):
            return None
        if self.shortcut == "A":
            return ZeroPadShortcut(in_channels, channels, stride)
        return projection_shortcut(in_channels, channels, stride)

    def _stage(self, in_channels: int, channels: int, n: int, stride: int, survival):
        blocks = []
        for i in range(n):
            blocks.append(
                BasicBlock(
                    in_channels if i == 0 else channels,
                    channels,
                    stride if i == 0 else 1,
                    self._downsample(in_channels, channels, stride) if i == 0 else None,
                    residual=self.shortcut != "none",
                    survival_prob=next(survival),
                )
            )
        return nn.Sequential(*blocks)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))  # (N, 16, 32, 32)
        x = self.layer1(x)
        x = self.layer2(x)
        return self.layer3(x)  # (N, 64, 8, 8)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = torch.flatten(self.avgpool(x), 1)
        return x if pre_logits else self.fc(x)


# depth: parameters at 10 classes, option A or plain (the closed form above), and MACs of
# one 3x32x32 input (cnnlab.summary's count; option A's shortcuts and stochastic depth add none)
CIFAR_RESNETS = {
    20: (269_722, 40_551_040),
    32: (464_154, 68_862_592),
    44: (658_586, 97_174_144),
    56: (853_018, 125_485_696),
    110: (1_727_962, 252_887_680),
}


def _register() -> None:
    for depth, (params, macs) in CIFAR_RESNETS.items():
        for prefix, shortcut in (("resnet", "A"), ("plain", "none")):
            register_model(
                f"{prefix}{depth}",
                family="resnet_cifar",
                paper=HE_2015,
                year=2015,
                input_shape=(3, 32, 32),
                num_params=params,
                macs=macs,
                builder=CifarResNet,
                depth=depth,
                shortcut=shortcut,
            )
    register_model(
        "resnet110_stochastic_depth",
        family="resnet_cifar",
        paper=HUANG_2016,
        year=2016,
        input_shape=(3, 32, 32),
        num_params=CIFAR_RESNETS[110][0],
        macs=CIFAR_RESNETS[110][1],
        builder=CifarResNet,
        depth=110,
        survival_prob_last=0.5,
    )


_register()
