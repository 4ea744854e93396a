"""The model registry: every architecture with the facts its paper gives.

A registration is one row: name, family, paper, year, default input shape, and the
parameter count and MACs at the default arguments. Variants of a family are rows that
bind different arguments to one builder, not separate builder functions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from cnnlab.errors import ModelError, UnknownNameError


@dataclass(frozen=True)
class ModelInfo:
    name: str
    family: str
    paper: str  # authors and title, as cited
    year: int
    input_shape: tuple[int, int, int]  # (C, H, W) the paper trains on
    num_params: int  # expected parameter count with the default arguments
    # multiply-adds of one input of input_shape with the default arguments, as
    # cnnlab.summary(model, input_shape).total_macs counts them (tests recompute it)
    macs: int
    builder: Callable[..., nn.Module] = field(repr=False, compare=False)
    defaults: dict[str, Any] = field(default_factory=dict)  # arguments bound by this row
    takes_input_size: bool = False  # the builder needs input_size=[H, W] (an --arch spec's fc)


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(
    name: str,
    *,
    family: str,
    paper: str,
    year: int,
    input_shape: tuple[int, int, int],
    num_params: int,
    macs: int,
    builder: Callable[..., nn.Module] | None = None,
    takes_input_size: bool = False,
    **defaults: Any,
):
    """Register ``builder`` (or the decorated function) under ``name``.

    ``defaults`` are keyword arguments this row binds (a depth, a width, a block type).
    A duplicate name is an error: two rows must never shadow each other silently.
    """

    def add(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is registered twice")
        _REGISTRY[name] = ModelInfo(
            name, family, paper, year, tuple(input_shape), num_params, macs, fn, dict(defaults),
            takes_input_size,
        )  # fmt: skip
        return fn

    return add(builder) if builder is not None else add


def get_model_info(name: str) -> ModelInfo:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("model", name, _REGISTRY) from None


def list_models(family: str | None = None) -> list[ModelInfo]:
    rows = _REGISTRY.values()
    families = {info.family for info in rows}
    if family is not None and family not in families:
        raise UnknownNameError("model family", family, families)
    return [info for info in rows if family is None or info.family == family]


def create(name: str, **kwargs: Any) -> nn.Module:
    """Build the registered model ``name``; ``kwargs`` override the row's defaults.

    >>> create("lenet5", num_classes=10)  # doctest: +SKIP
    """
    info = get_model_info(name)
    if "weights" in kwargs:  # torchvision's habit; the registry sits below the weights layer
        raise ModelError(
            f"model {name!r}: create() builds fresh models; for learned weights use "
            f"cnnlab.create_model({name!r}, weights={kwargs['weights']!r})"
        )
    args = {**info.defaults, **kwargs}
    try:
        model = info.builder(**args)
    except TypeError as exc:
        raise ModelError(f"model {name!r} does not accept these arguments {args}: {exc}") from exc
    model.cnnlab_name = name  # type: ignore[attr-defined]
    model.cnnlab_args = dict(kwargs)  # type: ignore[attr-defined]
    return model


def input_args(name: str, input_shape: tuple[int, ...]) -> dict[str, Any]:
    """The constructor arguments that follow from the input shape (C, H, W): ``in_channels``,
    and ``input_size`` for a model whose layers depend on the image size."""
    args: dict[str, Any] = {"in_channels": input_shape[0]}
    if get_model_info(name).takes_input_size:
        args["input_size"] = list(input_shape[1:])
    return args


def builder_with(fn: Callable[..., nn.Module], **bound: Any) -> Callable[..., nn.Module]:
    """A builder with some arguments fixed, for table-driven variant rows."""
    return functools.partial(fn, **bound)
