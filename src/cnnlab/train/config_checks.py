"""The checks of the TrainConfig fields whose valid values are not a plain range: the model
and dataset names, the device, the model's constructor arguments and the two specs.

Each is a :class:`cnnlab.fields.Custom` check: ``fn(name, value)`` returns the value as
stored or raises a one-line :class:`~cnnlab.errors.ConfigError`.
"""

from __future__ import annotations

import json
from typing import Any

import torch

from cnnlab.data.augment import parse_augment
from cnnlab.data.preprocess import parse_preprocess
from cnnlab.data.registry import check_dataset
from cnnlab.errors import ConfigError, UnknownNameError
from cnnlab.fields import Custom, Integer, Invalid, shown


def check_spec(name: str, value: Any) -> str:
    """An ``--arch`` layer spec that parses (its shapes are checked against the images)."""
    if not isinstance(value, str):
        raise Invalid
    from cnnlab.nn.arch_spec import parse_arch

    parse_arch(value)  # a ConfigError pointing at the mistake
    return value


# model_args the trainer and the model builders read themselves, with their sane ranges
MODEL_ARG_RANGES = {
    "num_classes": Integer(1, 100_000),
    "in_channels": Integer(1, 64),
    "spec": Custom("a layer spec such as conv5-6,relu,pool2,fc", check_spec),
}
DEVICES = "cpu, cuda, cuda:N, mps or another device string torch.device accepts"


def check_model(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid
    from cnnlab.models import get_model_info  # the model modules: on first use

    try:
        get_model_info(value)
    except UnknownNameError as exc:
        raise ConfigError(str(exc)) from None
    return value


def check_model_args(name: str, value: Any) -> dict[str, Any]:
    """A JSON object of constructor arguments: string keys, JSON values with finite numbers,
    and ``num_classes`` / ``in_channels`` in their ranges."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise Invalid
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{name} must hold only JSON values (strings, finite numbers, true/false, null, "
            f"lists, objects), found {shown(value)}"
        ) from None
    for key, check in MODEL_ARG_RANGES.items():
        if key in value:
            check(f"{name} {key}", value[key])
    return dict(value)


def check_device(name: str, value: Any) -> str:
    """A device string torch parses back to itself (``cuda:1000`` wraps around in torch, so
    it is refused); whether the device exists is checked when training starts."""
    if not isinstance(value, str):
        raise Invalid
    try:
        parsed = torch.device(value)
    except (RuntimeError, ValueError, TypeError):
        raise Invalid from None
    if str(parsed) != value:
        raise Invalid
    return value


def check_augment(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid
    parse_augment(value)  # a ConfigError naming the bad token
    return value


def check_preprocess(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid
    parse_preprocess(value)
    return value


MODEL = Custom("a registered model name (see `cnnlab models`)", check_model)
MODEL_ARGS = Custom(
    "a JSON object (num_classes an integer in [1, 100000], in_channels in [1, 64])",
    check_model_args,
)
DATA = Custom("a registered dataset name or folder:PATH", check_dataset)
DEVICE = Custom(DEVICES, check_device)
AUGMENT = Custom("a spec of operations such as flip,crop:4", check_augment)
PREPROCESS = Custom("none, mean, standardize, pca[:eps=E] or zca[:eps=E] (E > 0)", check_preprocess)
