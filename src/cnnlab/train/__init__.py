"""Training: the config dataclass, the loop, checkpoints, run folders and evaluation."""

from cnnlab.train.config import TrainConfig, load_recipe
from cnnlab.train.evaluate import EvalResult, evaluate_run
from cnnlab.train.run import RunFolder
from cnnlab.train.trainer import Trainer, TrainingInterrupted, fit, resume

__all__ = [
    "EvalResult",
    "RunFolder",
    "TrainConfig",
    "Trainer",
    "TrainingInterrupted",
    "evaluate_run",
    "fit",
    "load_recipe",
    "resume",
]
