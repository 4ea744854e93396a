"""The classic classifiers of the lectures, as scikit-learn estimators with named knobs.

Each method has a short name, the knobs a user cross-validates (``k`` and ``metric`` of
nearest neighbours, ``C`` of the SVMs and softmax, ``gamma`` of the RBF kernel) and a
default grid for them (``C`` is the inverse of the regularisation strength). Linear and
kernel methods standardise each feature first; nearest neighbours measure raw distances,
as the lectures do on pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cnnlab.errors import ConfigError, UnknownNameError

METRICS = {"l1": 1, "l2": 2}  # Minkowski p of the L1 (Manhattan) and L2 (Euclidean) distances


@dataclass(frozen=True)
class Knob:
    estimator_param: str  # the scikit-learn parameter it sets, inside the pipeline
    parse: Callable[[str], Any]
    default_grid: tuple[str, ...]


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    knobs: dict[str, Knob]
    build: Callable[[int], Any]  # seed -> an unfitted estimator

    def default_grid(self) -> dict[str, list[Any]]:
        return {
            name: [knob.parse(v) for v in knob.default_grid] for name, knob in self.knobs.items()
        }


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"expected a positive integer, found {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(f"expected a positive number, found {text}")
    return value


def metric(text: str) -> str:
    if text not in METRICS:
        raise ValueError(f"expected l1 or l2, found {text!r}")
    return text


def gamma(text: str) -> str | float:
    return text if text in ("scale", "auto") else positive_float(text)


def _knn(seed: int) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(algorithm="brute")


def _standardised(classifier: Any) -> Any:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("classifier", classifier)])


def _linear_svm(seed: int) -> Any:
    from sklearn.svm import LinearSVC

    # The primal solver: the dual one with the plain hinge stalls on pixels for C >= 0.01.
    return _standardised(LinearSVC(dual=False, max_iter=5000, random_state=seed))


def _softmax(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return _standardised(LogisticRegression(max_iter=1000, random_state=seed))


def _rbf_svm(seed: int) -> Any:
    from sklearn.svm import SVC

    return _standardised(SVC(kernel="rbf", random_state=seed))


C_GRID = ("0.001", "0.01", "0.1", "1")

METHODS = {
    method.name: method
    for method in (
        Method(
            "knn",
            "the k nearest training images vote, by L1 or L2 distance (knobs k, metric)",
            {
                "k": Knob("n_neighbors", positive_int, ("1", "3", "5", "7", "9")),
                "metric": Knob("p", metric, ("l2",)),
            },
            _knn,
        ),
        Method(
            "linear-svm",
            "linear SVM, one class against the rest, squared hinge loss (knob C)",
            {"C": Knob("classifier__C", positive_float, C_GRID)},
            _linear_svm,
        ),
        Method(
            "softmax",
            "multinomial logistic regression (knob C)",
            {"C": Knob("classifier__C", positive_float, C_GRID)},
            _softmax,
        ),
        Method(
            "svm",
            "SVM with a Gaussian (RBF) kernel (knobs C, gamma)",
            {
                "C": Knob("classifier__C", positive_float, ("0.1", "1", "10")),
                "gamma": Knob("classifier__gamma", gamma, ("scale",)),
            },
            _rbf_svm,
        ),
    )
}


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise UnknownNameError("classic method", name, METHODS)
    return METHODS[name]


def parse_grid(method: Method, specs: list[str]) -> dict[str, list[Any]]:
    """``["k=1,3,5", "metric=l1,l2"]`` as ``{"k": [1, 3, 5], "metric": ["l1", "l2"]}``;
    knobs not named keep the method's default values."""
    grid = method.default_grid()
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or not values.strip():
            raise ConfigError(f"grid {spec!r}: expected KNOB=V1,V2,... (e.g. k=1,3,5)")
        if name not in method.knobs:
            raise UnknownNameError(f"{method.name} knob", name, method.knobs)
        try:
            grid[name] = [method.knobs[name].parse(v.strip()) for v in values.split(",")]
        except ValueError as exc:
            raise ConfigError(f"grid {spec!r}: {exc}") from None
    return grid


def estimator_grid(method: Method, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The grid in scikit-learn's parameter names and values."""
    translated = {}
    for name, values in grid.items():
        knob = method.knobs[name]
        if name == "metric":
            values = [METRICS[v] for v in values]
        translated[knob.estimator_param] = values
    return translated
