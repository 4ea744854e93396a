"""ResNets for ImageNet (He, Zhang, Ren and Sun, 2015) and their ImageNet descendants.

One class builds them all; the table below holds each variant's block type, blocks
per stage, cardinality and group width, the paper and the exact parameter count at
1000 classes (equal to torchvision's, whose state_dict names these models share):

====================  ==========  =============  ===========
name                  block       layers         params
====================  ==========  =============  ===========
resnet18              basic       2, 2, 2, 2     11,689,512
resnet34              basic       3, 4, 6, 3     21,797,672
resnet50              bottleneck  3, 4, 6, 3     25,557,032
resnet101             bottleneck  3, 4, 23, 3    44,549,160
resnet152             bottleneck  3, 8, 36, 3    60,192,808
resnext50_32x4d       bottleneck  3, 4, 6, 3     25,028,904
resnext101_32x8d      bottleneck  3, 4, 23, 3    88,791,336
wide_resnet50_2       bottleneck  3, 4, 6, 3     68,883,240
wide_resnet101_2      bottleneck  3, 4, 23, 3    126,886,696
====================  ==========  =============  ===========

A downsampling bottleneck strides on its 3x3 convolution, as torchvision's weights
expect. ``survival_prob_last < 1`` adds stochastic depth (linear decay to that value
over all blocks; the paper's batch mode, branch scaled by ``p`` at test time);
``se_reduction`` adds squeeze-and-excitation (see ``senet.py``).
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model
from cnnlab.nn.residual import BasicBlock, Bottleneck, projection_shortcut
from cnnlab.nn.stochastic_depth import linear_survival_probabilities

HE_2015 = "He, Zhang, Ren, Sun: Deep Residual Learning for Image Recognition"
XIE_2016 = (
    "Xie, Girshick, Dollar, Tu, He: Aggregated Residual Transformations for Deep Neural Networks"  # noqa: E501
)
ZAGORUYKO_2016 = "Zagoruyko, Komodakis: Wide Residual Networks"
BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}
STAGE_CHANNELS = (64, 128, 256, 512)


class ResNet(ClassifierContract):
    head_layers = ("fc",)
    cam_layer = "layer4"  # (N, 512 * expansion, 7, 7) at 224

    def __init__(
        self,
        *,
        block: str,
        layers: tuple[int, int, int, int],
        num_classes: int = 1000,
        in_channels: int = 3,
        groups: int = 1,  # ResNeXt cardinality
        width_per_group: int = 64,  # bottleneck width per group: 64 ResNet, 128 WRN-50-2
        se_reduction: int = 0,  # 16 for SE-ResNet; 0 means no squeeze-and-excitation
        survival_prob_last: float = 1.0,  # stochastic depth's p_L; 1 disables it
        zero_init_residual: bool = False,  # last BN of each branch starts at 0
    ):
        super().__init__()
        if block not in BLOCKS:
            raise ModelError(f"ResNet block must be one of {sorted(BLOCKS)}, got {block!r}")
        if len(layers) != 4 or min(layers) < 1:
            raise ModelError(f"ResNet needs 4 stages of at least one block, got layers={layers}")
        if groups > 1 and block == "basic":
            raise ModelError("grouped convolutions (ResNeXt) need block='bottleneck'")
        self.block = BLOCKS[block]
        self.block_options = {"se_reduction": se_reduction}
        if block == "bottleneck":
            self.block_options.update(groups=groups, width_per_group=width_per_group)
        survival = iter(linear_survival_probabilities(sum(layers), survival_prob_last))

        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.in_channels = 64
        self.layer1 = self._stage(64, layers[0], 1, survival)  # (N, 64e, 56, 56) at 224
        self.layer2 = self._stage(128, layers[1], 2, survival)  # (N, 128e, 28, 28)
        self.layer3 = self._stage(256, layers[2], 2, survival)  # (N, 256e, 14, 14)
        self.layer4 = self._stage(512, layers[3], 2, survival)  # (N, 512e, 7, 7)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * self.block.expansion, num_classes)
        init_resnet(self, zero_init_residual)

    def _stage(self, channels: int, blocks: int, stride: int, survival) -> nn.Sequential:
        out_channels = channels * self.block.expansion
        downsample = None
        if stride != 1 or self.in_channels != out_channels:
            downsample = projection_shortcut(self.in_channels, out_channels, stride)
        stage = []
        for i in range(blocks):
            stage.append(
                self.block(
                    self.in_channels,
                    channels,
                    stride if i == 0 else 1,
                    downsample if i == 0 else None,
                    survival_prob=next(survival),
                    **self.block_options,
                )
            )
            self.in_channels = out_channels
        return nn.Sequential(*stage)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, 64, 56, 56) at 224
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.layer4(x)  # (N, 512 * expansion, 7, 7) at 224

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = torch.flatten(self.avgpool(x), 1)
        return x if pre_logits else self.fc(x)


def init_resnet(model: nn.Module, zero_init_residual: bool = False) -> None:
    """He (fan-out) initialisation for convolutions, BN at scale 1 and shift 0.

    With ``zero_init_residual`` each branch's last BN starts at 0, so every block
    begins as the identity (Goyal et al., 2017).
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    if zero_init_residual:
        for m in model.modules():
            if isinstance(m, Bottleneck):
                nn.init.zeros_(m.bn3.weight)
            elif isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)


