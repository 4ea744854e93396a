"""Where a trained network goes wrong: its most confidently wrong images and the confusion
matrix of a split, from one pass of the model over it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data import Dataset
from cnnlab.data.show import row_labels
from cnnlab.errors import DataError
from cnnlab.figure import save_figure, subplots
from cnnlab.train.readings import Readings, read_images
from cnnlab.train.run import Run


@dataclass
class Predictions:
    dataset: Dataset
    probabilities: torch.Tensor  # (N, classes), softmax of the logits, on the CPU

    @property
    def predicted(self) -> torch.Tensor:
        return self.probabilities.argmax(dim=1)

    @property
    def confidence(self) -> torch.Tensor:
        """The probability the model gives its own prediction."""
        return self.probabilities.max(dim=1).values

    def confusion(self) -> torch.Tensor:
        """(classes, classes) counts; rows are true classes, columns predictions."""
        n = self.dataset.num_classes
        pairs = self.dataset.labels * n + self.predicted
        return torch.bincount(pairs, minlength=n * n).view(n, n)

    def per_class_accuracy(self) -> torch.Tensor:
        confusion = self.confusion().double()
        return confusion.diagonal() / confusion.sum(dim=1).clamp_min(1)

    def accuracy(self) -> float:
        return (self.predicted == self.dataset.labels).double().mean().item()


def predict(run: Run, split: str = "test") -> Predictions:
    """Class probabilities of every image of ``split``, as ``cnnlab eval`` computes them."""
    dataset = run.dataset(split)
    return Predictions(dataset, run.predict(dataset.images))


@dataclass
class Mistakes:
    images: torch.Tensor  # uint8 (n, C, H, W), most confident first
    indices: torch.Tensor  # (n,) positions in the split
    labels: torch.Tensor  # (n,) true classes
    predicted: torch.Tensor  # (n,) predicted classes
    confidence: torch.Tensor  # (n,) probability given to the wrong class
    classes: list[str]


def most_confident_mistakes(predictions: Predictions, count: int = 16) -> Mistakes:
    """The ``count`` wrongly classified images with the highest confidence (fewer if the model
    makes fewer mistakes)."""
    if count < 1:
        raise DataError(f"count of mistakes must be at least 1, found {count}")
    dataset = predictions.dataset
    wrong = (predictions.predicted != dataset.labels).nonzero().flatten()
    order = predictions.confidence[wrong].argsort(descending=True, stable=True)[:count]
    indices = wrong[order]
    return Mistakes(
        images=dataset.images[indices],
        indices=indices,
        labels=dataset.labels[indices],
        predicted=predictions.predicted[indices],
        confidence=predictions.confidence[indices],
        classes=dataset.classes,
    )


def plot_mistakes(mistakes: Mistakes, title: str, path: str | Path) -> Path:
    """Each wrong image titled "true -> predicted (confidence)"."""
    captions = [
        f"#{int(index)}\n{mistakes.classes[int(true)]} -> {mistakes.classes[int(guess)]} "
        f"({float(confidence):.2f})"
        for index, true, guess, confidence in zip(
            mistakes.indices,
            mistakes.labels,
            mistakes.predicted,
            mistakes.confidence,
            strict=True,
        )
    ]
    return plot_captioned(mistakes.images, captions, title, path)


@dataclass
class Misread:
    """A multi-digit reader's wrong readings: the images whose sequence it got wrong."""

    images: torch.Tensor  # uint8 (n, C, H, W), in split order
    indices: torch.Tensor  # (n,) positions in the split
    truth: list[str]  # the true digits, "4071"
    read: list[str]  # what the network read ("" for no digits)
    wrong: int  # misread images in the whole split
    count: int  # images in the split


def misread_sequences(
    run: Run, split: str = "test", count: int = 16, readings: Readings | None = None
) -> Misread:
    """The first ``count`` images of ``split`` whose digit sequence ``run`` misreads (a run
    with a multi-digit head), and how many it misreads in all; from ``readings`` of the
    whole split when the caller has them, else from a pass over it."""
    if count < 1:
        raise DataError(f"count of mistakes must be at least 1, found {count}")
    dataset = run.dataset(split)
    if readings is None:
        readings = read_images(run, dataset.images)
    truth = row_labels(dataset, len(dataset))
    read = [readings.sequence_text(i, dataset.classes) for i in range(len(dataset))]
    wrong = [i for i, (t, r) in enumerate(zip(truth, read, strict=True)) if t != r]
    shown = torch.tensor(wrong[:count], dtype=torch.int64)
    return Misread(
        images=dataset.images[shown],
        indices=shown,
        truth=[truth[i] for i in wrong[:count]],
        read=[read[i] for i in wrong[:count]],
        wrong=len(wrong),
        count=len(dataset),
    )


def plot_misread(misread: Misread, title: str, path: str | Path) -> Path:
    """Each misread image titled "true read what-was-read"."""
    captions = [
        f"#{int(index)}\n{true} read {read or '(none)'}"
        for index, true, read in zip(misread.indices, misread.truth, misread.read, strict=True)
    ]
    return plot_captioned(misread.images, captions, title, path, columns=4)


def plot_captioned(
    images: torch.Tensor, captions: list[str], title: str, path: str | Path, columns: int = 8
) -> Path:
    """uint8 (N, C, H, W) images in a grid, each under its caption ("no mistakes" for none)."""
    count = len(images)
    columns = max(1, min(count, columns))
    rows = max(1, math.ceil(count / columns))
    aspect = images.shape[-1] / images.shape[-2]  # wide canvases get wide cells
    fig, axes = subplots(
        rows, columns, figsize=(1.7 * aspect * columns + 0.4, 2.2 * rows + 0.6), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    if count == 0:
        axes.flat[0].text(0.5, 0.5, "no mistakes", ha="center", va="center")
    for image, caption, ax in zip(images.float() / 255, captions, axes.flat, strict=False):
        if image.shape[0] == 1:
            ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(image.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(caption, fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)
