"""The training configuration: one typed dataclass, stored whole in the run folder."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from cnnlab.errors import ConfigError

OPTIMIZERS = ("sgd", "adam")


@dataclass
class TrainConfig:
    model: str = "lenet5"  # registered model name (`cnnlab models`)
    model_args: dict[str, Any] = field(default_factory=dict)  # constructor overrides
    data: str = "digits"  # registered dataset name
    data_dir: str | None = None  # where datasets live; None: $CNNLAB_DATA or the cache folder
    val_split: float = 0.1  # fraction of the training split held out for validation
    epochs: int = 10
    batch_size: int = 64  # images per optimiser step
    lr: float = 1e-3  # base learning rate
    optimizer: str = "adam"  # one of OPTIMIZERS
    momentum: float = 0.9  # SGD momentum
    weight_decay: float = 0.0  # L2 penalty
    seed: int = 0  # seeds the split, the initialisation and the shuffle order
    device: str = "cpu"  # "cpu", "cuda" or "cuda:N"
    out: str = "runs/run"  # the run folder

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimizer {self.optimizer!r}: expected one of {', '.join(OPTIMIZERS)}"
            )
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, found {getattr(self, name)}")
        if self.lr <= 0:
            raise ConfigError(f"lr must be positive, found {self.lr}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown config fields {unknown}; known fields: {sorted(known)}")
        return cls(**values)
