"""Evaluation: loss, top-1/top-5 accuracy and confusion matrix of a model on a split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import data
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

    def as_dict(self) -> dict:
        return dict(self.__dict__)


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
    dataset = data.load(
        config.data, split, data_dir=config.data_dir, seed=config.seed, val_split=config.val_split
    )
    stats = run.read_json(run.preprocess_path)
    loader = data.InMemoryLoader(
        dataset, EVAL_BATCH_SIZE, mean=stats["mean"], std=stats["std"], device=config.device
    )
    metrics = evaluate(model, loader, dataset.num_classes)
    summary = metrics.summary()
    return EvalResult(
        split=split,
        loss=summary["loss"],
        accuracy=summary["accuracy"],
        top5=summary["top5"],
        count=metrics.count,
        confusion=metrics.confusion.tolist(),
        classes=dataset.classes,
    )
