"""Optimisers of the lectures, with weight decay only where it belongs.

Biases and batch-norm parameters (every tensor with at most one dimension) get no
weight decay and no L1 penalty unless ``decay_all`` is set: decaying them only
pulls the network away from the shift and scale it needs.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab.train.config import TrainConfig


def split_decay(model: nn.Module, decay_all: bool) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """(decayed, not decayed) trainable parameters of ``model``."""
    decayed, kept = [], []
    for param in model.parameters():
        if param.requires_grad:
            (decayed if decay_all or param.ndim > 1 else kept).append(param)
    return decayed, kept


def build_optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    decayed, kept = split_decay(model, config.decay_all)
    groups = [{"params": decayed, "weight_decay": config.weight_decay}]
    if kept:
        groups.append({"params": kept, "weight_decay": 0.0})
    name, lr = config.optimizer, config.lr
    if name in ("sgd", "momentum", "nesterov"):
        momentum = 0.0 if name == "sgd" else config.momentum
        return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=name == "nesterov")
    if name == "adagrad":
        return torch.optim.Adagrad(groups, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, alpha=0.99)
    betas = (config.betas[0], config.betas[1])
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=lr, betas=betas)
    return torch.optim.Adam(groups, lr=lr, betas=betas)


def l1_penalty(params: list[nn.Parameter]) -> torch.Tensor:
    """The sum of absolute values of ``params`` (the L1 regulariser R(W) = sum |w|)."""
    return torch.stack([p.abs().sum() for p in params]).sum()
