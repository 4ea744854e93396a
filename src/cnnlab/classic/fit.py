"""Cross-validate a classic classifier on training features, refit the best, test it.

"Use cross-validation for your parameters" (the standard advice of the CS231n course notes): every
combination of the grid is
scored on ``folds`` stratified folds of the training features; the best mean accuracy is
refitted on all of them and measured once on the test features.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab.atomic import atomic_write_text
from cnnlab.classic.features import Features
from cnnlab.classic.methods import METRICS, Method, estimator_grid, get_method, parse_grid
from cnnlab.errors import ConfigError, DataError


@dataclass
class CrossValidationRow:
    params: dict[str, Any]  # knob name -> value, as the user wrote the grid
    mean: float  # mean accuracy over the folds
    std: float
    folds: list[float]


@dataclass
class ClassicResult:
    method: str
    data: str
    features: str
    train_images: int
    test_images: int
    dim: int
    folds: int
    cross_validation: list[CrossValidationRow]
    best: dict[str, Any]
    test_accuracy: float
    fit_seconds: float  # cross-validation and the final refit
    test_seconds: float
    warnings: list[str] = field(default_factory=list)  # e.g. a solver that did not converge

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save_json(self, path: str | Path) -> Path:
        """The whole result, every fold's score included, as a JSON file."""
        return atomic_write_text(path, json.dumps(self.as_dict(), indent=2) + "\n")


def fit_classic(
    method: str | Method,
    train: Features,
    test: Features,
    *,
    grid: list[str] | dict[str, list[Any]] | None = None,
    folds: int = 5,
    seed: int = 0,
) -> ClassicResult:
    """Choose ``method``'s knobs by ``folds``-fold cross-validation on ``train``; report
    the accuracy of the chosen classifier on ``test``.

    ``grid``: specs such as ``["k=1,3,5"]`` or a dict of knob values; knobs not given
    keep the method's default grid.
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    method = get_method(method) if isinstance(method, str) else method
    if grid is None or isinstance(grid, list):
        grid = parse_grid(method, grid or [])
    check_features(train, test, folds)
    search = GridSearchCV(
        method.build(seed),
        estimator_grid(method, grid),
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed),
        scoring="accuracy",
        refit=True,
        error_score="raise",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        search.fit(train.values, train.labels)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        predicted = search.predict(test.values)
        test_seconds = time.perf_counter() - start
    rows = cross_validation_rows(method, search.cv_results_, folds)
    best = knob_values(method, search.best_params_)
    return ClassicResult(
        method=method.name,
        data=train.data,
        features=train.source,
        train_images=len(train),
        test_images=len(test),
        dim=train.dim,
        folds=folds,
        cross_validation=rows,
        best=best,
        test_accuracy=float(np.mean(predicted == test.labels)),
        fit_seconds=round(fit_seconds, 3),
        test_seconds=round(test_seconds, 3),
        warnings=sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
    )


def check_features(train: Features, test: Features, folds: int) -> None:
    if train.dim != test.dim:
        raise DataError(
            f"training features have {train.dim} values per image, test features "
            f"{test.dim}: they must come from the same source"
        )
    if folds < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, found {folds}")
    classes, counts = np.unique(train.labels, return_counts=True)
    if len(classes) < 2:
        raise DataError(f"the training features hold {len(classes)} class; at least 2 are needed")
    if counts.min() < folds:
        smallest = int(classes[counts.argmin()])
        raise DataError(
            f"class {smallest} has {counts.min()} training images, fewer than the {folds} "
            "folds of cross-validation: use fewer folds or more images"
        )


def knob_values(method: Method, estimator_params: dict[str, Any]) -> dict[str, Any]:
    """scikit-learn's parameters back in the method's knob names and values."""
    by_param = {knob.estimator_param: name for name, knob in method.knobs.items()}
    p_to_metric = {p: name for name, p in METRICS.items()}
    values = {}
    for param, value in estimator_params.items():
        name = by_param[param]
        values[name] = p_to_metric[value] if name == "metric" else value
    return values


def cross_validation_rows(
    method: Method, results: dict[str, Any], folds: int
) -> list[CrossValidationRow]:
    rows = []
    for i, params in enumerate(results["params"]):
        scores = [float(results[f"split{fold}_test_score"][i]) for fold in range(folds)]
        rows.append(
            CrossValidationRow(
                params=knob_values(method, params),
                mean=float(results["mean_test_score"][i]),
                std=float(results["std_test_score"][i]),
                folds=scores,
            )
        )
    return rows
