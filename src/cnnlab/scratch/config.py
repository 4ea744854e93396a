"""The options of ``cnnlab scratch``, declared with their help and valid values like
:class:`cnnlab.train.TrainConfig`'s and checked when the config is built, before any data
is read: ``batch_size must be an integer in [1, 65536], found 0``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnnlab.fields import Custom, Integer, Invalid, Maybe, OneOf, Real, Text, option, validate
from cnnlab.scratch.losses import LOSSES
from cnnlab.scratch.network import ACTIVATIONS, BATCH_SIZE, EPOCHS, LR, SEED
from cnnlab.scratch.optimizers import OPTIMIZERS

NETS = ("mlp", "cnn", "lenet5")


def check_dataset(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid
    from cnnlab.data.registry import check_dataset as registered  # torch: on first use

    return registered(name, value)


@dataclass
class ScratchConfig:
    net: str = option(
        "mlp",
        "mlp (input -> hidden -> classes), cnn (conv 5x5, ReLU, pool 2, FC) or lenet5",
        OneOf(NETS, label="scratch network"),
    )
    data: str = option(
        "digits", "the dataset", Custom("a registered dataset name or folder:PATH", check_dataset)
    )
    data_dir: str | None = option(
        None, "dataset folder", Maybe(Text(), "None ($CNNLAB_DATA or the cache folder)")
    )
    hidden: int = option(64, "mlp: hidden units", Integer(1, 65_536))
    activation: str = option(
        "sigmoid", "mlp: activation between layers", OneOf(tuple(ACTIVATIONS), label="activation")
    )
    loss: str = option(
        "cross_entropy",
        "the loss (hinge: multiclass SVM; squared_error: sigmoid outputs, Rumelhart 1986)",
        OneOf(tuple(LOSSES), label="loss"),
    )
    optimizer: str = option(
        "sgd",
        "the update rule: sgd, momentum, nesterov, adagrad, rmsprop or adam",
        OneOf(tuple(OPTIMIZERS), label="optimizer"),
    )
    lr: float = option(0.5, "learning rate", LR)
    val_split: float = option(
        0.1,
        "fraction of the training split held out and measured after every epoch",
        Real(0.0, 1.0, low_open=True, high_open=True),
    )
    epochs: int = option(10, "passes over the training split", EPOCHS)
    batch_size: int = option(32, "images per step", BATCH_SIZE)
    seed: int = option(0, "seeds the weights and the shuffle order", SEED)

    def __post_init__(self) -> None:
        validate(self)
