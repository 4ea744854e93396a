"""The run folder: everything a later command needs to rebuild the model and its data.

```
RUN/config.json            the TrainConfig
RUN/preprocess.json        the normalisation fitted on the training split
RUN/metrics.jsonl          one line per epoch
RUN/results.json           the final test evaluation
RUN/checkpoints/           ckpt-*/ (resumable), last.safetensors + last.state.pt, best.safetensors
RUN/tb/                    TensorBoard event files
RUN/plots/                 curves.png, confusion.png
```
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from torch import nn

from cnnlab import models
from cnnlab.atomic import atomic_write_text
from cnnlab.errors import RunError
from cnnlab.train.checkpoint import read_weights
from cnnlab.train.config import TrainConfig


class RunFolder:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        """An existing run folder; a RunError naming the path if it is not one."""
        run = cls(path)
        if not run.path.exists():
            raise RunError(f"run folder {run.path} does not exist")
        if not run.path.is_dir():
            raise RunError(f"run folder {run.path} is not a folder")
        if not run.config_path.is_file():
            raise RunError(
                f"{run.path} is not a cnnlab run folder: expected {run.config_path.name}, "
                "which `cnnlab train` writes first"
            )
        return run

    config_path = property(lambda self: self.path / "config.json")
    metrics_path = property(lambda self: self.path / "metrics.jsonl")
    preprocess_path = property(lambda self: self.path / "preprocess.json")
    results_path = property(lambda self: self.path / "results.json")
    checkpoints = property(lambda self: self.path / "checkpoints")
    plots = property(lambda self: self.path / "plots")

    def weights_path(self, which: str = "last") -> Path:
        return self.checkpoints / f"{which}.safetensors"

    def state_path(self, which: str = "last") -> Path:
        return self.checkpoints / f"{which}.state.pt"

    def config(self) -> TrainConfig:
        return TrainConfig.from_dict(self.read_json(self.config_path))

    def write_config(self, config: TrainConfig) -> None:
        atomic_write_text(self.config_path, config.to_json())

    def write_json(self, path: Path, value: Any) -> None:
        atomic_write_text(path, json.dumps(value, indent=2, sort_keys=True))

    def read_json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RunError(f"run folder {self.path} has no {path.name}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RunError(f"{path} cannot be read as JSON: {exc}") from exc

    def prepare(
        self, config: TrainConfig, preprocess: dict[str, Any], *, resumed_epoch: int | None
    ) -> None:
        """A fresh run clears what an earlier run left here (checkpoints, events, metrics); a
        resumed one keeps the metrics rows of the epochs its checkpoint completed."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.write_config(config)  # on resume too: flags may have changed it (--epochs)
        if resumed_epoch is not None:
            kept = [row for row in self.metrics() if row["epoch"] <= resumed_epoch]
            self.write_lines(self.metrics_path, kept)
            return
        for stale in (self.checkpoints, self.path / "tb"):
            shutil.rmtree(stale, ignore_errors=True)
        self.write_json(self.preprocess_path, preprocess)
        self.metrics_path.unlink(missing_ok=True)

    def write_lines(self, path: Path, rows: list[dict[str, Any]]) -> None:
        """Replace ``path`` with one JSON line per row, atomically."""
        atomic_write_text(path, "".join(json.dumps(row) + "\n" for row in rows))

    def append_metrics(self, row: dict[str, Any]) -> None:
        with open(self.metrics_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")

    def metrics(self) -> list[dict[str, Any]]:
        if not self.metrics_path.is_file():
            return []
        lines = self.metrics_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def load_model(self, which: str = "last") -> nn.Module:
        """Rebuild the model from the weights file alone (its metadata names model and args)."""
        path = self.weights_path(which)
        if not path.is_file():
            raise RunError(f"run folder {self.path} has no checkpoint: expected {path}")
        tensors, meta = read_weights(path)
        model = models.create(meta["model"], **meta.get("model_args", {}))
        model.load_state_dict(tensors, strict=True)
        return model.eval()
