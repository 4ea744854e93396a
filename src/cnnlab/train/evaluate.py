"""Evaluation: loss, top-1/top-5 accuracy and confusion matrix of a model on a split."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import data
from cnnlab.data.augment import crop_pad, eval_transform, training_size
from cnnlab.data.folder_loader import StreamSplits, stream_splits
from cnnlab.data.loader import BatchTransform
from cnnlab.data.preprocess import Preprocess, load_preprocess
from cnnlab.data.tta import TTA_MODES
from cnnlab.data.tta import predict as tta_predict
from cnnlab.errors import ConfigError
from cnnlab.train.config import TrainConfig
from cnnlab.train.metrics import RunningMetrics
from cnnlab.train.run import RunFolder

EVAL_BATCH_SIZE = 256
FIT_SAMPLE = 4096  # training images a streamed run fits its preprocessing on


@dataclass
class EvalResult:
    split: str
    loss: float
    accuracy: float
    top5: float
    count: int
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    classes: list[str]
    per_class: list[float]  # accuracy of each class (recall)

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_metrics(cls, split: str, metrics: RunningMetrics, classes: list[str]) -> EvalResult:
        summary = metrics.summary()
        return cls(
            split=split,
            loss=summary["loss"],
            accuracy=summary["accuracy"],
            top5=summary["top5"],
            count=metrics.count,
            confusion=metrics.confusion.tolist(),
            classes=classes,
            per_class=metrics.per_class_accuracy(),
        )


def load_split(config: TrainConfig, split: str) -> data.Dataset:
    """One split of the run's dataset, padded as the run was (``config.pad``)."""
    ds = data.load(
        config.data,
        split,
        data_dir=config.data_dir,
        seed=config.seed,
        val_split=config.val_split,
        per_class=config.per_class,
        on_bad_image=config.on_bad_image,
        image_size=config.image_size or None,
    )
    if config.pad:
        ds = data.Dataset(ds.name, F.pad(ds.images, [config.pad] * 4), ds.labels, ds.classes)
    return ds


def folder_files(config: TrainConfig) -> StreamSplits:
    """The files of each split of a streamed image folder, split as :func:`load_split`
    splits the decoded folder."""
    return stream_splits(
        config.data.partition(":")[2] or config.data_dir or "",
        seed=config.seed,
        val_split=config.val_split,
        per_class=config.per_class,
        on_bad_image=config.on_bad_image,
        image_size=config.image_size or None,
    )


def fit_sample(config: TrainConfig, files: StreamSplits) -> data.Dataset:
    """The training images a streamed run fits its preprocessing (and PCA lighting) on: a
    seeded sample of ``FIT_SAMPLE`` (all of them in a smaller split), padded as the run is."""
    ds = files.sample("train", FIT_SAMPLE, config.seed)
    if config.pad:
        ds = data.Dataset(ds.name, F.pad(ds.images, [config.pad] * 4), ds.labels, ds.classes)
    return ds


def stream_loader(
    config: TrainConfig,
    files: StreamSplits,
    split: str,
    batch_size: int,
    *,
    preprocess: Preprocess | None = None,
    augment: BatchTransform | None = None,
) -> data.ImageFolderLoader:
    """One split of a streamed image folder, decoded in ``config.workers`` processes."""
    return data.ImageFolderLoader(
        files.root,
        batch_size,
        size=files.size,
        mode=files.mode,
        samples=files.splits[split],
        classes=files.classes,
        split=split,
        pad=config.pad,
        preprocess=preprocess,
        shuffle=split == "train",
        seed=config.seed,
        num_workers=None if config.workers < 0 else config.workers,
        augment=augment,
        on_bad_image=config.on_bad_image,
        device=config.device,
        channels_last=config.channels_last,
    )


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]], num_classes: int
) -> RunningMetrics:
    model.eval()
    metrics = RunningMetrics(num_classes, confusion=True)
    for x, y in loader:
        logits = model(x)
        metrics.update(F.cross_entropy(logits, y), logits, y)
    return metrics


@dataclass
class TestTimeAugment:
    mode: str  # flip, 10crop or multiscale
    size: int  # the model's input size (square)
    pad: int  # what 10-crop pads images no larger than the input by
    preprocess: Preprocess


@torch.no_grad()
def evaluate_tta(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    num_classes: int,
    tta: TestTimeAugment,
) -> RunningMetrics:
    """Like :func:`evaluate` on a loader of 0..1 batches (no preprocessing), averaging the
    softmax outputs of the test-time views; the loss is the NLL of the averaged output."""
    model.eval()
    metrics = RunningMetrics(num_classes, confusion=True)
    for x, y in loader:
        probs = tta_predict(
            model, x, tta.mode, size=tta.size, preprocess=tta.preprocess, pad=tta.pad
        )
        log_probs = probs.clamp_min(1e-12).log()
        metrics.update(F.nll_loss(log_probs, y), log_probs, y)
    return metrics


def evaluate_run(
    run_path: str | Path, split: str = "test", which: str = "last", tta: str = "none"
) -> EvalResult:
    """Rebuild model and data from the run folder alone and evaluate on ``split``, with the
    run's preprocessing (and its augment spec's centre crop) or test-time augmentation."""
    run = RunFolder.open(run_path)
    config = run.config()
    model = run.load_model(which).to(config.device)
    preprocess = load_preprocess(run.path)
    if config.stream:
        files = folder_files(config)
        classes = list(files.classes)
        image_size = (files.size[0] + 2 * config.pad, files.size[1] + 2 * config.pad)
    else:
        dataset = load_split(config, split)
        classes, image_size = dataset.classes, dataset.image_shape[1:]

    def loader(**kwargs: Any) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        if config.stream:
            return stream_loader(config, files, split, EVAL_BATCH_SIZE, **kwargs)
        return data.InMemoryLoader(dataset, EVAL_BATCH_SIZE, device=config.device, **kwargs)

    if tta == "none":
        batches = loader(preprocess=preprocess, augment=eval_transform(config.augment))
        metrics = evaluate(model, batches, len(classes))
    else:
        if tta not in TTA_MODES:
            raise ConfigError(
                f"unknown test-time augmentation {tta!r}: expected one of {', '.join(TTA_MODES)}"
            )
        height, width = training_size(config.augment, image_size)
        spec = TestTimeAugment(tta, min(height, width), crop_pad(config.augment), preprocess)
        metrics = evaluate_tta(model, loader(), len(classes), spec)
    return EvalResult.from_metrics(split, metrics, classes)
