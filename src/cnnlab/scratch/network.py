"""A network of scratch layers, trained by plain minibatch gradient descent.

``w = w - lr * dE/dw`` at every layer, after one forward pass and one backward pass
through the layers in reverse: the training loop of the lectures with nothing hidden.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from cnnlab.errors import TrainingError, UnknownNameError
from cnnlab.fields import Integer, ListOf, Real
from cnnlab.scratch.layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU, Sigmoid, Tanh
from cnnlab.scratch.losses import LOSSES

Loss = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]

# the valid values of fit's and mlp's arguments (cnnlab.scratch.config declares them too)
LR = Real(0.0, low_open=True)
EPOCHS = Integer(1, 100_000)
BATCH_SIZE = Integer(1, 65_536)
SEED = Integer(0, 2**32 - 1, high_text="2**32 - 1")
LAYER_SIZES = ListOf(Integer(1, 10**7, high_text="10**7"))


class Network:
    def __init__(self, layers: list[Layer]):
        self.layers = layers

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self) -> Iterator[tuple[Layer, str]]:
        for layer in self.layers:
            for name in layer.params:
                yield layer, name

    def step(self, lr: float) -> None:
        for layer, name in self.parameters():
            layer.params[name] -= lr * layer.grads[name]

    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        return np.concatenate(
            [
                self.forward(x[i : i + batch_size]).argmax(axis=1)
                for i in range(0, len(x), batch_size)
            ]
        )

    def __repr__(self) -> str:
        return "Network(\n" + "".join(f"  {layer!r},\n" for layer in self.layers) + ")"


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def mlp(
    sizes: list[int], activation: str = "sigmoid", *, squash_output: bool = False, seed: int = 0
) -> Network:
    """Fully connected layers of ``sizes`` (input first) with ``activation`` between them;
    ``squash_output``: after the last one too (a sigmoid output trained on the squared
    error is Rumelhart's network; cross-entropy and hinge want raw scores)."""
    if activation not in ACTIVATIONS:
        raise UnknownNameError("activation", activation, ACTIVATIONS)
    LAYER_SIZES("mlp sizes", sizes)
    rng = np.random.default_rng(seed)
    layers: list[Layer] = [Flatten()]
    for fan_in, fan_out in zip(sizes, sizes[1:], strict=False):
        layers += [Linear(fan_in, fan_out, rng), ACTIVATIONS[activation]()]
    return Network(layers if squash_output else layers[:-1])


def small_cnn(
    in_channels: int, size: int, classes: int, *, channels: int = 8, seed: int = 0
) -> Network:
    """CONV 5x5 -> RELU -> POOL 2 -> FC: the smallest network of the lectures' pattern."""
    rng = np.random.default_rng(seed)
    pooled = (size - 4) // 2
    return Network(
        [
            Conv2d(in_channels, channels, 5, rng),
            ReLU(),
            MaxPool2d(2),
            Flatten(),
            Linear(channels * pooled * pooled, classes, rng),
        ]
    )


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float


def fit(
    net: Network,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    loss: str = "cross_entropy",
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 32,
    seed: int = 0,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> list[EpochRecord]:
    """Minibatch gradient descent; a NaN or infinite loss stops with the step that made it."""
    if loss not in LOSSES:
        raise UnknownNameError("loss", loss, LOSSES)
    arguments = {"lr": (LR, lr), "epochs": (EPOCHS, epochs), "batch_size": (BATCH_SIZE, batch_size)}
    for name, (check, value) in {**arguments, "seed": (SEED, seed)}.items():
        check(name, value)  # a ConfigError before any step: batch_size must be an integer...
    loss_fn: Loss = LOSSES[loss]
    x, y = train
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        total = 0.0
        for step, start in enumerate(range(0, len(x), batch_size)):
            batch = order[start : start + batch_size]
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
                value, grad = loss_fn(net.forward(x[batch]), y[batch])
            if not math.isfinite(value):
                raise TrainingError(
                    f"loss became {value} at epoch {epoch}, step {step}: the learning rate "
                    f"{lr} may be too large"
                )
            net.backward(grad)
            net.step(lr)
            total += value * len(batch)
        record = EpochRecord(
            epoch,
            total / len(x),
            float(np.mean(net.predict(x) == y)),
            float(np.mean(net.predict(test[0]) == test[1])),
        )
        history.append(record)
        if on_epoch:
            on_epoch(record)
    return history
