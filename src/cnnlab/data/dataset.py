"""The in-memory dataset: uint8 images in NCHW, int64 labels and class names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from cnnlab.data.stratify import stratified_folds, stratified_indices
from cnnlab.errors import DataError


@dataclass
class Dataset:
    name: str
    images: torch.Tensor  # uint8, (N, C, H, W)
    labels: torch.Tensor  # int64, (N,)
    classes: list[str]
    boxes: torch.Tensor | None = None  # float32 (N, 4): x, y, width, height in pixels, or None

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise DataError(
                f"dataset {self.name!r}: expected uint8 images of shape (N, C, H, W), "
                f"found {self.images.dtype} of shape {tuple(self.images.shape)}"
            )
        if self.labels.shape != (len(self.images),):
            raise DataError(
                f"dataset {self.name!r}: expected {len(self.images)} labels (one per image), "
                f"found {tuple(self.labels.shape)}"
            )
        self.labels = self.labels.to(torch.int64)
        if self.boxes is not None and self.boxes.shape != (len(self.images), 4):
            raise DataError(
                f"dataset {self.name!r}: expected {len(self.images)} boxes (x, y, w, h), "
                f"found {tuple(self.boxes.shape)}"
            )

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def subset(self, indices: np.ndarray | torch.Tensor) -> Dataset:
        index = torch.as_tensor(indices, dtype=torch.int64)
        boxes = self.boxes[index] if self.boxes is not None else None
        return Dataset(self.name, self.images[index], self.labels[index], self.classes, boxes)

    def channel_stats(self) -> tuple[list[float], list[float]]:
        """Per-channel mean and (unbiased) standard deviation of the pixels, on the 0..1 scale.

        Counted from each channel's histogram of the 256 byte values, so no float copy of
        the images is made (a float64 copy of MNIST's training split is 440 MB) and both
        figures are exact to float64 rounding."""
        values = torch.arange(256, dtype=torch.float64) / 255
        means, stds = [], []
        for channel in range(self.images.shape[1]):
            counts = torch.bincount(self.images[:, channel].reshape(-1), minlength=256).double()
            total = counts.sum()
            mean = counts @ values / total
            variance = counts @ (values - mean).square() / (total - 1)
            means.append(mean.item())
            stds.append(variance.sqrt().item())
        return means, stds


def stratified_split(dataset: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """Split off ``fraction`` of ``dataset`` with every class in proportion, reproducibly.
    ``fraction`` 0 holds nothing out (the second part is empty)."""
    if not 0.0 <= fraction < 1.0:
        raise DataError(f"split fraction must be in [0, 1), found {fraction}")
    if fraction == 0.0:
        return dataset, dataset.subset(np.zeros(0, dtype=np.int64))
    try:
        keep, held_out = stratified_indices(dataset.labels.numpy(), fraction, seed)
    except ValueError as exc:  # a class too small to appear on both sides
        counts = torch.bincount(dataset.labels, minlength=dataset.num_classes)
        smallest = int(counts.argmin())
        raise DataError(
            f"dataset {dataset.name!r}: cannot hold out {fraction:g} of {len(dataset)} images "
            f"with each of the {dataset.num_classes} classes on both sides (the smallest, "
            f"{dataset.classes[smallest]!r}, has {int(counts[smallest])} image(s)): {exc}"
        ) from None
    return dataset.subset(keep), dataset.subset(held_out)


def fold_split(dataset: Dataset, folds: int, fold: int, seed: int) -> tuple[Dataset, Dataset]:
    """K-fold cross-validation: ``(the other folds, fold number fold)`` of ``folds``
    stratified, seeded folds of ``dataset``."""
    if not 0 <= fold < folds or folds < 2:
        raise DataError(f"fold must be in [0, folds) with folds >= 2, found fold {fold} of {folds}")
    try:
        parts = stratified_folds(dataset.labels.numpy(), folds, seed)
    except ValueError as exc:
        raise DataError(f"dataset {dataset.name!r}: cannot make {folds} folds: {exc}") from None
    rest = np.sort(np.concatenate([p for k, p in enumerate(parts) if k != fold]))
    return dataset.subset(rest), dataset.subset(parts[fold])


def per_class_subset(dataset: Dataset, k: int, seed: int) -> Dataset:
    """``k`` images of every class, drawn reproducibly from ``seed`` (few-shot training)."""
    if k < 1:
        raise DataError(f"per_class must be at least 1, found {k}")
    counts = torch.bincount(dataset.labels, minlength=dataset.num_classes)
    if int(counts.min()) < k:
        smallest = int(counts.argmin())
        raise DataError(
            f"dataset {dataset.name!r}: expected at least {k} image(s) of every class for "
            f"per_class={k}, found {int(counts[smallest])} of class "
            f"{dataset.classes[smallest]!r}"
        )
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=generator)
    chosen = [order[dataset.labels[order] == c][:k] for c in range(dataset.num_classes)]
    return dataset.subset(torch.cat(chosen).sort().values)
