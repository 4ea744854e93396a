"""SE-ResNets (Hu, Shen and Sun, 2017): ResNets with squeeze-and-excitation in every block.

Each bottleneck's branch is recalibrated by an SE module (reduction 16) before the
shortcut is added. For SE-ResNet-50 that adds, per block with ``C`` output channels,
``2 C^2 / 16 + C / 16 + C`` parameters: 3 x 8,464 + 4 x 33,312 + 6 x 132,160 +
3 x 526,464 = 2,530,992 on top of ResNet-50's 25,557,032, i.e. 28,088,024. The
names (``layer1.0.se.fc1``...) are timm's ``seresnet50``.
"""

from __future__ import annotations

from cnnlab.models.registry import register_model
from cnnlab.models.resnet import ResNet

HU_2017 = "Hu, Shen, Sun: Squeeze-and-Excitation Networks"

# name: (layers, params and MACs at 1000 classes)
SE_RESNETS = {
    "se_resnet50": ((3, 4, 6, 3), 28_088_024, 4_091_699_200),
    "se_resnet101": ((3, 4, 23, 3), 49_326_872, 7_806_148_608),
    "se_resnet152": ((3, 8, 36, 3), 66_821_848, 11_520_204_800),
}


def _register() -> None:
    for name, (layers, params, macs) in SE_RESNETS.items():
        register_model(
            name,
            family="senet",
            paper=HU_2017,
            year=2017,
            input_shape=(3, 224, 224),
            num_params=params,
            macs=macs,
            builder=ResNet,
            block="bottleneck",
            layers=layers,
            se_reduction=16,
        )


_register()
