"""SqueezeNet 1.0 and 1.1 (Iandola et al., 2016): AlexNet accuracy with 50x fewer weights.

Fire modules (a 1x1 squeeze, then 1x1 and 3x3 expands side by side) and a
convolutional classifier ending in global average pooling: no fully connected layer.
1.1 starts with a 3x3 convolution and pools earlier: 2.4x less computation, about
the same accuracy. State_dict names and shapes equal torchvision's.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import register_model
from cnnlab.nn.fire import Fire

# (first conv filters, kernel), then fire modules as (squeeze, expand) with "M" for pooling.
SQUEEZENET_LAYOUTS: dict[str, tuple[tuple[int, int], list]] = {
    "1_0": ((96, 7), [(16, 64), (16, 64), (32, 128), "M", (32, 128), (48, 192), (48, 192),
                      (64, 256), "M", (64, 256)]),
    "1_1": ((64, 3), [(16, 64), (16, 64), "M", (32, 128), (32, 128), "M", (48, 192),
                      (48, 192), (64, 256), (64, 256)]),
}  # fmt: skip


def make_features(version: str, in_channels: int) -> nn.Sequential:
    (filters, kernel), fires = SQUEEZENET_LAYOUTS[version]
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, filters, kernel_size=kernel, stride=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
    ]
    channels = filters
    for item in fires:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True))
        else:
            squeeze, expand = item
            layers.append(Fire(channels, squeeze, expand, expand))
            channels = 2 * expand
    return nn.Sequential(*layers)


class SqueezeNet(ClassifierContract):
    """The classifier is a convolution (conv10) before the global pooling, so
    ``forward_head(x, pre_logits=True)`` gives the (N, 512, H, W) map it reads."""

    head_layers = ("classifier.1",)  # conv10
    cam_layer = "features.12"  # the last fire module, (N, 512, 13, 13) at 224

    def __init__(self, *, version: str = "1_0", num_classes: int = 1000, in_channels: int = 3):
        super().__init__()
        self.features = make_features(version, in_channels)  # (N, 512, 13, 13) at 224x224
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Conv2d(512, num_classes, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
        )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.classifier[0](x)  # dropout
        return x if pre_logits else torch.flatten(self.classifier[1:](x), 1)


IANDOLA_2016 = (
    "Iandola et al.: SqueezeNet: AlexNet-level accuracy with 50x fewer parameters "
    "and <0.5MB model size"
)

# version, parameters and MACs at 1000 classes
for _version, _params, _macs in (("1_0", 1_248_424, 818_924_576), ("1_1", 1_235_496, 349_151_936)):
    register_model(
        f"squeezenet{_version}", family="squeezenet", paper=IANDOLA_2016, year=2016,
        input_shape=(3, 224, 224), num_params=_params, macs=_macs, builder=SqueezeNet,
        version=_version,
    )  # fmt: skip
