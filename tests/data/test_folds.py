"""K-fold cross-validation splits: the folds partition the official training split, each
class in proportion, and a run validates on the fold its config names."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnlab import data
from cnnlab.data.dataset import fold_split
from cnnlab.data.stratify import stratified_folds
from cnnlab.errors import ConfigError, DataError
from cnnlab.train import TrainConfig
from cnnlab.train.splits import load_splits


def test_folds_partition_the_images_with_every_class_in_proportion() -> None:
    labels = np.array([0] * 10 + [1] * 7 + [2] * 5)
    folds = stratified_folds(labels, 3, seed=0)
    together = np.sort(np.concatenate(folds))
    assert together.tolist() == list(range(len(labels)))  # every image in exactly one fold
    assert sorted(len(f) for f in folds) == [7, 7, 8]  # 22 images: sizes within one
    for fold in folds:
        counts = np.bincount(labels[fold], minlength=3)
        assert counts[0] in (3, 4) and counts[1] in (2, 3) and counts[2] in (1, 2)
    assert [f.tolist() for f in stratified_folds(labels, 3, seed=0)] == [f.tolist() for f in folds]
    assert [f.tolist() for f in stratified_folds(labels, 3, seed=1)] != [f.tolist() for f in folds]


def test_a_class_smaller_than_the_folds_is_refused_in_one_line() -> None:
    dataset = data.Dataset("tiny", torch.zeros(5, 1, 2, 2, dtype=torch.uint8),
                           torch.tensor([0, 0, 0, 1, 1]), ["a", "b"])  # fmt: skip
    with pytest.raises(DataError, match="cannot make 3 folds: classes with fewer than 3"):
        fold_split(dataset, 3, 0, seed=0)


def test_digits_runs_validate_on_disjoint_folds_of_the_training_split() -> None:
    plain = load_splits(TrainConfig(data="digits", val_split=0.0))["train"]
    splits = [load_splits(TrainConfig(data="digits", folds=3, fold=k)) for k in range(3)]
    assert sum(len(s["val"]) for s in splits) == len(plain) == 1437
    for s in splits:
        assert len(s["train"]) + len(s["val"]) == len(plain)
        assert torch.equal(s["test"].labels, splits[0]["test"].labels)  # the test split stays
    val_images = torch.cat([s["val"].images for s in splits]).flatten(1)
    assert len(torch.unique(val_images, dim=0)) == len(torch.unique(plain.images.flatten(1), dim=0))


def test_fold_out_of_range_is_refused() -> None:
    with pytest.raises(ConfigError, match="found fold 3 of folds 3"):
        TrainConfig(folds=3, fold=3)
    with pytest.raises(ConfigError, match="found fold 0 of folds 1"):
        TrainConfig(folds=1)
