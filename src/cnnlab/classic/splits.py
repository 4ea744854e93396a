"""The images a classic classifier learns from and is tested on.

Cross-validation does the job of the validation split here, so the training images are
the dataset's whole official training split (cnnlab's train and val together).
"""

from __future__ import annotations

import torch

from cnnlab import data
from cnnlab.data.dataset import per_class_subset
from cnnlab.train.run import Run


def load_splits(
    name: str | None,
    *,
    data_dir: str | None = None,
    run: Run | None = None,
    per_class: int = 0,
    seed: int = 0,
) -> tuple[data.Dataset, data.Dataset]:
    """(training images, test images) of dataset ``name``; of ``run``'s dataset, padded as
    in its training, when ``name`` is None. ``per_class``: keep that many training images
    of each class (0: all)."""
    if name is None and run is not None:
        train, val, test = (run.dataset(split) for split in ("train", "val", "test"))
    else:
        name = name or "digits"
        train, val, test = (
            data.load(name, split, data_dir=data_dir, seed=seed)
            for split in ("train", "val", "test")
        )
    whole = data.Dataset(
        train.name,
        torch.cat([train.images, val.images]),
        torch.cat([train.labels, val.labels]),
        train.classes,
    )
    return (per_class_subset(whole, per_class, seed) if per_class else whole), test
