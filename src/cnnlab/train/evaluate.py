"""Evaluation: loss, top-1/top-5 accuracy and confusion matrix of a model on a split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import data
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


def evaluate_run(run_path: str | Path, split: str = "test", which: str = "last") -> EvalResult:
    """Rebuild model and data from the run folder alone and evaluate on ``split``."""
    run = RunFolder.open(run_path)
    config = run.config()
    model = run.load_model(which).to(config.device)
    dataset = load_split(config, split)
    stats = run.read_json(run.preprocess_path)
    loader = data.InMemoryLoader(
        dataset, EVAL_BATCH_SIZE, mean=stats["mean"], std=stats["std"], device=config.device
    )
    return EvalResult.from_metrics(
        split, evaluate(model, loader, dataset.num_classes), dataset.classes
    )
