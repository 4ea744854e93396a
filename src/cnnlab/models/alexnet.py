"""AlexNet and ZFNet: five convolutions, three fully connected layers.

Rows of one table:

- ``alexnet``: the one-tower network of the VGGNet-era lecture table and of
  torchvision (64-192-384-256-256 filters, 61,100,840 parameters); its state_dict
  names and shapes equal torchvision's, so those weight files load.
- ``alexnet2012``: the 2012 paper, 227x227 input (Krizhevsky et al., 2012): 96-256-384-384-256
  filters, conv2/4/5 split into two groups as the two GPUs were, local response
  normalisation (k=2, n=5, alpha=1e-4, beta=0.75) after conv1 and conv2, then max
  pooling; 60,965,224 parameters.
- ``zfnet``: Zeiler and Fergus 2013 as the lecture gives it: conv1 7x7 stride 2,
  conv3-5 with 512, 1024, 512 filters, one tower; sizes 224-110-55-26-13-13-13-6,
  contrast normalisation after the first two poolings.

Every row ends in an adaptive 6x6 average pool, the identity at the default input
size, so that other input sizes still reach the 6x6 classifier (torchvision's head).
``alexnet_fixed`` is ``alexnet`` without it, as the paper and the lecture's layer
table have it: it needs a 224x224 input.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.models.contract import ClassifierContract, last_of
from cnnlab.models.registry import register_model
from cnnlab.nn.lrn import LocalResponseNorm

# Layer specs: ("conv", filters, kernel, stride, padding, groups), ("pool", ceil_mode), ("lrn",)
ALEXNET_LAYOUTS: dict[str, tuple[tuple, ...]] = {
    "alexnet": (
        ("conv", 64, 11, 4, 2, 1), ("pool", False),
        ("conv", 192, 5, 1, 2, 1), ("pool", False),
        ("conv", 384, 3, 1, 1, 1), ("conv", 256, 3, 1, 1, 1), ("conv", 256, 3, 1, 1, 1),
        ("pool", False),
    ),
    "alexnet2012": (
        ("conv", 96, 11, 4, 0, 1), ("lrn",), ("pool", False),  # (N, 96, 27, 27)
        ("conv", 256, 5, 1, 2, 2), ("lrn",), ("pool", False),  # (N, 256, 13, 13)
        ("conv", 384, 3, 1, 1, 1), ("conv", 384, 3, 1, 1, 2), ("conv", 256, 3, 1, 1, 2),
        ("pool", False),  # (N, 256, 6, 6)
    ),
    "zfnet": (
        ("conv", 96, 7, 2, 1, 1), ("pool", True), ("lrn",),  # (N, 96, 55, 55)
        ("conv", 256, 5, 2, 0, 1), ("pool", True), ("lrn",),  # (N, 256, 13, 13)
        ("conv", 512, 3, 1, 1, 1), ("conv", 1024, 3, 1, 1, 1), ("conv", 512, 3, 1, 1, 1),
        ("pool", False),  # (N, 512, 6, 6)
    ),
}  # fmt: skip


def make_features(layout: tuple[tuple, ...], in_channels: int) -> tuple[nn.Sequential, int]:
    """The feature extractor for ``layout`` and its number of output channels."""
    layers: list[nn.Module] = []
    channels = in_channels
    for kind, *args in layout:
        if kind == "conv":
            filters, kernel, stride, padding, groups = args
            layers += [
                nn.Conv2d(channels, filters, kernel, stride, padding, groups=groups),
                nn.ReLU(inplace=True),
            ]
            channels = filters
        elif kind == "pool":
            layers.append(nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=args[0]))
        else:
            layers.append(LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0))
    return nn.Sequential(*layers), channels


class AlexNet(ClassifierContract):
    head_layers = ("classifier.6",)  # fc8

    def __init__(
        self,
        *,
        variant: str = "alexnet",
        num_classes: int = 1000,
        in_channels: int = 3,
        adaptive_pool: bool = True,  # False: no pool before the classifier, a fixed input size
    ):
        super().__init__()
        self.features, channels = make_features(ALEXNET_LAYOUTS[variant], in_channels)
        self.cam_layer = last_of(self.features, nn.ReLU, "features")  # conv5's, 13x13 at 224
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6)) if adaptive_pool else None
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(channels * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        if self.avgpool is not None:
            x = self.avgpool(x)
        x = self.classifier[:-1](torch.flatten(x, 1))  # (N, 4096): fc7
        return x if pre_logits else self.classifier[-1](x)


KRIZHEVSKY_2012 = (
    "Krizhevsky, Sutskever, Hinton: ImageNet Classification with Deep Convolutional Neural Networks"  # noqa: E501
)
KRIZHEVSKY_2014 = "Krizhevsky: One weird trick for parallelizing convolutional neural networks"
ZEILER_2013 = "Zeiler, Fergus: Visualizing and Understanding Convolutional Networks"

# name, layout, adaptive pool, paper, year, input size, parameters and MACs with 1000 classes
for _name, _variant, _pool, _paper, _year, _size, _params, _macs in (
    ("alexnet", "alexnet", True, KRIZHEVSKY_2014, 2014, 224, 61_100_840, 714_188_480),
    ("alexnet_fixed", "alexnet", False, KRIZHEVSKY_2014, 2014, 224, 61_100_840, 714_188_480),
    ("alexnet2012", "alexnet2012", True, KRIZHEVSKY_2012, 2012, 227, 60_965_224, 724_406_816),
    ("zfnet", "zfnet", True, ZEILER_2013, 2013, 224, 107_627_624, 2_476_704_896),
):
    register_model(
        _name, family="alexnet", paper=_paper, year=_year, input_shape=(3, _size, _size),
        num_params=_params, macs=_macs, builder=AlexNet, variant=_variant, adaptive_pool=_pool,
    )  # fmt: skip
