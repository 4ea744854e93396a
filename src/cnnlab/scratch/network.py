"""A network of scratch layers, trained by minibatch gradient descent.

One forward pass, one backward pass through the layers in reverse, then every weight moves
by its optimiser's rule (plain ``w = w - lr * dE/dw`` by default; momentum, Nesterov,
AdaGrad, RMSProp and Adam in :mod:`cnnlab.scratch.optimizers`): the training loop of the
lectures with nothing hidden.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from cnnlab.errors import ModelError, TrainingError, UnknownNameError
from cnnlab.fields import Integer, ListOf, Real
from cnnlab.scratch.layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU, Sigmoid, Tanh
from cnnlab.scratch.losses import LOSSES
from cnnlab.scratch.optimizers import Optimizer, make_optimizer

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

    def train(self, mode: bool = True) -> Network:
        """Dropout and batch norm in training (``mode``) or evaluation behaviour."""
        for layer in self.layers:
            if hasattr(layer, "training"):
                layer.training = mode
        return self

    def eval(self) -> Network:
        return self.train(False)

    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Class indices, in evaluation behaviour."""
        self.eval()
        try:
            return np.concatenate(
                [
                    self.forward(x[i : i + batch_size]).argmax(axis=1)
                    for i in range(0, len(x), batch_size)
                ]
            )
        finally:
            self.train()

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


def lenet5(in_channels: int, size: int, classes: int, *, seed: int = 0) -> Network:
    """LeNet-5 as ``cnnlab.models.create("lenet5")`` builds it, from scratch layers: C1 6@5x5,
    ReLU, pool 2, C3 16@5x5, ReLU, pool 2, C5 120@5x5, ReLU, F6 84, ReLU, output; 61,706
    parameters at 1x32x32 and 10 classes."""
    rng = np.random.default_rng(seed)
    after = ((size - 4) // 2 - 4) // 2 - 4  # C5's output side
    if after < 1:
        raise ModelError(f"lenet5 needs images of at least 32x32 pixels, found {size}x{size}")
    return Network(
        [
            Conv2d(in_channels, 6, 5, rng),
            ReLU(),
            MaxPool2d(2),
            Conv2d(6, 16, 5, rng),
            ReLU(),
            MaxPool2d(2),
            Conv2d(16, 120, 5, rng),
            ReLU(),
            Flatten(),
            Linear(120 * after * after, 84, rng),
            ReLU(),
            Linear(84, classes, rng),
        ]
    )


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    train_accuracy: float
    val_accuracy: float  # on the held-out split fit was given (a validation split)
    seconds: float  # the epoch's training steps, without the accuracy passes


def fit(
    net: Network,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    *,
    loss: str = "cross_entropy",
    optimizer: str | Optimizer = "sgd",
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 32,
    seed: int = 0,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> list[EpochRecord]:
    """Minibatch gradient descent with ``optimizer`` (a name or an Optimizer), measuring the
    held-out ``val`` split after every epoch; ``on_batch(done, total)`` after every step. A
    NaN or infinite loss stops with the step that made it."""
    if loss not in LOSSES:
        raise UnknownNameError("loss", loss, LOSSES)
    arguments = {"lr": (LR, lr), "epochs": (EPOCHS, epochs), "batch_size": (BATCH_SIZE, batch_size)}
    for name, (check, value) in {**arguments, "seed": (SEED, seed)}.items():
        check(name, value)  # a ConfigError before any step: batch_size must be an integer...
    rule = make_optimizer(optimizer, lr) if isinstance(optimizer, str) else optimizer
    loss_fn: Loss = LOSSES[loss]
    x, y = train
    rng = np.random.default_rng(seed)
    history = []
    net.train()
    batches = math.ceil(len(x) / batch_size)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        total, started = 0.0, time.perf_counter()
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
            pairs = list(net.parameters())
            rule.step(
                [layer.params[n] for layer, n in pairs], [layer.grads[n] for layer, n in pairs]
            )
            total += value * len(batch)
            if on_batch:
                on_batch(step + 1, batches)
        seconds = time.perf_counter() - started
        record = EpochRecord(
            epoch,
            total / len(x),
            float(np.mean(net.predict(x) == y)),
            float(np.mean(net.predict(val[0]) == val[1])),
            seconds,
        )
        history.append(record)
        if on_epoch:
            on_epoch(record)
    return history
