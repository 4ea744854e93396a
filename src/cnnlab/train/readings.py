"""What a run's network says about images, whatever its head: class probabilities, a box
in pixels (localisation) or a digit sequence (multi-digit reading)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from cnnlab.nn.localisation_head import LocalisationHead
from cnnlab.nn.multidigit_head import read_sequences
from cnnlab.train.run import BATCH_SIZE, Run


@dataclass
class Readings:
    probabilities: torch.Tensor | None  # (N, classes); None for a multi-digit reader
    boxes: torch.Tensor | None  # (N, 4) x, y, w, h in pixels of the run's images (localise)
    sequences: torch.Tensor | None  # (N, positions) digit classes, -1 after the last

    def sequence_text(self, index: int, classes: list[str]) -> str:
        """Image ``index``'s digits as text: ``"4071"``."""
        assert self.sequences is not None
        return "".join(classes[int(d)] for d in self.sequences[index] if d >= 0)


def read_images(run: Run, images: torch.Tensor, batch_size: int = BATCH_SIZE) -> Readings:
    """The readings of uint8 images at the run's image shape, on the CPU."""
    if run.task == "classify":
        return Readings(run.predict(images, batch_size), None, None)
    return readings_of_outputs(run, run.outputs(images, batch_size))


def readings_of_outputs(run: Run, outputs: torch.Tensor) -> Readings:
    """The readings in ``outputs``, the raw output (CPU) of ``run``'s task head: a box or a
    digit sequence per image."""
    if run.task == "localise":
        scores, boxes = LocalisationHead.split(outputs)
        _, height, width = run.input_shape
        pixels = boxes * torch.tensor([width, height, width, height], dtype=boxes.dtype)
        return Readings(scores.softmax(1), pixels, None)
    positions = run.model.head_args.get("positions", 5)
    return Readings(None, None, read_sequences(outputs, positions))
