"""DenseNets for ImageNet (Huang, Liu, van der Maaten and Weinberger, 2017).

A 7x7 stride-2 convolution and 3x3 max pooling, four dense blocks of BN-ReLU-1x1
-3x3 layers (DenseNet-BC, bottleneck width ``bn_size * k``) separated by
transitions that halve channels and resolution, a final BN, ReLU, global average
pooling and a fully connected layer. Names and shapes are torchvision's
(``features.denseblock1.denselayer1.norm1.weight``):

===========  ===  ===============  ====  ==========
name         k    layers per block  C0   params
===========  ===  ===============  ====  ==========
densenet121  32   6, 12, 24, 16     64    7,978,856
densenet161  48   6, 12, 36, 24     96   28,681,000
densenet169  32   6, 12, 32, 32     64   14,149,480
densenet201  32   6, 12, 48, 32     64   20,013,928
===========  ===  ===============  ====  ==========
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model
from cnnlab.nn.dense import DenseBlock, Transition

HUANG_2017 = "Huang, Liu, van der Maaten, Weinberger: Densely Connected Convolutional Networks"


class DenseNet(ClassifierContract):
    head_layers = ("classifier",)
    cam_layer = "features.norm5"  # the last map, (N, C, 7, 7) at 224; its ReLU is functional

    def __init__(
        self,
        *,
        growth_rate: int = 32,  # k: channels each layer adds
        block_config: tuple[int, ...] = (6, 12, 24, 16),  # layers per dense block
        num_init_features: int = 64,  # channels of the stem convolution
        bn_size: int = 4,  # bottleneck width, in multiples of k
        drop_rate: float = 0.0,  # dropout after each layer's 3x3 convolution
        memory_efficient: bool = False,  # recompute bottlenecks in backward to save memory
        num_classes: int = 1000,
        in_channels: int = 3,
    ):
        super().__init__()
        if not block_config or min(block_config) < 1:
            raise ModelError(f"DenseNet needs blocks of at least one layer, got {block_config}")
        c0 = num_init_features
        stem = [
            ("conv0", nn.Conv2d(in_channels, c0, 7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),  # (N, C0, 56, 56)
        ]
        self.features = nn.Sequential(OrderedDict(stem))
        channels = num_init_features
        for i, num_layers in enumerate(block_config, start=1):
            block = DenseBlock(
                num_layers, channels, growth_rate, bn_size, drop_rate, memory_efficient
            )
            self.features.add_module(f"denseblock{i}", block)
            channels = block.out_channels
            if i < len(block_config):  # halve channels and resolution
                self.features.add_module(f"transition{i}", Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.features(x))  # (N, C, 7, 7) at 224

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return x if pre_logits else self.classifier(x)

    def new_head_layer(self, name: str, num_classes: int) -> nn.Module:
        layer = super().new_head_layer(name, num_classes)
        nn.init.zeros_(layer.bias)  # as _init_weights starts it
        return layer


# name: (growth rate, layers per block, stem channels, params and MACs at 1000 classes)
DENSENETS = {
    "densenet121": (32, (6, 12, 24, 16), 64, 7_978_856, 2_834_161_664),
    "densenet161": (48, (6, 12, 36, 24), 96, 28_681_000, 7_727_907_072),
    "densenet169": (32, (6, 12, 32, 32), 64, 14_149_480, 3_359_843_328),
    "densenet201": (32, (6, 12, 48, 32), 64, 20_013_928, 4_291_365_888),
}


def _register() -> None:
    for name, (k, blocks, c0, params, macs) in DENSENETS.items():
        register_model(
            name,
            family="densenet",
            paper=HUANG_2017,
            year=2017,
            input_shape=(3, 224, 224),
            num_params=params,
            macs=macs,
            builder=DenseNet,
            growth_rate=k,
            block_config=blocks,
            num_init_features=c0,
        )


_register()
