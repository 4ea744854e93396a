"""A model and its training data, prepared exactly as the trainer prepares them.

Either a fresh model (``models.create`` with the dataset's class and channel counts, the
config's initialisation and dropout) with the preprocessing fitted as training fits it, or
a trained run's model with the preprocessing it was trained with (``cnnlab.Run``). Batches
are the training split through the evaluation transform and that preprocessing: what the
model sees, without the random augmentation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from cnnlab import data, models
from cnnlab.data.augment import eval_transform
from cnnlab.data.preprocess import Preprocess, fit_preprocess
from cnnlab.errors import ConfigError
from cnnlab.train.checks import check_device
from cnnlab.train.config import TrainConfig
from cnnlab.train.init import init_weights, set_dropout
from cnnlab.train.resume import seed_everything
from cnnlab.train.run import Run
from cnnlab.train.splits import load_split

Batch = tuple[torch.Tensor, torch.Tensor]


@dataclass
class Prepared:
    config: TrainConfig
    model: nn.Module  # on config.device
    train: data.Dataset  # the training split (validation already held out)
    preprocess: Preprocess  # fitted on the training split, as training fits it

    @property
    def num_classes(self) -> int:
        return self.train.num_classes

    def loader(
        self, batch_size: int, *, dataset: data.Dataset | None = None, shuffle: bool = True
    ) -> data.InMemoryLoader:
        """Batches of ``dataset`` (the training split by default) as the model's input."""
        return data.InMemoryLoader(
            self.train if dataset is None else dataset,
            batch_size,
            preprocess=self.preprocess,
            augment=eval_transform(self.config.augmentation),
            shuffle=shuffle,
            seed=self.config.seed,
            device=self.config.device,
        )

    def batch(self, size: int, *, split: str = "train") -> Batch:
        """The first ``size`` images of a shuffled split, normalised."""
        if size < 1:
            raise ConfigError(f"a batch needs at least 1 image, found batch size {size}")
        dataset = self.train if split == "train" else load_split(self.config, split)
        return next(iter(self.loader(min(size, len(dataset)), dataset=dataset)))

    def fresh_model(self) -> nn.Module:
        """A newly initialised copy of the model, from the config's seed."""
        return build_model(self.config, self.train)


def endless(loader: data.InMemoryLoader) -> Iterator[Batch]:
    """Batches epoch after epoch, each epoch in its own order."""
    for epoch in itertools.count(1):
        loader.set_epoch(epoch)
        yield from loader


def build_model(config: TrainConfig, train: data.Dataset) -> nn.Module:
    seed_everything(config.seed, config.deterministic)
    args = {"num_classes": train.num_classes, **models.input_args(config.model, train.image_shape)}
    model = models.create(config.model, **{**args, **config.model_args})
    init_weights(model, config.init)
    if config.dropout is not None:
        set_dropout(model, config.dropout)
    return model.to(config.device)


def prepare(config: TrainConfig) -> Prepared:
    """A fresh model for ``config.model`` and the training split of ``config.data``."""
    models.get_model_info(config.model)  # an unknown name fails before any data is loaded
    check_device(config)
    train = load_split(config, "train")
    preprocess = fit_preprocess(config.preprocess, train, eval_transform(config.augmentation))
    return Prepared(config, build_model(config, train), train, preprocess)


def prepare_run(path: str | Path, which: str = "last") -> Prepared:
    """A trained run's model and the training split it was trained on."""
    run = Run.open(path, which)
    return Prepared(run.config, run.model, run.dataset("train"), run.preprocess)


def is_run_folder(name: str) -> bool:
    """Whether a MODEL|RUN argument names a run folder rather than a registered model."""
    return (Path(name) / "config.json").is_file()
