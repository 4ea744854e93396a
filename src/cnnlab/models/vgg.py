"""VGG (Simonyan and Zisserman, 2014): configurations A, A-LRN, B, C, D and E.

Only 3x3 convolutions (stride 1, pad 1) and 2x2 max pooling, then three fully
connected layers. Configuration C puts a 1x1 convolution at the end of blocks 3-5;
A-LRN adds local response normalisation after the first layer. The ``*_bn`` rows
add batch normalisation after every convolution (not in the paper; torchvision's
variant). State_dict names and shapes equal torchvision's for vgg11/13/16/19 and
their ``_bn`` variants.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.models.contract import ClassifierContract, last_of
from cnnlab.models.registry import register_model
from cnnlab.nn.lrn import LocalResponseNorm

# An int is a 3x3 convolution with that many filters, (filters, 1) a 1x1 convolution,
# "M" 2x2 max pooling and "LRN" local response normalisation (Simonyan and Zisserman, 2015, Table
# 1).
VGG_CONFIGS: dict[str, list] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, (256, 1), "M",
          512, 512, (512, 1), "M", 512, 512, (512, 1), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
          512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}  # fmt: skip


def make_layers(config: list, in_channels: int, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = in_channels
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        elif item == "LRN":
            layers.append(LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0))
        else:
            filters, kernel = item if isinstance(item, tuple) else (item, 3)
            layers.append(nn.Conv2d(channels, filters, kernel, padding=kernel // 2))
            if batch_norm:
                layers.append(nn.BatchNorm2d(filters))
            layers.append(nn.ReLU(inplace=True))
            channels = filters
    return nn.Sequential(*layers)


class VGG(ClassifierContract):
    head_layers = ("classifier.6",)  # fc8

    def __init__(
        self,
        *,
        config: str = "D",
        batch_norm: bool = False,
        num_classes: int = 1000,
        in_channels: int = 3,
        adaptive_pool: bool = True,  # False: the paper's head, which needs a 224x224 input
    ):
        super().__init__()
        self.features = make_layers(VGG_CONFIGS[config], in_channels, batch_norm)
        self.cam_layer = last_of(self.features, nn.ReLU, "features")  # conv5's, 14x14 at 224
        # torchvision's adaptive pool (the identity at 224x224) lets any input size reach
        # the classifier; the paper has none, and its layer tables list none.
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7)) if adaptive_pool else None
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(4096, num_classes),
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)  # (N, 512, 7, 7) at 224x224

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        if self.avgpool is not None:
            x = self.avgpool(x)
        x = self.classifier[:-1](torch.flatten(x, 1))  # (N, 4096): fc7, after its dropout
        return x if pre_logits else self.classifier[-1](x)


SIMONYAN_2014 = (
    "Simonyan, Zisserman: Very Deep Convolutional Networks for Large-Scale Image Recognition"
)

# name, configuration, parameters with 1000 classes (without / with batch norm), MACs
# (the same with batch norm, which cnnlab.summary does not count)
VGG_ROWS = (
    ("vgg11", "A", 132_863_336, 132_868_840, 7_609_090_048),
    ("vgg11_lrn", "A-LRN", 132_863_336, None, 7_609_090_048),
    ("vgg13", "B", 133_047_848, 133_053_736, 11_308_466_176),
    ("vgg16_c", "C", 133_638_952, 133_647_400, 11_770_888_192),
    ("vgg16", "D", 138_357_544, 138_365_992, 15_470_264_320),
    ("vgg19", "E", 143_667_240, 143_678_248, 19_632_062_464),
)

for _name, _config, _params, _bn_params, _macs in VGG_ROWS:
    for _suffix, _bn, _count in (("", False, _params), ("_bn", True, _bn_params)):
        if _count is not None:
            register_model(
                _name + _suffix, family="vgg", paper=SIMONYAN_2014, year=2014,
                input_shape=(3, 224, 224), num_params=_count, macs=_macs, builder=VGG,
                config=_config, batch_norm=_bn,
            )  # fmt: skip

# VGG-16 as the paper and the lecture's layer table have it: no adaptive pool.
register_model(
    "vgg16_fixed", family="vgg", paper=SIMONYAN_2014, year=2014, input_shape=(3, 224, 224),
    num_params=138_357_544, macs=15_470_264_320, builder=VGG, config="D", batch_norm=False,
    adaptive_pool=False,
)  # fmt: skip
