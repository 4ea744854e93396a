"""Training: the config dataclass, the loop, checkpoints, run folders, ``Run`` and evaluation."""

from cnnlab.train.callbacks import Callback
from cnnlab.train.config import TrainConfig, load_recipe
from cnnlab.train.evaluate import EvalResult, evaluate_run
from cnnlab.train.run import PickedImage, PixelModel, Run
from cnnlab.train.run_folder import RunFolder
from cnnlab.train.trainer import Trainer, TrainingInterrupted, fit, resume

__all__ = [
    "Callback",
    "EvalResult",
    "PickedImage",
    "PixelModel",
    "Run",
    "RunFolder",
    "TrainConfig",
    "Trainer",
    "TrainingInterrupted",
    "evaluate_run",
    "fit",
    "load_recipe",
    "resume",
]
