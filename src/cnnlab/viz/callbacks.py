"""Training callbacks that draw: the learning curves and the test confusion matrix.

Training itself draws nothing (the ``train`` layer sits below ``viz``); ``cnnlab train``
passes :class:`SavePlots`, and so can a notebook::

    fit(config, callbacks=[SavePlots()])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnnlab.train.callbacks import Callback
from cnnlab.viz.plots import plot_confusion, plot_curves

if TYPE_CHECKING:
    from cnnlab.train.trainer import Trainer


class SavePlots(Callback):
    """When training ends, ``plots/curves.png`` and ``plots/confusion.png`` in the run."""

    def on_fit_end(self, trainer: Trainer) -> None:
        if not trainer.world.is_main:
            return
        plots = trainer.run.plots
        plot_curves(trainer.run.metrics(), plots / "curves.png")
        plot_confusion(trainer.result.confusion, trainer.classes, plots / "confusion.png")
