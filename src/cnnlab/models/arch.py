"""``arch``: a network written as a layer spec (``cnnlab train --arch SPEC``).

The spec (see :mod:`cnnlab.nn.arch_spec`) is a constructor argument like any other, so a
run stores it in its config and weights metadata and ``cnnlab.Run`` rebuilds the same
network for eval, viz, report and every other command. The registered default is LeNet-5
(LeCun et al. 1998) as the lectures' modern table writes it, with tanh and average
pooling: 61,706 parameters, the count of ``lenet5``.

A spec may also live in a TOML file: ``layers = ["[conv3-32,relu]*2", "pool2", "fc"]``
(the items joined by commas) or ``spec = "..."``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.files import read_text
from cnnlab.models.contract import ClassifierContract
from cnnlab.models.registry import create, input_args, register_model
from cnnlab.nn.arch_build import build_arch
from cnnlab.nn.arch_spec import parse_arch

ARCH_MODEL = "arch"
LENET5_SPEC = "conv5-6,tanh,avgpool2,conv5-16,tanh,avgpool2,fc120,tanh,fc84,tanh,fc"
MAX_TOML_BYTES = 1 << 16  # a spec file is a few lines


class ArchNet(ClassifierContract):
    """The network ``spec`` writes, for inputs of ``in_channels`` x ``input_size``."""

    def __init__(
        self,
        *,
        spec: str = LENET5_SPEC,
        num_classes: int = 10,
        in_channels: int = 1,
        input_size: int | list[int] | tuple[int, int] = 32,
    ):
        super().__init__()
        height, width = (input_size, input_size) if isinstance(input_size, int) else input_size
        self.spec = spec
        built = build_arch(parse_arch(spec), (in_channels, height, width), num_classes)
        self.features = nn.Sequential(*built.features)
        self.classifier = nn.Sequential(*built.head)
        self.head_layers = (f"classifier.{len(self.classifier) - 1}",)
        maps = [i for i, s in enumerate(built.feature_shapes) if s[1] * s[2] > 1]
        # the last feature map larger than 1x1 (Grad-CAM's layer); the input for an MLP
        self.cam_layer = f"features.{maps[-1]}" if maps else ""

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.classifier[:-1](x)  # the final fc's input
        return x if pre_logits else self.classifier[-1](x)

    def extra_repr(self) -> str:
        return f"spec={self.spec!r}"


register_model(
    ARCH_MODEL,
    family="arch",
    paper="Your own network, written as --arch SPEC; the default spec is LeNet-5 (LeCun, "
    "Bottou, Bengio, Haffner)",
    year=1998,
    input_shape=(1, 32, 32),
    num_params=61_706,
    macs=416_520,
    builder=ArchNet,
    takes_input_size=True,
)


def create_arch(spec: str, input_shape: tuple[int, int, int], num_classes: int = 10) -> ArchNet:
    """The ``arch`` model for ``spec`` on inputs of ``input_shape`` (C, H, W), as
    ``models.create`` builds it (so ``cnnlab.summary`` titles it ``arch``)."""
    return create(
        ARCH_MODEL, spec=spec, num_classes=num_classes, **input_args(ARCH_MODEL, input_shape)
    )


def read_arch(value: str) -> str:
    """The spec ``value`` gives: the text itself, or the spec in a ``.toml`` file."""
    if not value.strip().lower().endswith(".toml"):
        return value
    path = Path(value.strip())
    try:
        table = tomllib.loads(read_text(path, MAX_TOML_BYTES, ConfigError))
    except ConfigError as exc:
        raise ConfigError(f"--arch file {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--arch file {path}: expected TOML, found an error: {exc}") from None
    return spec_of_table(path, table)


def spec_of_table(path: Path, table: dict[str, Any]) -> str:
    layers, spec = table.get("layers"), table.get("spec")
    if isinstance(spec, str) and layers is None:
        return spec
    strings = isinstance(layers, list) and all(isinstance(x, str) for x in layers)
    if spec is None and strings and layers:
        return ",".join(layers)
    raise ConfigError(
        f'--arch file {path}: expected spec = "..." or layers = ["...", ...] (strings), '
        f"found keys {sorted(table)}"
    )
