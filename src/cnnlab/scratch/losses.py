"""Losses with their gradients, averaged over the batch: each returns (E, dE/d(scores))."""

from __future__ import annotations

import numpy as np

from cnnlab.errors import ModelError


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def check(scores: np.ndarray, labels: np.ndarray) -> None:
    if scores.ndim != 2 or labels.shape != (len(scores),):
        raise ModelError(
            f"expected scores (N, classes) and N labels, found scores {tuple(scores.shape)} "
            f"and labels {tuple(labels.shape)}"
        )
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= scores.shape[1]:
        raise ModelError(f"labels must lie in 0..{scores.shape[1] - 1}, found {labels.max()}")


def squared_error(outputs: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """E = 1/2 sum_k (y_k - t_k)^2 against one-hot targets (Rumelhart et al. 1986, eq. 3);
    dE/dy_k = y_k - t_k (eq. 4)."""
    check(outputs, labels)
    diff = outputs - one_hot(labels, outputs.shape[1])
    return float(0.5 * (diff**2).sum(axis=1).mean()), diff / len(outputs)


def softmax_cross_entropy(scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """-log softmax(s)_y; its gradient is softmax(s) - onehot(y)."""
    check(scores, labels)
    shifted = scores - scores.max(axis=1, keepdims=True)  # exp cannot overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    grad = np.exp(log_probs) - one_hot(labels, scores.shape[1])
    return float(-log_probs[rows, labels].mean()), grad / len(scores)


def multiclass_hinge(scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The multiclass SVM loss (Weston and Watkins, 1999): sum over j != y of max(0, s_j - s_y +
    1)."""
    check(scores, labels)
    rows = np.arange(len(labels))
    margins = np.maximum(0.0, scores - scores[rows, labels][:, None] + 1.0)
    margins[rows, labels] = 0.0
    active = (margins > 0).astype(scores.dtype)
    active[rows, labels] = -active.sum(axis=1)
    return float(margins.sum(axis=1).mean()), active / len(scores)


LOSSES = {
    "squared_error": squared_error,
    "cross_entropy": softmax_cross_entropy,
    "hinge": multiclass_hinge,
}
