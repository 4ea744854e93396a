"""One scratch training run from a :class:`ScratchConfig`: the data, the network, the
epochs with a validation split measured after each, and the test split measured once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnlab import data as datasets
from cnnlab.scratch.config import ScratchConfig
from cnnlab.scratch.network import EpochRecord, Network, fit, lenet5, mlp, small_cnn


@dataclass
class ScratchResult:
    network: Network
    history: list[EpochRecord]
    test_accuracy: float  # measured once, after the last epoch
    test_count: int


def build_network(config: ScratchConfig, image_shape: tuple[int, int, int], classes: int):
    channels, height, width = image_shape
    if config.net == "mlp":
        sizes = [channels * height * width, config.hidden, classes]
        squash = config.loss == "squared_error"
        return mlp(sizes, config.activation, squash_output=squash, seed=config.seed)
    if config.net == "lenet5":
        return lenet5(channels, height, classes, seed=config.seed)
    return small_cnn(channels, height, classes, seed=config.seed)


def as_arrays(dataset: datasets.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Pixels on 0..1 in float64, and the labels."""
    return dataset.images.numpy() / 255.0, dataset.labels.numpy()


def run_scratch(
    config: ScratchConfig,
    *,
    on_start: Callable[[Network], None] | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> ScratchResult:
    """Train ``config.net`` on the training split less ``val_split`` (seeded), measuring the
    held-out part every epoch; the test split is used once, at the end."""
    load = {"data_dir": config.data_dir, "seed": config.seed, "val_split": config.val_split}
    train = datasets.load(config.data, "train", **load)
    val = datasets.load(config.data, "val", **load)
    test = datasets.load(config.data, "test", **load)
    network = build_network(config, train.image_shape, train.num_classes)
    if on_start:
        on_start(network)
    history = fit(
        network,
        as_arrays(train),
        as_arrays(val),
        loss=config.loss,
        optimizer=config.optimizer,
        lr=config.lr,
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        on_epoch=on_epoch,
        on_batch=on_batch,
    )
    images, labels = as_arrays(test)
    accuracy = float(np.mean(network.predict(images) == labels))
    return ScratchResult(network, history, accuracy, len(labels))
