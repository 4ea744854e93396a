"""Figures of a run: learning curves and the confusion matrix, written as PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab.figure import save_figure, subplots


def plot_curves(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Train against validation loss and accuracy per epoch; the gap between them is overfitting."""
    epochs = [row["epoch"] for row in rows]
    fig, (ax_loss, ax_acc) = subplots(1, 2, figsize=(10, 4))
    for split, style in (("train", "-o"), ("val", "-s")):
        if any(f"{split}_loss" not in row for row in rows):
            continue  # no validation split
        ax_loss.plot(epochs, [row[f"{split}_loss"] for row in rows], style, label=split, ms=3)
        ax_acc.plot(epochs, [row[f"{split}_accuracy"] for row in rows], style, label=split, ms=3)
    if rows and all("val_robust_accuracy" in row for row in rows):  # adversarial training
        robust = [row["val_robust_accuracy"] for row in rows]
        ax_acc.plot(epochs, robust, "-^", label="val robust", ms=3)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def plot_confusion(matrix: np.ndarray, classes: Sequence[str], path: str | Path) -> Path:
    """Rows are true classes, columns predictions; each cell shows its count."""
    matrix = np.asarray(matrix)
    size = max(4.0, 0.45 * len(classes) + 2)
    fig, ax = subplots(figsize=(size, size))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, labels=classes, rotation=90 if len(classes) > 12 else 0)
    ax.set_yticks(ticks, labels=classes)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix")
    if len(classes) <= 20:
        threshold = matrix.max() / 2 if matrix.size else 0
        for (i, j), count in np.ndenumerate(matrix):
            color = "white" if count > threshold else "black"
            ax.text(j, i, str(count), ha="center", va="center", color=color, fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
