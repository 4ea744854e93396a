"""Keeping learned layers fixed while the rest of the network learns the new task."""

from __future__ import annotations

from torch import nn

from cnnlab.errors import UnknownNameError


def frozen_modules(model: nn.Module, names: list[str]) -> list[nn.Module]:
    modules = dict(model.named_modules())
    for name in names:
        if name not in modules or not name:
            raise UnknownNameError("layer", name, [n for n in modules if n])
    return [modules[name] for name in names]


def freeze(model: nn.Module, names: list[str]) -> int:
    """Stop the gradient of every parameter under the modules ``names``; the number of
    parameters frozen. The optimiser is then built over the others only."""
    count = 0
    for module in frozen_modules(model, names):
        for param in module.parameters():
            param.requires_grad_(False)
            count += param.numel()
    return count


def hold_statistics(model: nn.Module, names: list[str]) -> None:
    """Batch norm inside frozen modules keeps its learned statistics: call after
    ``model.train()``, which would otherwise let them drift with the new data."""
    for module in frozen_modules(model, names):
        for layer in module.modules():
            if isinstance(layer, nn.modules.batchnorm._BatchNorm):
                layer.eval()
