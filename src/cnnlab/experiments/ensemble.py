"""Ensembles: the average of several runs' softmax outputs on one dataset's test split.

Averaging the class probabilities of independently trained networks lowers the error
below that of the members (Krizhevsky et al., 2012 averaged five CNNs this way).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.errors import ConfigError
from cnnlab.experiments.compare import run_labels
from cnnlab.train import Run


@dataclass
class EnsembleResult:
    """Test accuracy of each member (labelled by its differing config fields) and of
    their averaged softmax."""

    labels: list[str]
    member_accuracy: list[float]
    ensemble_accuracy: float
    images: int


def ensemble(
    paths: list[str | Path], data: str | None = None, split: str = "test"
) -> EnsembleResult:
    """Average the softmax outputs of the runs in ``paths`` on ``split``; every run must be
    trained on the same dataset (``data`` when given) with the same classes."""
    if len(paths) < 2:
        raise ConfigError(f"an ensemble needs at least two run folders, got {len(paths)}")
    runs = [Run.open(path, device="cpu") for path in paths]
    first = runs[0]
    for run in runs:
        expected = data or first.config.data
        if run.config.data != expected:
            raise ConfigError(
                f"run {run.path} was trained on {run.config.data!r}, expected {expected!r}: "
                "an ensemble averages runs on one dataset"
            )
        if run.classes != first.classes:
            raise ConfigError(
                f"run {run.path} has classes {run.classes}, expected those of "
                f"{first.path} {first.classes}"
            )
    labels = first.dataset(split).labels
    probabilities = []
    with torch.no_grad():
        for run in runs:
            test = run.dataset(split)
            if not torch.equal(test.labels, labels):
                raise ConfigError(
                    f"run {run.path}'s {split} split differs from that of {first.path} "
                    "(another seed or split): the members must see the same images"
                )
            probabilities.append(run.predict(test.images))
    member = [float((p.argmax(1) == labels).float().mean()) for p in probabilities]
    mean = torch.stack(probabilities).mean(0)
    return EnsembleResult(
        labels=run_labels(runs),
        member_accuracy=member,
        ensemble_accuracy=float((mean.argmax(1) == labels).float().mean()),
        images=len(labels),
    )
