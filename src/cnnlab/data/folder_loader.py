"""Batches streamed from an image folder: decoded by DataLoader workers, augmented per batch.

For folders too large to hold in memory. Worker processes decode and resize with
Pillow; after collation each batch goes through the same steps as
:class:`cnnlab.data.InMemoryLoader`'s: to float on 0..1, the batch transform
``fn(batch, generator)``, normalisation. The order and the augmentation's randomness
depend only on (seed, epoch).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch
from rich.console import Console

from cnnlab.data.folder import scan_class_folder
from cnnlab.data.images import (
    ON_BAD_IMAGE,
    BadImage,
    ImageFiles,
    bad_images_message,
    collate,
    default_workers,
)
from cnnlab.data.loader import BatchTransform
from cnnlab.errors import DataError


class ImageFolderLoader:
    def __init__(
        self,
        folder: str | Path,
        batch_size: int,
        *,
        size: int | tuple[int, int],
        mean: list[float],
        std: list[float],
        mode: str = "RGB",
        shuffle: bool = False,
        seed: int = 0,
        num_workers: int | None = None,
        augment: BatchTransform | None = None,
        on_bad_image: str = "fail",
        device: str | torch.device = "cpu",
    ):
        if on_bad_image not in ON_BAD_IMAGE:
            raise DataError(
                f"on_bad_image must be one of {', '.join(ON_BAD_IMAGE)}, found {on_bad_image!r}"
            )
        scanned = scan_class_folder(folder)
        self.root, self.classes = scanned.root, list(scanned.classes)
        size = (size, size) if isinstance(size, int) else tuple(size)
        self.files = ImageFiles(scanned.samples, mode, size)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.num_workers = default_workers(len(self.files)) if num_workers is None else num_workers
        self.augment, self.on_bad_image = augment, on_bad_image
        self.device = torch.device(device)
        self.mean = torch.tensor(mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, -1, 1, 1)
        self.epoch = 0
        self.bad: dict[Path, BadImage] = {}  # every bad file met so far

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-len(self.files) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(len(self.files), generator=generator) if self.shuffle else None
        loader = torch.utils.data.DataLoader(
            self.files,
            batch_size=self.batch_size,
            sampler=order.tolist() if order is not None else None,
            num_workers=self.num_workers,
            collate_fn=collate,
            pin_memory=self.device.type == "cuda",
        )
        met = len(self.bad)
        for batch in loader:
            self.bad.update((item.path, item) for item in batch.bad)
            if batch.bad and self.on_bad_image == "fail":
                message = bad_images_message(self.root, batch.bad, len(self.files), "found")
                raise DataError(f"{message}\n(pass on_bad_image='skip' to leave them out)")
            if not len(batch.labels):
                continue
            x = batch.images.to(self.device, non_blocking=True).float().div_(255)
            if self.augment is not None:
                x = self.augment(x, generator)
            yield (x - self.mean) / self.std, batch.labels.to(self.device)
        if len(self.bad) > met:
            Console(stderr=True, soft_wrap=True).print(
                bad_images_message(self.root, list(self.bad.values()), len(self.files), "skipped"),
                markup=False,
                highlight=False,
            )
