"""Evaluation: loss, top-1/top-5 accuracy and confusion matrix of a model on a split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import data
from cnnlab.data.augment import crop_pad, eval_transform, training_size
from cnnlab.data.preprocess import Preprocess, load_preprocess
from cnnlab.data.tta import TTA_MODES
from cnnlab.data.tta import predict as tta_predict
from cnnlab.errors import ConfigError
from cnnlab.train.config import TrainConfig
from cnnlab.train.metrics import RunningMetrics
from cnnlab.train.run import RunFolder

EVAL_BATCH_SIZE = 256


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
    )
    if config.pad:
        ds = data.Dataset(ds.name, F.pad(ds.images, [config.pad] * 4), ds.labels, ds.classes)
    return ds


@torch.no_grad()
def evaluate(model: nn.Module, loader: data.InMemoryLoader, num_classes: int) -> RunningMetrics:
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
    model: nn.Module, loader: data.InMemoryLoader, num_classes: int, tta: TestTimeAugment
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
    dataset = load_split(config, split)
    preprocess = load_preprocess(run.path)
    if tta == "none":
        loader = data.InMemoryLoader(
            dataset,
            EVAL_BATCH_SIZE,
            preprocess=preprocess,
            device=config.device,
            augment=eval_transform(config.augment),
        )
        metrics = evaluate(model, loader, dataset.num_classes)
    else:
        if tta not in TTA_MODES:
            raise ConfigError(
                f"unknown test-time augmentation {tta!r}: expected one of {', '.join(TTA_MODES)}"
            )
        height, width = training_size(config.augment, dataset.image_shape[1:])
        size = min(height, width)
        loader = data.InMemoryLoader(dataset, EVAL_BATCH_SIZE, device=config.device)
        spec = TestTimeAugment(tta, size, crop_pad(config.augment), preprocess)
        metrics = evaluate_tta(model, loader, dataset.num_classes, spec)
    return EvalResult.from_metrics(split, metrics, dataset.classes)
