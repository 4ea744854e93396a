"""Checks of a config against its model, made before any data is read or folder written."""

from __future__ import annotations

import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ConfigError, ModelError
from cnnlab.models.forward import Hooks, run_forward
from cnnlab.train.config import TrainConfig


def dropout_layers(model: nn.Module) -> list[str]:
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.modules.dropout._DropoutNd)
    ]


def check_device(config: TrainConfig) -> None:
    """A CUDA device asked for on a machine without one is refused before any work."""
    if config.device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(
            f"device {config.device!r}: this machine has no CUDA device "
            "(torch.cuda.is_available() is False); use --device cpu"
        )


def check_input_fits(config: TrainConfig, model: nn.Module, input_shape: tuple[int, ...]) -> None:
    """The model runs on the training images' shape (one pass on the meta device, no
    memory); otherwise a ModelError naming the failing layer and, where a larger image
    would work, the smallest input that works."""
    try:
        run_forward(model, tuple(input_shape), Hooks())
    except ModelError as exc:
        where = f"after --augment {config.augment}" if config.augment else "as loaded"
        size = "x".join(map(str, input_shape))
        raise ModelError(
            f"{config.model} cannot train on {config.data} images of {size} ({where}): {exc}. "
            "Change --image-size, --pad or --augment, or choose another model"
        ) from None


def check_validation(config: TrainConfig) -> None:
    """Without a validation split (``val_split`` 0, the whole official training split
    trains) nothing can decide early stopping or a plateau schedule."""
    if config.val_split > 0:
        return
    if config.early_stopping:
        raise ConfigError(
            f"early_stopping {config.early_stopping} needs a validation split, found val_split 0"
        )
    if config.schedule == "plateau":
        raise ConfigError("schedule 'plateau' needs a validation split, found val_split 0")


def check_model_options(config: TrainConfig, model: nn.Module | None = None) -> None:
    """Refuse options that would silently do nothing on ``config.model``: ``dropout`` on
    a model without dropout layers. The model is built on the meta device (no memory),
    except one whose layers follow the image size (an ``--arch`` spec): that one is checked
    once built for the images (``model``)."""
    if config.dropout is None:
        return
    if model is None:
        if models.get_model_info(config.model).takes_input_size:
            return
        with torch.device("meta"):
            model = models.create(config.model, **config.model_args)
    if dropout_layers(model):
        return
    with_dropout = []
    for info in models.list_models():
        with torch.device("meta"):
            if dropout_layers(models.create(info.name)):
                with_dropout.append(info.name)
    raise ConfigError(
        f"dropout {config.dropout} would change nothing: {config.model} has no dropout layer. "
        f"Models with dropout layers: {', '.join(with_dropout)}"
    )
