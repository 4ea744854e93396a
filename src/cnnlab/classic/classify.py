"""One call from a method name to a tested classifier: read the data, compute the features
(pixels, or a trained run's), cross-validate the knobs, test the chosen classifier."""

from __future__ import annotations

from collections.abc import Sequence

from cnnlab.classic.features import pixel_features, run_features
from cnnlab.classic.fit import ClassicResult, fit_classic
from cnnlab.classic.methods import get_method, parse_grid
from cnnlab.classic.splits import load_splits
from cnnlab.errors import ConfigError
from cnnlab.train.run import Run


def classify(
    method: str,
    features: str = "pixels",
    *,
    layer: str | None = None,
    checkpoint: str = "last",
    data: str | None = None,
    data_dir: str | None = None,
    grid: Sequence[str] = (),
    folds: int = 5,
    per_class: int = 0,
    seed: int = 0,
) -> ClassicResult:
    """``method`` (knn, linear-svm, softmax, svm) on ``features``: ``"pixels"`` or a run
    folder whose network computes them (``layer``'s output; default: the model's image
    code). ``data`` defaults to the digits for pixels and to the run's dataset for a run.
    Unknown names and bad grids fail before any data is read."""
    chosen = get_method(method)
    knobs = parse_grid(chosen, list(grid))
    if layer is not None and features == "pixels":
        raise ConfigError("--layer picks a layer of a run's network: give the run as --features")
    run = Run.open(features, checkpoint) if features != "pixels" else None
    train, test = load_splits(data, data_dir=data_dir, run=run, per_class=per_class, seed=seed)
    if run is None:
        train_features, test_features = pixel_features(train), pixel_features(test)
    else:
        train_features = run_features(run, train, layer)
        test_features = run_features(run, test, layer)
    return fit_classic(chosen, train_features, test_features, grid=knobs, folds=folds, seed=seed)