# name: (block, layers, groups, width_per_group, paper, year, params at 1000 classes)
IMAGENET_RESNETS = {
    "resnet18": ("basic", (2, 2, 2, 2), 1, 64, HE_2015, 2015, 11_689_512),
    "resnet34": ("basic", (3, 4, 6, 3), 1, 64, HE_2015, 2015, 21_797_672),
    "resnet50": ("bottleneck", (3, 4, 6, 3), 1, 64, HE_2015, 2015, 25_557_032),
    "resnet101": ("bottleneck", (3, 4, 23, 3), 1, 64, HE_2015, 2015, 44_549_160),
    "resnet152": ("bottleneck", (3, 8, 36, 3), 1, 64, HE_2015, 2015, 60_192_808),
    "resnext50_32x4d": ("bottleneck", (3, 4, 6, 3), 32, 4, XIE_2016, 2016, 25_028_904),
    "resnext101_32x8d": ("bottleneck", (3, 4, 23, 3), 32, 8, XIE_2016, 2016, 88_791_336),
    "wide_resnet50_2": ("bottleneck", (3, 4, 6, 3), 1, 128, ZAGORUYKO_2016, 2016, 68_883_240),
    "wide_resnet101_2": ("bottleneck", (3, 4, 23, 3), 1, 128, ZAGORUYKO_2016, 2016, 126_886_696),
}
# name: MACs of one 3x224x224 input at 1000 classes (cnnlab.summary's count)
IMAGENET_RESNET_MACS = {
    "resnet18": 1_814_073_344,
    "resnet34": 3_663_761_408,
    "resnet50": 4_089_184_256,
    "resnet101": 7_801_405_440,
    "resnet152": 11_513_626_624,
    "resnext50_32x4d": 4_230_479_872,
    "resnext101_32x8d": 16_414_015_488,
    "wide_resnet50_2": 11_398_021_120,
    "wide_resnet101_2": 22_753_050_624,
}


def _register() -> None:
    for name, (block, layers, groups, width, paper, year, params) in IMAGENET_RESNETS.items():
        register_model(
            name,
            family="resnet",
            paper=paper,
            year=year,
            input_shape=(3, 224, 224),
            num_params=params,
            macs=IMAGENET_RESNET_MACS[name],
            builder=ResNet,
            block=block,
            layers=layers,
            groups=groups,
            width_per_group=width,
        )


_register()
