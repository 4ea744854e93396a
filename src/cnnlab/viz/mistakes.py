"""Where a trained network goes wrong: its most confidently wrong images and the confusion
matrix of a split, from one pass of the model over it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data import Dataset
from cnnlab.errors import DataError
from cnnlab.figure import save_figure, subplots
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
    count = len(mistakes.indices)
    columns = max(1, min(count, 8))
    rows = max(1, math.ceil(count / columns))
    fig, axes = subplots(rows, columns, figsize=(1.7 * columns + 0.4, 1.9 * rows + 0.6))
    axes_list = list(getattr(axes, "flat", [axes]))
    for ax in axes_list:
        ax.axis("off")
    if count == 0:
        axes_list[0].text(0.5, 0.5, "no mistakes", ha="center", va="center")
    for i, ax in enumerate(axes_list[:count]):
        image = mistakes.images[i].float() / 255
        if image.shape[0] == 1:
            ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(image.permute(1, 2, 0).numpy(), interpolation="nearest")
        true = mistakes.classes[int(mistakes.labels[i])]
        guess = mistakes.classes[int(mistakes.predicted[i])]
        ax.set_title(
            f"#{int(mistakes.indices[i])}\n{true} -> {guess} ({float(mistakes.confidence[i]):.2f})",
            fontsize=8,
        )
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)
