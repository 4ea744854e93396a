"""The run folder's files: where training writes them and how they are read back.

Only training and :class:`cnnlab.train.run.Run` use this module; every other command
opens a trained run as a ``Run``.

```
RUN/config.json            the TrainConfig
RUN/preprocess.json        the normalisation fitted on the training split
RUN/metrics.jsonl          one line per epoch
RUN/results.json           the final test evaluation
RUN/checkpoints/           ckpt-*/ (resumable), last.safetensors + last.state.pt, best.safetensors,
                           init.safetensors (the weights training started from)
RUN/tb/                    TensorBoard event files
RUN/plots/                 curves.png, confusion.png
```
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cnnlab.atomic import atomic_write_text
from cnnlab.errors import RunError, write_fault
from cnnlab.files import read_text
from cnnlab.train.config import TrainConfig

TEXT_LIMIT = 256 << 20  # bytes: the largest config, metrics or results file read


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
        values = self.read_json(self.config_path)
        if not isinstance(values, dict):
            raise RunError(f"{self.config_path}: expected a JSON object of config fields")
        return TrainConfig.from_dict(values, source=str(self.config_path))

    def write_config(self, config: TrainConfig) -> None:
        atomic_write_text(self.config_path, config.to_json())

    def write_json(self, path: Path, value: Any) -> None:
        atomic_write_text(path, json.dumps(value, indent=2, sort_keys=True))

    def read_text(self, path: Path) -> str:
        """A run file's text, from a regular file of bounded size; a RunError naming it if
        it is missing, a link or device, too large or unreadable."""
        if not path.exists() and not path.is_symlink():
            raise RunError(f"run folder {self.path} has no {path.name}")
        return read_text(path, TEXT_LIMIT)

    def read_json(self, path: Path) -> Any:
        try:
            return json.loads(self.read_text(path))
        except json.JSONDecodeError as exc:
            raise RunError(f"{path} cannot be read as JSON: {exc}") from exc

    def prepare(
        self, config: TrainConfig, preprocess: dict[str, Any], *, resumed_epoch: int | None
    ) -> None:
        """A fresh run clears what an earlier run left here (checkpoints, events, metrics); a
        resumed one keeps the metrics rows of the epochs its checkpoint completed."""
        self.refuse_foreign()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_fault(exc, self.path, "nothing was written") from exc
        self.write_config(config)  # on resume too: flags may have changed it (--epochs)
        if resumed_epoch is not None:
            kept = [row for row in self.metrics() if row["epoch"] <= resumed_epoch]
            self.write_lines(self.metrics_path, kept)
            return
        for stale in (self.checkpoints, self.path / "tb"):
            shutil.rmtree(stale, ignore_errors=True)
        self.write_json(self.preprocess_path, preprocess)
        self.metrics_path.unlink(missing_ok=True)

    def refuse_foreign(self) -> None:
        """A folder that holds files but no run is someone else's: never write over it."""
        if self.path.is_dir() and not self.config_path.is_file() and any(self.path.iterdir()):
            raise RunError(
                f"--out {self.path} holds other files and is not a cnnlab run folder: "
                "choose an empty or new folder"
            )

    def write_lines(self, path: Path, rows: list[dict[str, Any]]) -> None:
        """Replace ``path`` with one JSON line per row, atomically."""
        atomic_write_text(path, "".join(json.dumps(row) + "\n" for row in rows))

    def append_metrics(self, row: dict[str, Any]) -> None:
        """One line more; a kill mid-write can leave a cut last line, which ``metrics``
        drops."""
        try:
            with open(self.metrics_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")
        except OSError as exc:
            raise write_fault(exc, self.metrics_path, "the earlier epochs' rows are kept") from exc

    def metrics(self) -> list[dict[str, Any]]:
        """The epochs' rows. A last line cut short (a kill during ``append_metrics``) is
        dropped; damage anywhere else is a RunError naming the line."""
        if not self.metrics_path.exists() and not self.metrics_path.is_symlink():
            return []
        lines = [line for line in self.read_text(self.metrics_path).splitlines() if line.strip()]
        rows = []
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if not isinstance(row, dict) or not isinstance(row.get("epoch"), int):
                if number == len(lines):
                    break
                raise RunError(
                    f"{self.metrics_path}, line {number}: expected a JSON object with an "
                    f"integer epoch, found {line[:60]!r}"
                )
            rows.append(row)
        return rows

    def results(self) -> dict[str, Any] | None:
        """The final test evaluation, or None if training has not finished."""
        if not self.results_path.exists() and not self.results_path.is_symlink():
            return None
        results = self.read_json(self.results_path)
        if not isinstance(results, dict):
            raise RunError(f"{self.results_path}: expected a JSON object")
        return results
