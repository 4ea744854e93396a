"""Training: the config dataclass, the loop, checkpoints, run folders and evaluation."""

from cnnlab.train.config import TrainConfig
from cnnlab.train.evaluate import EvalResult, evaluate_run
from cnnlab.train.run import RunFolder
from cnnlab.train.trainer import Trainer, fit

__all__ = ["EvalResult", "RunFolder", "TrainConfig", "Trainer", "evaluate_run", "fit"]
