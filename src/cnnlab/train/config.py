"""The training configuration: one typed dataclass, stored whole in the run folder.

Every field is declared with :func:`cnnlab.fields.option`: its help text (``cnnlab train
--help`` shows it) and its valid values, checked when the config is built -- by
``TrainConfig(...)``, :meth:`TrainConfig.from_dict`, a recipe or the command line -- before
any folder is made or data read. A bad value raises one line naming the field, the valid
values and the value found: ``lr must be a finite number > 0, found nan``.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.data.augment import Augment, parse_augment
from cnnlab.data.registry import is_folder
from cnnlab.errors import ConfigError
from cnnlab.fields import (
    MAX_PAD,
    MAX_SIDE,
    Flag,
    Integer,
    ListOf,
    Maybe,
    OneOf,
    Real,
    Text,
    help_texts,
    option,
    validate,
)
from cnnlab.train import config_checks as checks

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("constant", "step", "exp", "inv", "cosine", "onecycle", "plateau")
SCHEDULE_UNITS = ("epoch", "step")
INITS = ("default", "xavier", "kaiming", "normal", "constant")
LOSSES = ("cross_entropy", "hinge")
AMP_MODES = ("none", "bf16", "fp16")
MONITORS = ("val_accuracy", "val_loss")
ADVERSARIAL = ("none", "fgsm-rs", "pgd")
BAD_IMAGES = ("fail", "skip")
TASK_CHOICES = ("auto", "classify", "localise", "sequence")
BOX_LOSSES = ("smooth-l1", "l2")

# the ranges shared by several fields
FRACTION = Real(0.0, 1.0, high_open=True)  # [0, 1)
POSITIVE = Real(0.0, low_open=True)  # a finite number > 0
NON_NEGATIVE = Real(0.0)  # a finite number >= 0
STEPS = Integer(0, 10**9, high_text="10**9")  # optimiser steps, 0: off
EPOCHS = Integer(0, 100_000)  # epochs, 0: off
SEED = Integer(0, 2**32 - 1, high_text="2**32 - 1")  # what NumPy's seed takes
FLAG = Flag()


@dataclass
class TrainConfig:
    model: str = option("lenet5", "the network to train", checks.MODEL)
    model_args: dict[str, Any] = option({}, "constructor overrides, as JSON", checks.MODEL_ARGS)
    data: str = option("digits", "the dataset to train on", checks.DATA)
    data_dir: str | None = option(
        None, "dataset folder", Maybe(Text(), "None ($CNNLAB_DATA or the cache folder)")
    )
    val_split: float = option(
        0.1,
        "fraction of the training split held out for validation (0: train on all of it)",
        FRACTION,
    )
    folds: int = option(
        0,
        "k-fold cross-validation: fold `fold` of this many validates, in place of val_split "
        "(0: off)",
        Integer(0, 100),
    )
    fold: int = option(0, "the fold that validates when folds is set, 0..folds-1", Integer(0, 99))
    per_class: int = option(
        0,
        "few-shot: keep this many training images of each class (0: all)",
        Integer(0, 1_000_000),
    )
    on_bad_image: str = option(
        "fail", "image folders: fail (listing every bad file) or skip them", OneOf(BAD_IMAGES)
    )
    image_size: int = option(
        0,
        "resize every image to this square size (0: the dataset's own; folders: most common)",
        Integer(0, MAX_SIDE),
    )
    stream: bool = option(
        False, "image folders: decode batches in DataLoader workers, not all in memory", FLAG
    )
    workers: int = option(
        -1,
        "streaming: DataLoader worker processes (-1: up to 4, none for tiny folders)",
        Integer(-1, 256),
    )
    pad: int = option(
        0,
        "zero pixels added on every side of each image (LeCun pads MNIST 28->32: 2)",
        Integer(0, MAX_PAD),
    )
    augment: str = option(
        "", "training-split augmentation (see cnnlab.data.augment)", checks.AUGMENT
    )
    preprocess: str = option(
        "standardize", "input preprocessing, fitted on the training split", checks.PREPROCESS
    )
    epochs: int = option(10, "passes over the training split", Integer(1, 100_000))
    max_steps: int = option(0, "stop after this many optimiser steps (0: run all epochs)", STEPS)
    batch_size: int = option(
        64, "images per optimiser step (global, over all processes)", Integer(1, 65_536)
    )
    accumulate: int = option(
        1, "batches whose gradients are summed before one optimiser step", Integer(1, 4096)
    )
    optimizer: str = option("adam", "the optimiser", OneOf(OPTIMIZERS))
    lr: float = option(1e-3, "base learning rate", POSITIVE)
    momentum: float = option(
        0.9, "momentum of momentum and nesterov (rmsprop's alpha is 0.99)", FRACTION
    )
    betas: list[float] = option([0.9, 0.999], "Adam's beta1, beta2", ListOf(FRACTION, length=2))
    weight_decay: float = option(0.0, "L2 penalty (decoupled for adamw)", NON_NEGATIVE)
    decay_all: bool = option(False, "also decay biases and batch-norm parameters", FLAG)
    l1: float = option(0.0, "L1 penalty on the decayed weights, added to the loss", NON_NEGATIVE)
    schedule: str = option("constant", "learning-rate schedule (inv: 1/t decay)", OneOf(SCHEDULES))
    schedule_unit: str = option(
        "epoch", "t of the schedule counts epochs or optimiser steps", OneOf(SCHEDULE_UNITS)
    )
    milestones: list[int] = option(
        [],
        "step schedule: t at which lr *= gamma",
        ListOf(Integer(1, 10**9, high_text="10**9"), increasing=True),
    )
    gamma: float = option(
        0.1,
        "step and plateau schedules: the factor applied to the lr",
        Real(0.0, 1.0, low_open=True),
    )
    decay_k: float = option(0.1, "exp: lr0*exp(-k*t); inv: lr0/(1+k*t)", NON_NEGATIVE)
    min_lr: float = option(0.0, "cosine: the lr reached at the end", NON_NEGATIVE)
    plateau_patience: int = option(
        3, "plateau: epochs without improvement before lr *= gamma", EPOCHS
    )
    warmup: int = option(0, "optimiser steps of linear warm-up from 0 to the scheduled lr", STEPS)
    pretrained: str = option(
        "", "run folder or weight file (.safetensors, .pt, .pth) to start from", Text()
    )
    freeze: list[str] = option(
        [], "layers kept as loaded, e.g. features", ListOf(Text(nonempty=True))
    )
    init: str = option("default", "weight init (normal: N(0, 0.01))", OneOf(INITS))
    loss: str = option("cross_entropy", "loss (hinge: multiclass SVM loss)", OneOf(LOSSES))
    label_smoothing: float = option(0.0, "cross-entropy target smoothing", FRACTION)
    task: str = option(
        "auto",
        "what the network learns: classify, localise (class and box) or sequence (multi-digit); "
        "auto: sequence for a dataset of digit sequences, localise for one with boxes",
        OneOf(TASK_CHOICES),
    )
    box_loss: str = option(
        "smooth-l1", "localise: the box loss on 0..1 coordinates", OneOf(BOX_LOSSES)
    )
    box_weight: float = option(
        1.0, "localise: the box loss's weight against the class loss", NON_NEGATIVE
    )
    dropout: float | None = option(
        None, "set p of every Dropout layer", Maybe(FRACTION, "None (the model's own)")
    )
    adversarial: str = option(
        "none",
        "adversarial training: fgsm-rs (Wong et al., 2020) or pgd (Madry et al., 2018); the "
        "best checkpoint then follows robust validation accuracy",
        OneOf(ADVERSARIAL),
    )
    adv_eps: float = option(0.3, "adversarial training's L-inf radius, 0..1 pixels", Real(0, 1))
    adv_steps: int = option(7, "pgd training's steps", Integer(1, 1000))
    adv_step_size: float = option(
        0.0,
        "adversarial step, 0..1 pixels (0: fgsm-rs 1.25 eps, pgd 2.5 eps / steps)",
        Real(0, 1),
    )
    monitor: str = option(
        "val_accuracy", "metric deciding the best checkpoint and early stopping", OneOf(MONITORS)
    )
    early_stopping: int = option(
        0, "stop after this many epochs without improvement (0: never)", EPOCHS
    )
    amp: str = option(
        "none",
        "mixed precision: bf16 (autocast) or fp16 (GradScaler, CUDA only)",
        OneOf(AMP_MODES),
    )
    compile: bool = option(False, "run the model through torch.compile", FLAG)
    channels_last: bool = option(False, "NHWC memory layout for model and batches", FLAG)
    clip_grad: float = option(
        0.0, "clip the gradient norm to this value (0: no clipping)", NON_NEGATIVE
    )
    ema: float = option(0.0, "decay of an exponential moving average of weights (0: off)", FRACTION)
    checkpoint_every: int = option(
        0, "also checkpoint every this many optimiser steps (0: per epoch)", STEPS
    )
    keep_checkpoints: int = option(
        2, "resumable checkpoints kept (the newest ones)", Integer(1, 1000)
    )
    check_every: int = option(
        50, "steps between finiteness checks and progress-bar updates", Integer(1, 1_000_000)
    )
    deterministic: bool = option(
        False, "deterministic algorithms only: bitwise-repeatable on the CPU", FLAG
    )
    tensorboard: bool = option(True, "write TensorBoard event files to tb/", FLAG)
    seed: int = option(0, "seeds the split, the initialisation and the shuffle order", SEED)
    device: str = option("cpu", "the device to train on", checks.DEVICE)
    out: str = option("runs/run", "the run folder", Text(nonempty=True))

    def __post_init__(self) -> None:
        validate(self)  # every field's declared range, in order
        if self.data == "folder" and not self.data_dir:
            raise ConfigError("data 'folder' needs a path: folder:PATH, or data_dir=PATH")
        if self.stream and not is_folder(self.data):
            raise ConfigError(
                f"stream applies to image folders (folder:PATH), found dataset {self.data!r}, "
                "which is held in memory; leave out --stream"
            )
        if self.amp == "fp16" and not self.device.startswith("cuda"):
            raise ConfigError(f"amp 'fp16' needs a CUDA device, found {self.device!r}; use bf16")
        if self.folds == 1 or self.fold >= max(self.folds, 1):
            raise ConfigError(
                f"folds must be 0 (off) or at least 2, and fold in 0..folds-1; found fold "
                f"{self.fold} of folds {self.folds}"
            )
        if self.schedule == "step" and not self.milestones:
            raise ConfigError("schedule 'step' needs milestones, e.g. --milestones 30,60")
        self._augmentation = parse_augment(self.augment)

    @property
    def augmentation(self) -> Augment:
        """The ``augment`` spec as typed operations, parsed when the config was built (again
        only if the field was reassigned since). Fit or copy it; do not change it in place."""
        if self._augmentation.spec != self.augment:
            self._augmentation = parse_augment(self.augment)
        return self._augmentation

    def recipe(self) -> dict[str, Any]:
        """Every field a user sets, as plain values (the parsed augmentation left out)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if not k.startswith("_")}

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "") -> TrainConfig:
        """A config of ``values``; ``source`` (``recipe r.toml``) starts every error message."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{source or 'config'}: unknown fields {unknown}; known fields: {sorted(known)}"
            )
        try:
            return cls(**values)
        except ConfigError as exc:
            if not source:
                raise
            raise ConfigError(f"{source}: {exc}") from None


def read_toml(path: Path, source: str) -> dict[str, Any]:
    """The tables of the TOML file ``path`` without its free-text ``description``; ``source``
    (``recipe r.toml``, ``--space s.toml``) starts the error when it is missing or invalid."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from exc
    values.pop("description", None)  # free text for people reading the file
    return values


def load_recipe(path: str | Path) -> dict[str, Any]:
    """The fields a TOML recipe sets, checked against TrainConfig (unknown names are errors)."""
    path = Path(path)
    values = read_toml(path, f"recipe {path}")
    TrainConfig.from_dict(values, source=f"recipe {path}")
    return values


def field_help() -> dict[str, str]:
    """Each field's declared help text followed by its valid values, by field name."""
    return help_texts(TrainConfig)
