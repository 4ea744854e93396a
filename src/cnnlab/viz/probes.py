"""Reaching inside a model: pixel-scale inputs, layers by name, and a layer's activation.

The attribution and synthesis functions take any ``nn.Module``. A run's
:class:`~cnnlab.train.run.PixelModel` (``Run.pixel_model()``) takes images on the 0..1
pixel scale, so a grey occluder is 0.5, an adversarial epsilon is in pixel units and a
synthesised image is drawable as it is. Layer names always refer to the wrapped model's
own names (``features.3``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.train.run import PixelModel
from cnnlab.viz.activations import find_layer as find_named_layer


def unwrap(model: nn.Module) -> nn.Module:
    return model.model if isinstance(model, PixelModel) else model


def layer_names(model: nn.Module) -> list[str]:
    """Every named submodule, in registration order."""
    return [name for name, _ in unwrap(model).named_modules() if name]


def find_layer(model: nn.Module, name: str) -> nn.Module:
    """The submodule called ``name`` of ``model`` (or of the model a PixelModel wraps)."""
    return find_named_layer(unwrap(model), name)


def cam_layer(model: nn.Module) -> str:
    """The layer Grad-CAM uses by default: the one the model declares (``cam_layer`` of
    :class:`~cnnlab.models.contract.ClassifierContract`)."""
    inner = unwrap(model)
    name = getattr(inner, "cam_layer", None)
    if not isinstance(name, str):
        raise ModelError(
            f"{type(inner).__name__} declares no cam_layer: name the layer to use (--layer)"
        )
    return name


class _Reached(Exception):
    def __init__(self, output: torch.Tensor):
        self.output = output


@contextmanager
def recording(layer: nn.Module) -> Iterator[list[torch.Tensor]]:
    """Record ``layer``'s output (with its graph) on each forward pass while the block runs.

    The hook hands a copy on to the rest of the network, so an in-place ReLU after the
    layer cannot overwrite the recorded tensor.
    """
    outputs: list[torch.Tensor] = []

    def hook(_module: nn.Module, _inputs: object, output: torch.Tensor) -> torch.Tensor:
        outputs.append(output)
        return output.clone()

    handle = layer.register_forward_hook(hook)
    try:
        yield outputs
    finally:
        handle.remove()


def activation(model: nn.Module, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``layer``'s output for input ``x``; the forward pass stops there, so later layers
    need not accept the input's size (a photograph through a 32x32 network's convolutions)."""

    def stop(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        raise _Reached(output)

    handle = layer.register_forward_hook(stop)
    try:
        model(x)
    except _Reached as reached:
        return reached.output
    finally:
        handle.remove()
    raise ModelError(f"layer {type(layer).__name__} did not run in the forward pass")


@contextmanager
def frozen(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode (dropout off, batch-norm statistics fixed), restored after."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
