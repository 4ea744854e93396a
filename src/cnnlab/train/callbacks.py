"""Hook points of the training loop, and the built-in callbacks.

The trainer calls ``on_fit_start``, ``on_step_end`` (after each optimiser step),
``on_epoch_end`` (with the epoch's metrics row) and ``on_fit_end``. A callback with
state returns it from ``state_dict`` so a resumed run continues it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnlab.train.trainer import Trainer


class Callback:
    def on_fit_start(self, trainer: Trainer) -> None: ...

    def on_step_end(self, trainer: Trainer) -> None: ...

    def on_epoch_end(self, trainer: Trainer, row: dict[str, Any]) -> None: ...

    def on_fit_end(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class BestAndEarlyStop(Callback):
    """Keep ``checkpoints/best`` at the best value of ``monitor``; with ``patience`` > 0, stop
    training after that many epochs without improvement (early stopping)."""

    def __init__(self, monitor: str, patience: int):
        self.monitor, self.patience = monitor, patience
        self.higher_is_better = not monitor.endswith("loss")
        self.best: float | None = None
        self.best_epoch = 0
        self.epochs_since = 0

    def improved(self, value: float) -> bool:
        if self.best is None:
            return True
        return value > self.best if self.higher_is_better else value < self.best

    def on_epoch_end(self, trainer: Trainer, row: dict[str, Any]) -> None:
        if self.monitor not in row:  # no validation split: the newest weights are the best
            trainer.save_best()
            return
        value = row[self.monitor]
        if self.improved(value):
            self.best, self.best_epoch, self.epochs_since = value, row["epoch"], 0
            trainer.save_best()
            return
        self.epochs_since += 1
        if self.patience and self.epochs_since >= self.patience:
            trainer.stop(
                f"early stopping: {self.monitor} has not improved for {self.patience} epochs "
                f"(best {self.best:.4f} at epoch {self.best_epoch})"
            )

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "since": self.epochs_since}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.epochs_since = state["since"]
