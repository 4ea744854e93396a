"""What a batch's ``y`` holds for each training task, built from a dataset's annotations.

- ``classify``: the int64 labels (N,);
- ``localise``: float32 (N, 5): the label, then the box x, y, w, h as fractions of the
  image's width and height (what a localisation head regresses);
- ``sequence``: int64 (N, 1 + positions): the number of digits, then the digits, -1
  after the last (what a multi-digit head reads).
"""

from __future__ import annotations

import torch

from cnnlab.data.dataset import Dataset
from cnnlab.errors import DataError

TASKS = ("classify", "localise", "sequence")


def task_targets(dataset: Dataset, task: str) -> torch.Tensor:
    """The ``y`` of every image of ``dataset`` for ``task``."""
    if task == "classify":
        return dataset.labels
    if task == "localise":
        if dataset.boxes is None:
            raise DataError(f"dataset {dataset.name!r} has no boxes: it cannot train a box")
        _, height, width = dataset.image_shape
        scale = torch.tensor([width, height, width, height], dtype=torch.float32)
        return torch.cat([dataset.labels[:, None].float(), dataset.boxes / scale], dim=1)
    if task == "sequence":
        if dataset.sequences is None:
            raise DataError(f"dataset {dataset.name!r} has no digit sequences to read")
        lengths = (dataset.sequences >= 0).sum(1, keepdim=True)
        return torch.cat([lengths, dataset.sequences], dim=1)
    raise DataError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")
