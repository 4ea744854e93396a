"""The training configuration: one typed dataclass, stored whole in the run folder.

Each field's trailing comment is its documentation: ``cnnlab train --help`` shows it
as the flag's help (see :func:`field_help`), so keep every field on one line.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cnnlab.data.augment import parse_augment
from cnnlab.data.preprocess import parse_preprocess
from cnnlab.data.registry import is_folder
from cnnlab.errors import ConfigError

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("constant", "step", "exp", "inv", "cosine", "onecycle", "plateau")
SCHEDULE_UNITS = ("epoch", "step")
INITS = ("default", "xavier", "kaiming", "normal", "constant")
LOSSES = ("cross_entropy", "hinge")
AMP_MODES = ("none", "bf16", "fp16")
MONITORS = ("val_accuracy", "val_loss")
CHOICES = {
    "optimizer": OPTIMIZERS,
    "schedule": SCHEDULES,
    "schedule_unit": SCHEDULE_UNITS,
    "init": INITS,
    "loss": LOSSES,
    "amp": AMP_MODES,
    "monitor": MONITORS,
    "on_bad_image": ("fail", "skip"),
}


@dataclass
class TrainConfig:
    model: str = "lenet5"  # registered model name (`cnnlab models`)
    model_args: dict[str, Any] = field(default_factory=dict)  # constructor overrides, as JSON
    data: str = "digits"  # registered dataset name
    data_dir: str | None = None  # dataset folder; None: $CNNLAB_DATA or the cache folder
    val_split: float = 0.1  # fraction of the training split held out for validation
    per_class: int = 0  # few-shot: keep this many training images of each class (0: all)
    on_bad_image: str = "fail"  # image folders: fail (listing every bad file) or skip them
    image_size: int = 0  # image folders: resize every image to this square size (0: most common)
    stream: bool = False  # image folders: decode batches in DataLoader workers, not all in memory
    workers: int = -1  # streaming: DataLoader worker processes (-1: up to 4, none for tiny folders)
    pad: int = 0  # zero pixels added on every side of each image (LeCun pads MNIST 28->32: 2)
    augment: str = ""  # training-split augmentation, e.g. flip,crop:4 (see cnnlab.data.augment)
    preprocess: str = "standardize"  # none, mean, standardize, pca, zca[:eps=E]; fitted on train
    epochs: int = 10  # passes over the training split
    max_steps: int = 0  # stop after this many optimiser steps (0: run all epochs)
    batch_size: int = 64  # images per optimiser step (global, over all processes)
    accumulate: int = 1  # batches whose gradients are summed before one optimiser step
    optimizer: str = "adam"  # sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw
    lr: float = 1e-3  # base learning rate
    momentum: float = 0.9  # momentum of momentum and nesterov; alpha of rmsprop is 0.99
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])  # Adam's beta1, beta2
    weight_decay: float = 0.0  # L2 penalty (decoupled for adamw)
    decay_all: bool = False  # also decay biases and batch-norm parameters
    l1: float = 0.0  # L1 penalty on the decayed weights, added to the loss
    schedule: str = "constant"  # constant, step, exp, inv (1/t), cosine, onecycle or plateau
    schedule_unit: str = "epoch"  # t of the schedule counts epochs or optimiser steps
    milestones: list[int] = field(default_factory=list)  # step schedule: t at which lr *= gamma
    gamma: float = 0.1  # step and plateau schedules: the factor applied to the lr
    decay_k: float = 0.1  # exp: lr0*exp(-k*t); inv: lr0/(1+k*t)
    min_lr: float = 0.0  # cosine: the lr reached at the end
    plateau_patience: int = 3  # plateau: epochs without improvement before lr *= gamma
    warmup: int = 0  # optimiser steps of linear warm-up from 0 to the scheduled lr
    pretrained: str = ""  # run folder or weight file (.safetensors, .pt, .pth) to start from
    freeze: list[str] = field(default_factory=list)  # layers kept as loaded, e.g. features
    init: str = "default"  # weight init: default, xavier, kaiming, normal (N(0, 0.01)), constant
    loss: str = "cross_entropy"  # cross_entropy or hinge (multiclass SVM loss)
    label_smoothing: float = 0.0  # cross-entropy target smoothing, 0..1
    dropout: float | None = None  # set p of every Dropout layer (None: the model's own)
    monitor: str = "val_accuracy"  # metric deciding the best checkpoint and early stopping
    early_stopping: int = 0  # stop after this many epochs without improvement (0: never)
    amp: str = "none"  # mixed precision: none, bf16 (autocast) or fp16 (GradScaler, CUDA only)
    compile: bool = False  # run the model through torch.compile
    channels_last: bool = False  # NHWC memory layout for model and batches
    clip_grad: float = 0.0  # clip the gradient norm to this value (0: no clipping)
    ema: float = 0.0  # decay of an exponential moving average of weights (0: off)
    checkpoint_every: int = 0  # also checkpoint every this many optimiser steps (0: per epoch)
    keep_checkpoints: int = 2  # resumable checkpoints kept (the newest ones)
    check_every: int = 50  # steps between finiteness checks and progress-bar updates
    deterministic: bool = False  # deterministic algorithms only: bitwise-repeatable on the CPU
    tensorboard: bool = True  # write TensorBoard event files to tb/
    seed: int = 0  # seeds the split, the initialisation and the shuffle order
    device: str = "cpu"  # cpu, cuda or cuda:N
    out: str = "runs/run"  # the run folder

    def __post_init__(self) -> None:
        for name, choices in CHOICES.items():
            if getattr(self, name) not in choices:
                raise ConfigError(
                    f"unknown {name} {getattr(self, name)!r}: expected one of {', '.join(choices)}"
                )
        for name in ("epochs", "batch_size", "accumulate", "keep_checkpoints", "check_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, found {getattr(self, name)}")
        for name in (
            "max_steps",
            "pad",
            "image_size",
            "warmup",
            "checkpoint_every",
            "early_stopping",
        ):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be 0 or more, found {getattr(self, name)}")
        if self.workers < -1:
            raise ConfigError(f"workers must be -1 (automatic) or more, found {self.workers}")
        if self.stream and not is_folder(self.data):
            raise ConfigError(
                f"stream applies to image folders (folder:PATH), found dataset {self.data!r}, "
                "which is held in memory; leave out --stream"
            )
        if self.per_class < 0:
            raise ConfigError(f"per_class must be 0 or more, found {self.per_class}")
        if self.lr <= 0:
            raise ConfigError(f"lr must be positive, found {self.lr}")
        for name in ("label_smoothing", "ema", "val_split"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), found {getattr(self, name)}")
        if self.dropout is not None and not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), found {self.dropout}")
        if self.amp == "fp16" and not self.device.startswith("cuda"):
            raise ConfigError(f"amp 'fp16' needs a CUDA device, found {self.device!r}; use bf16")
        if len(self.betas) != 2:
            raise ConfigError(f"betas must be two numbers, found {self.betas}")
        if self.schedule == "step" and not self.milestones:
            raise ConfigError("schedule 'step' needs milestones, e.g. --milestones 30,60")
        if sorted(self.milestones) != list(self.milestones):
            raise ConfigError(f"milestones must increase, found {self.milestones}")
        parse_augment(self.augment)  # a ConfigError naming the bad token
        parse_preprocess(self.preprocess)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "config") -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown fields {unknown}; known fields: {sorted(known)}")
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}") from exc


def load_recipe(path: str | Path) -> dict[str, Any]:
    """The fields a TOML recipe sets, checked against TrainConfig (unknown names are errors)."""
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"recipe {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"recipe {path} is not valid TOML: {exc}") from exc
    values.pop("description", None)  # free text for people reading the recipe
    TrainConfig.from_dict(values, source=f"recipe {path}")
    return values


@cache
def field_help() -> dict[str, str]:
    """Each field's trailing comment in this file's TrainConfig source, by field name."""
    pattern = re.compile(r"^\s+(\w+): [^#]+#\s*(.+)$")
    source = inspect.getsource(TrainConfig)
    return {m[1]: m[2].strip() for line in source.splitlines() if (m := pattern.match(line))}
