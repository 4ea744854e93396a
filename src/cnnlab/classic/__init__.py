"""Classic classifiers (nearest neighbours, linear and kernel SVMs, softmax) on pixels or
on a trained network's features, with cross-validated knobs (scikit-learn underneath)."""

from cnnlab.classic.features import Features, pixel_features, run_features
from cnnlab.classic.fit import ClassicResult, CrossValidationRow, fit_classic
from cnnlab.classic.methods import METHODS, get_method
from cnnlab.classic.plot import plot_cross_validation

__all__ = [
    "METHODS",
    "ClassicResult",
    "CrossValidationRow",
    "Features",
    "fit_classic",
    "get_method",
    "pixel_features",
    "plot_cross_validation",
    "run_features",
]
