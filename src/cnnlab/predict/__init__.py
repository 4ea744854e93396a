"""Predict: a trained model's classes for your own image files, or for a split of its data.

Files reach the model as the training images did: converted to the run's channels, fitted
to its image size by a stated policy (:data:`FIT_POLICIES`), inverted when their border is
the opposite of the training images' border, then the run's own ``prepare``.
"""

from cnnlab.data.fitting import FIT_POLICIES, INVERT_MODES
from cnnlab.predict.predict import (
    Prediction,
    Predictions,
    SplitPredictions,
    predict_files,
    predict_split,
)
from cnnlab.predict.render import FORMATS, render
from cnnlab.predict.sources import expand_images

__all__ = [
    "FIT_POLICIES",
    "FORMATS",
    "INVERT_MODES",
    "Prediction",
    "Predictions",
    "SplitPredictions",
    "expand_images",
    "predict_files",
    "predict_split",
    "render",
]
