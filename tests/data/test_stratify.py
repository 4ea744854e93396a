"""The NumPy stratified split draws what scikit-learn's stratified train_test_split draws, so
runs made before it keep their validation and test images."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split

from cnnlab import data
from cnnlab.data.stratify import stratified_indices
from cnnlab.errors import DataError


def sklearn_indices(labels: np.ndarray, fraction: float, seed: int):
    keep, held = train_test_split(
        np.arange(len(labels)), test_size=fraction, random_state=seed, stratify=labels
    )
    return np.sort(keep), np.sort(held)


LABELS = {
    "balanced": np.repeat(np.arange(10), 50),
    "imbalanced": np.repeat(np.arange(5), [2, 3, 17, 40, 101]),
    "shuffled, labels not from 0": np.random.default_rng(1).integers(3, 9, size=777),
    "two classes, tied remainders": np.array([0, 1] * 7),
}


@pytest.mark.parametrize("name", LABELS)
@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1])
def test_the_same_indices_as_scikit_learn(name, fraction, seed):
    labels = LABELS[name]
    try:
        expected = sklearn_indices(labels, fraction, seed)
    except ValueError:
        with pytest.raises(ValueError):
            stratified_indices(labels, fraction, seed)
        return
    keep, held = stratified_indices(labels, fraction, seed)
    assert np.array_equal(keep, expected[0]) and np.array_equal(held, expected[1])


def test_the_digits_splits_are_scikit_learns():
    full = data.load("digits", "train", seed=3, val_split=0.0)
    keep, held = sklearn_indices(full.labels.numpy(), 0.2, 3)
    train, val = data.stratified_split(full, 0.2, 3)
    assert torch.equal(train.images, full.images[keep]) and torch.equal(
        val.labels, full.labels[held]
    )


@pytest.mark.parametrize(
    ("labels", "fraction", "reason"),
    [
        ([0, 0, 1, 1, 2], 0.5, r"classes with a single image cannot be on both sides: \[2\]"),
        ([0, 0, 1, 1, 2, 2], 0.2, r"2 image\(s\) held out, fewer than the 3 classes"),
        ([0, 0, 1, 1, 2, 2], 0.8, r"1 image\(s\) kept, fewer than the 3 classes"),
        ([], 0.5, r"0 image\(s\) leave nothing to train on"),
    ],
)
def test_an_impossible_split_says_why_in_one_line(labels, fraction, reason):
    images = torch.zeros(len(labels), 1, 2, 2, dtype=torch.uint8)
    dataset = data.Dataset("tiny", images, torch.tensor(labels, dtype=torch.int64), ["a", "b", "c"])
    with pytest.raises(DataError, match=f"dataset 'tiny': cannot hold out {fraction:g} .*{reason}"):
        data.stratified_split(dataset, fraction, 0)
