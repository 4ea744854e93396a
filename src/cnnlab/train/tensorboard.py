"""TensorBoard event files in ``RUN/tb/``: every per-epoch number of metrics.jsonl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnnlab.errors import ConfigError


class TensorBoardLog:
    """Scalars tagged ``loss/train``, ``accuracy/val``, ``lr`` ... against the epoch."""

    def __init__(self, folder: Path, *, purge_after: int | None = None):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ConfigError(
                "TensorBoard logging needs the tensorboard package "
                "(pip install 'cnnlab[tensorboard]'), or pass --no-tensorboard"
            ) from exc
        # purge_step drops events a resumed run is about to write again
        purge = None if purge_after is None else purge_after + 1
        self.writer = SummaryWriter(log_dir=str(folder), purge_step=purge)

    def log(self, row: dict[str, Any]) -> None:
        epoch = row["epoch"]
        for key, value in row.items():
            if key == "epoch" or not isinstance(value, int | float) or isinstance(value, bool):
                continue
            split, _, name = key.partition("_")
            tag = f"{name}/{split}" if split in ("train", "val") and name else key
            self.writer.add_scalar(tag, value, epoch)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
