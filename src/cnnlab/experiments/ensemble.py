"""Ensembles: the average of several runs' softmax outputs on one dataset's test split.

Averaging the class probabilities of independently trained networks lowers the error
below that of the members (Krizhevsky et al., 2012 averaged five CNNs this way).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data.augment import crop_pad
from cnnlab.data.tta import TTA_MODES
from cnnlab.data.tta import predict as tta_predict
from cnnlab.errors import ConfigError, DataError
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
    tta: str = "none"  # the test-time augmentation each member averaged first


def ensemble(
    paths: list[str | Path], data: str | None = None, split: str = "test", tta: str = "none"
) -> EnsembleResult:
    """Average the softmax outputs of the runs in ``paths`` on ``split``; every run must be
    trained on the same dataset (``data`` when given) with the same classes, and score the
    same images. With ``tta`` (flip, 10crop, multiscale) each member's output is first its
    own average over the test-time views, exactly as ``cnnlab eval --tta`` computes it."""
    if tta not in TTA_MODES:
        raise ConfigError(f"--tta: expected one of {', '.join(TTA_MODES)}, found {tta!r}")
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
    reference = first.dataset(split)
    images, labels = reference.images, reference.labels
    probabilities = []
    with torch.no_grad():
        for run in runs:
            test = run.dataset(split)
            if not (torch.equal(test.labels, labels) and torch.equal(test.images, images)):
                raise DataError(different_splits(run, first, split))
            probabilities.append(member_probabilities(run, split, tta))
    member = [accuracy_of(p, labels) for p in probabilities]
    mean = torch.stack(probabilities).mean(0)
    return EnsembleResult(
        labels=run_labels(runs),
        member_accuracy=member,
        ensemble_accuracy=accuracy_of(mean, labels),
        images=len(labels),
        tta=tta,
    )


def accuracy_of(probabilities: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy as the exact ratio of images right (as eval reports it)."""
    return int((probabilities.argmax(1) == labels).sum()) / len(labels)


def member_probabilities(run: Run, split: str, tta: str) -> torch.Tensor:
    """One run's class probabilities on ``split``, (images, classes), over its test-time
    views when ``tta`` is not ``none``."""
    if tta == "none":
        return run.predict(run.dataset(split).images)
    _, height, width = run.input_shape
    pad = crop_pad(run.config.augmentation)
    with torch.no_grad():
        chunks = [
            tta_predict(
                run.model, x, tta, size=min(height, width), preprocess=run.preprocess, pad=pad
            ).cpu()
            for x, _ in run.loader(split, prepared=False)
        ]
    return torch.cat(chunks)


def different_splits(run: Run, first: Run, split: str) -> str:
    """Why two runs cannot be scored together: their splits hold other images."""
    why = (
        f" (the split follows the seed: {run.config.seed} against {first.config.seed})"
        if run.config.seed != first.config.seed
        else ""
    )
    return (
        f"run {run.path}: its {split} split of {run.config.data!r} holds other images than "
        f"{first.path}'s{why}, so a member may have trained on another's {split} images; "
        f"ensemble runs whose {split} splits agree"
    )
