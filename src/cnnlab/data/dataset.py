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
    # multi-digit sets: int64 (N, K) digit classes in reading order, -1 after the last digit
    sequences: torch.Tensor | None = None
    digit_boxes: torch.Tensor | None = None  # float32 (N, K, 4): each digit's box, 0 after the last

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
        if self.sequences is not None:
            self.check_sequences(self.sequences, self.digit_boxes)

    def check_sequences(self, sequences: torch.Tensor, digit_boxes: torch.Tensor | None) -> None:
        positions = sequences.shape[1] if sequences.ndim == 2 else 0
        if sequences.shape != (len(self.images), positions) or positions == 0:
            raise DataError(
                f"dataset {self.name!r}: expected {len(self.images)} sequences of digit "
                f"classes (N, positions), found {tuple(sequences.shape)}"
            )
        if digit_boxes is not None and digit_boxes.shape != (*sequences.shape, 4):
            raise DataError(
                f"dataset {self.name!r}: expected digit boxes of shape "
                f"{(*sequences.shape, 4)}, found {tuple(digit_boxes.shape)}"
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
        return Dataset(
            self.name,
            self.images[index],
            self.labels[index],
            self.classes,
            *(None if t is None else t[index] for t in self.annotations()),
        )

    def annotations(self) -> tuple[torch.Tensor | None, ...]:
        """What a dataset carries beside each image's class: boxes, sequences, digit boxes."""
        return self.boxes, self.sequences, self.digit_boxes

    def with_images(self, images: torch.Tensor, pad: int = 0) -> Dataset:
        """The same dataset with its images replaced by ``images``: these resized, then padded
        by ``pad`` pixels on every side. The boxes follow the pixels."""
        height, width = (side - 2 * pad for side in images.shape[-2:])
        scale = torch.tensor([width / self.images.shape[-1], height / self.images.shape[-2]] * 2)
        offset = torch.tensor([pad, pad, 0, 0], dtype=torch.float32)

        def moved(boxes: torch.Tensor | None) -> torch.Tensor | None:
            return None if boxes is None else boxes * scale + offset

        boxes, sequences, digit_boxes = self.annotations()
        return Dataset(
            self.name, images, self.labels, self.classes, moved(boxes), sequences,
            moved(digit_boxes),
        )  # fmt: skip

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
