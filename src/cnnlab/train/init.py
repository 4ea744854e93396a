"""Weight initialisation schemes for any model (Glorot and Bengio, 2010; He et al., 2015).

Every convolution and linear layer gets the scheme on its weight and zero bias;
batch-norm layers keep weight 1 and bias 0. ``constant`` is there to show the
symmetry problem: every hidden unit computes the same thing and gets the same
gradient, so they stay identical however long the network trains.
"""

from __future__ import annotations

from torch import nn

from cnnlab.errors import ConfigError
from cnnlab.train.config import INITS

LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def init_weights(model: nn.Module, scheme: str, *, std: float = 0.01, value: float = 0.1) -> int:
    """Initialise ``model`` in place; return how many layers were set."""
    if scheme not in INITS:
        raise ConfigError(f"unknown init {scheme!r}: expected one of {', '.join(INITS)}")
    if scheme == "default":
        return 0
    count = 0
    for module in model.modules():
        if not isinstance(module, LAYERS):
            continue
        if scheme == "xavier":
            nn.init.xavier_normal_(module.weight)
        elif scheme == "kaiming":
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
        elif scheme == "normal":
            nn.init.normal_(module.weight, 0.0, std)
        else:
            nn.init.constant_(module.weight, value)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
        count += 1
    return count


def set_dropout(model: nn.Module, p: float) -> int:
    """Set the drop probability of every dropout layer; return how many there were."""
    layers = [m for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    for layer in layers:
        layer.p = p
    return len(layers)
