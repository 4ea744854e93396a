"""Classic classifiers through the Python API: cross-validation, test accuracy, features."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnlab import data
from cnnlab.classic import Features, fit_classic, pixel_features, run_features
from cnnlab.classic.splits import load_splits
from cnnlab.data import Dataset
from cnnlab.errors import ConfigError, DataError, UnknownNameError
from cnnlab.train import Run


@pytest.fixture(scope="module")
def digits_pixels() -> tuple[Features, Features]:
    train, test = load_splits("digits")
    return pixel_features(train), pixel_features(test)


def nearest_neighbour_accuracy(train: Features, test: Features, p: float) -> float:
    """1-NN by brute force in torch: an implementation independent of scikit-learn's."""
    distances = torch.cdist(torch.from_numpy(test.values), torch.from_numpy(train.values), p=p)
    predicted = train.labels[distances.argmin(dim=1).numpy()]
    return float(np.mean(predicted == test.labels))


def test_training_images_are_the_whole_official_training_split(digits_pixels):
    train, test = digits_pixels
    assert (len(train), len(test)) == (1797 - 360, 360)
    assert train.dim == 32 * 32 and train.values.dtype == np.float32
    assert train.values.min() >= 0.0 and train.values.max() <= 1.0


@pytest.mark.parametrize("metric, p", [("l1", 1.0), ("l2", 2.0)])
def test_one_nearest_neighbour_matches_a_brute_force_search(digits_pixels, metric, p):
    train, test = digits_pixels
    result = fit_classic("knn", train, test, grid=["k=1", f"metric={metric}"], folds=3)
    assert result.best == {"k": 1, "metric": metric}
    assert result.test_accuracy == pytest.approx(nearest_neighbour_accuracy(train, test, p))
    assert result.test_accuracy > 0.95


def test_cross_validation_scores_every_combination_on_every_fold(digits_pixels):
    train, test = digits_pixels
    result = fit_classic("knn", train, test, grid=["k=1,3,7", "metric=l1,l2"], folds=4, seed=1)
    assert [row.params for row in result.cross_validation] == [
        {"k": k, "metric": m} for k in (1, 3, 7) for m in ("l1", "l2")
    ]
    for row in result.cross_validation:
        assert len(row.folds) == 4
        assert row.mean == pytest.approx(np.mean(row.folds))
        assert row.std == pytest.approx(np.std(row.folds))
    best = max(result.cross_validation, key=lambda row: row.mean)
    assert result.best == best.params
    assert result.as_dict()["cross_validation"][0]["params"] == {"k": 1, "metric": "l1"}


@pytest.fixture(scope="module")
def few_digits_pixels() -> tuple[Features, Features]:
    train, test = load_splits("digits", per_class=40)
    return pixel_features(train), pixel_features(test)


@pytest.mark.parametrize("method", ["linear-svm", "softmax"])
def test_linear_classifiers_on_pixels(few_digits_pixels, method):
    train, test = few_digits_pixels
    result = fit_classic(method, train, test, grid=["C=0.001,0.01"], folds=3)
    assert result.test_accuracy > 0.9
    assert result.best["C"] in (0.001, 0.01) and result.train_images == 400


def test_rbf_svm_beats_chance_by_far_and_uses_the_default_gamma(few_digits_pixels):
    train, test = few_digits_pixels
    result = fit_classic("svm", train, test, grid=["C=10"], folds=3)
    assert result.best == {"C": 10.0, "gamma": "scale"}
    assert result.test_accuracy > 0.95


def test_features_of_a_trained_network(digits_run):
    run = Run.open(digits_run)
    train, test = load_splits(None, run=run, per_class=30)
    assert len(train) == 300 and train.image_shape == (1, 32, 32)
    code = run_features(run, test)
    assert code.dim == 84 and "input of classifier" in code.source  # LeNet-5's F6 outputs
    conv = run_features(run, test, "features.0")
    assert conv.dim == 6 * 28 * 28
    logits = run.model(run.prepare(test.images[:5])).detach().numpy()
    last = run_features(run, test.subset(np.arange(5)), "classifier.3")
    np.testing.assert_allclose(last.values, logits, rtol=1e-5, atol=1e-5)
    result = fit_classic("knn", run_features(run, train), code, grid=["k=1,5"], folds=3)
    assert result.test_accuracy > 0.8  # a briefly trained LeNet-5's code separates digits


def test_features_of_another_size_are_resized_and_other_channels_refused(digits_run):
    run = Run.open(digits_run)
    small = Dataset(
        "small",
        torch.randint(0, 256, (4, 1, 20, 20), dtype=torch.uint8),
        torch.arange(4),
        list("abcd"),
    )
    assert run_features(run, small).values.shape == (4, 84)
    colour = Dataset(
        "colour", torch.zeros(4, 3, 32, 32, dtype=torch.uint8), torch.arange(4), list("abcd")
    )
    with pytest.raises(DataError, match="3-channel images.*1-channel"):
        run_features(run, colour)
    with pytest.raises(UnknownNameError, match="features.0"):
        run_features(run, small, "features.00")


def test_bad_grids_and_folds_are_named(digits_pixels):
    train, test = digits_pixels
    with pytest.raises(UnknownNameError, match="Did you mean: knn"):
        fit_classic("knnn", train, test)
    with pytest.raises(UnknownNameError, match=r"unknown knn knob 'K'\. Did you mean: k\?"):
        fit_classic("knn", train, test, grid=["K=1"])
    with pytest.raises(ConfigError, match="expected KNOB=V1,V2"):
        fit_classic("knn", train, test, grid=["k"])
    with pytest.raises(ConfigError, match="expected a positive integer, found 0"):
        fit_classic("knn", train, test, grid=["k=0,1"])
    with pytest.raises(ConfigError, match="expected l1 or l2, found 'cosine'"):
        fit_classic("knn", train, test, grid=["metric=cosine"])
    with pytest.raises(ConfigError, match="at least 2 folds"):
        fit_classic("knn", train, test, folds=1)
    few = Features(train.values[:40], train.labels[:40], "pixels", "digits")
    with pytest.raises(DataError, match="fewer than the 5 folds"):
        fit_classic("knn", few, test, grid=["k=1"])
    narrow = Features(test.values[:, :10], test.labels, "pixels", "digits")
    with pytest.raises(DataError, match="1024 values per image, test features 10"):
        fit_classic("knn", train, narrow)


def test_per_class_keeps_that_many_training_images_of_each_class():
    train, _ = load_splits("digits", per_class=7, seed=3)
    assert torch.bincount(train.labels).tolist() == [7] * 10
    with pytest.raises(DataError, match="per_class=500"):
        load_splits("digits", per_class=500)
    assert data.load("digits", "test").images.shape[0] == 360
