"""Ensembles: the average of several runs' softmax outputs on one dataset's test split.

Averaging the class probabilities of independently trained networks lowers the error
below that of the members (Krizhevsky et al., 2012 averaged five CNNs this way).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data.augment import crop_pad
from cnnlab.data.preprocess import WHITENING, Preprocess
from cnnlab.data.tta import TTA_MODES
from cnnlab.data.tta import predict as tta_predict
from cnnlab.errors import ConfigError, DataError
from cnnlab.experiments.compare import run_labels
from cnnlab.models import Ensemble
from cnnlab.train import Run
from cnnlab.weights.io import save_weights


@dataclass
class EnsembleResult:
    """Test accuracy of each member (labelled by its differing config fields) and of
    their averaged softmax."""

    labels: list[str]
    member_accuracy: list[float]
    ensemble_accuracy: float
    images: int
    missed_by_some: int  # images at least one member gets wrong: where the members disagree
    missed_by_all: int  # images every member gets wrong: no average of them can fix these
    tta: str = "none"  # the test-time augmentation each member averaged first
    saved: Path | None = None  # the committee's weights file, when asked for


def ensemble(
    paths: list[str | Path],
    data: str | None = None,
    split: str = "test",
    tta: str = "none",
    save: str | Path | None = None,
) -> EnsembleResult:
    """Average the softmax outputs of the runs in ``paths`` on ``split``; every run must be
    trained on the same dataset (``data`` when given) with the same classes, and score the
    same images. With ``tta`` (flip, 10crop, rotate, multiscale) each member's output is first its
    own average over the test-time views, exactly as ``cnnlab eval --tta`` computes it.
    ``save``: write the committee as one ``.safetensors`` weights file (:func:`save_ensemble`)
    that eval, predict and export open like a run."""
    if tta not in TTA_MODES:
        raise ConfigError(f"--tta: expected one of {', '.join(TTA_MODES)}, found {tta!r}")
    if len(paths) < 2:
        raise ConfigError(f"an ensemble needs at least two run folders, got {len(paths)}")
    if save is not None and Path(save).suffix != ".safetensors":
        raise ConfigError(f"--save: expected a file name ending in .safetensors, found {save}")
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
    if save is not None:
        check_savable(runs)  # before any scoring: a refusal costs nothing
    reference = first.dataset(split)
    images, labels = reference.images, reference.labels
    probabilities = []
    with torch.no_grad():
        for run in runs:
            test = run.dataset(split)
            if not (torch.equal(test.labels, labels) and torch.equal(test.images, images)):
                raise DataError(different_splits(run, first, split))
            probabilities.append(member_probabilities(run, split, tta))
    right = torch.stack([p.argmax(1) == labels for p in probabilities])  # (members, images)
    mean = torch.stack(probabilities).mean(0)
    result = EnsembleResult(
        labels=run_labels(runs),
        member_accuracy=[int(hits.sum()) / len(labels) for hits in right],  # as accuracy_of
        ensemble_accuracy=accuracy_of(mean, labels),
        images=len(labels),
        missed_by_some=int((~right.all(0)).sum()),
        missed_by_all=int((~right.any(0)).sum()),
        tta=tta,
    )
    if save is not None:
        plain = result.ensemble_accuracy if tta == "none" else None  # the file holds no views
        result.saved = save_ensemble(runs, Path(save), plain)
    return result


def check_savable(runs: list[Run]) -> None:
    """One file can hold the committee when every member classifies, takes the same
    images to the same input (shape and evaluation crop) and has a preprocessing whose
    numbers fit in the file's metadata."""
    first = runs[0]

    def feed(run: Run) -> tuple:
        crop = run.config.augment if run.eval_transform else None
        return run.image_shape, run.input_shape, crop

    for run in runs:
        if run.task != "classify":
            raise ConfigError(
                f"--save: run {run.path} trains task {run.task!r}; a saved ensemble averages "
                "class probabilities, so every member must be a classifier"
            )
        if run.preprocess.kind in WHITENING:
            raise ConfigError(
                f"--save: run {run.path} whitens its input ({run.preprocess.kind}), whose "
                "matrices do not travel in a weights file's metadata; expected none, mean or "
                "standardize"
            )
        if feed(run) != feed(first):
            raise ConfigError(
                f"--save: run {run.path} takes images {feed(run)} (stored shape, input shape, "
                f"evaluation crop), expected those of {first.path} {feed(first)}"
            )


def save_ensemble(runs: list[Run], path: Path, accuracy: float | None) -> Path:
    """Write the committee of ``runs`` to ``path``: one weights file holding every member
    behind its own preprocessing (:class:`~cnnlab.models.Ensemble`), with the metadata
    :meth:`Run.open` reads, the first member's recipe and dataset, and ``accuracy``."""
    first = runs[0]
    committee = Ensemble([run.pixel_model() for run in runs])
    members = [
        run.model_meta() | {"normalisation": run.preprocess.as_dict(), "source": str(run.path)}
        for run in runs
    ]
    channels = first.image_shape[0]
    identity = Preprocess("none", [0.0] * channels, [1.0] * channels)  # members hold theirs
    meta = {
        "model": "ensemble",
        "model_args": {"members": len(runs)},
        "task": "classify",
        "ensemble": members,
        **first.provenance(),
        "preprocessing": {"normalisation": identity.as_dict()},
        "accuracy": accuracy,
    }
    save_weights(committee, path, meta)
    return path


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
