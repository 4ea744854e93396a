"""Checks of a config against its model, made before any data is read or folder written."""

from __future__ import annotations

import torch
from torch import nn

from cnnlab import models
from cnnlab.errors import ConfigError
from cnnlab.train.config import TrainConfig


def dropout_layers(model: nn.Module) -> list[str]:
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.modules.dropout._DropoutNd)
    ]


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


def check_model_options(config: TrainConfig) -> None:
    """Refuse options that would silently do nothing on ``config.model``: ``dropout`` on
    a model without dropout layers. The model is built on the meta device (no memory)."""
    if config.dropout is None:
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
