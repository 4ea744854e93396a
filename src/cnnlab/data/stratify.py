"""A stratified hold-out split of labels, in NumPy.

It draws exactly what scikit-learn's ``train_test_split(..., stratify=labels,
random_state=seed)`` (``StratifiedShuffleSplit``) draws, so runs keep the validation and
test images they were made with, without importing scikit-learn (over a second) or
building index tensors: per class, a share of the draws proportional to its size (ties in
the rounding broken by the generator), then a seeded permutation of each class's images.
"""

from __future__ import annotations

import math

import numpy as np


def stratified_indices(
    labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices of the images kept and of the ``fraction`` held out, each class in
    proportion. A ValueError says why a split is impossible (a class of one image, fewer
    images on a side than there are classes)."""
    held_total = math.ceil(fraction * len(labels))
    kept_total = len(labels) - held_total
    if kept_total == 0:
        raise ValueError(f"{len(labels)} image(s) leave nothing to train on")
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        lonely = classes[counts < 2].tolist()
        raise ValueError(f"classes with a single image cannot be on both sides: {lonely}")
    for side, total in (("kept", kept_total), ("held out", held_total)):
        if total < len(classes):
            raise ValueError(f"{total} image(s) {side}, fewer than the {len(classes)} classes")
    members = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])
    rng = np.random.RandomState(seed)
    kept_counts = proportional_counts(counts, kept_total, rng)
    held_counts = proportional_counts(counts - kept_counts, held_total, rng)
    kept, held = [], []
    for images, size, keep, hold in zip(members, counts, kept_counts, held_counts, strict=True):
        shuffled = images[rng.permutation(size)]
        kept.append(shuffled[:keep])
        held.append(shuffled[keep : keep + hold])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held))


def proportional_counts(counts: np.ndarray, draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of ``draws`` each class gets: its proportional share rounded down, then one
    more for the classes with the largest remainders until the total is ``draws`` (among
    equal remainders, chosen at random)."""
    share = counts / counts.sum() * draws
    given = np.floor(share)
    missing = int(draws - given.sum())
    remainder = share - given
    for value in np.unique(remainder)[::-1]:
        if missing <= 0:
            break
        (tied,) = np.nonzero(remainder == value)
        chosen = rng.choice(tied, size=min(len(tied), missing), replace=False)
        given[chosen] += 1
        missing -= len(chosen)
    return given.astype(int)


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Sorted indices of each of ``folds`` folds, every class dealt in turn over them after
    a seeded shuffle (so each fold holds each class in proportion, as scikit-learn's
    ``StratifiedKFold(shuffle=True)`` makes them). A ValueError says why it is impossible."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < folds:
        small = classes[counts < folds].tolist()
        raise ValueError(f"classes with fewer than {folds} images cannot be in every fold: {small}")
    members = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])
    rng = np.random.RandomState(seed)
    dealt: list[list[np.ndarray]] = [[] for _ in range(folds)]
    start = 0  # the fold the next class starts dealing on, so fold sizes stay within one
    for images, size in zip(members, counts, strict=True):
        shuffled = images[rng.permutation(size)]
        for k in range(folds):
            dealt[(start + k) % folds].append(shuffled[k::folds])
        start = (start + int(size)) % folds
    return [np.sort(np.concatenate(parts)) for parts in dealt]
