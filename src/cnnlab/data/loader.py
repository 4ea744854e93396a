"""Batches from an in-memory dataset, shuffled per epoch, augmented and normalised on the device.

No per-sample Python runs in the loop: a batch is one index into the uint8 tensor, one
conversion to float, the augmentation's batch operations and one preprocessing call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from cnnlab.data.dataset import Dataset
from cnnlab.data.preprocess import Preprocess

BatchTransform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


class InMemoryLoader:
    """Yields ``(x, y)``: ``x`` float (N, C, H, W) on ``device``, augmented by ``augment``
    (on the 0..1 scale, with the epoch's seeded CPU generator), then ``preprocess``-ed (or
    standardised with ``mean``/``std``), optionally in channels_last layout."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        *,
        mean: list[float] | None = None,
        std: list[float] | None = None,
        preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None,
        shuffle: bool = False,
        seed: int = 0,
        device: str | torch.device = "cpu",
        augment: BatchTransform | None = None,
        drop_last: bool = False,
        channels_last: bool = False,
        targets: torch.Tensor | None = None,
    ):
        self.device = torch.device(device)
        self.images = dataset.images.to(self.device)
        # what ``y`` holds: the labels, or a task's targets (cnnlab.data.targets)
        self.labels = (dataset.labels if targets is None else targets).to(self.device)
        self.batch_size = batch_size
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.augment = augment
        if preprocess is None and mean is not None and std is not None:
            preprocess = Preprocess("standardize", list(mean), list(std))
        self.preprocess = preprocess
        self.channels_last = channels_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """The order and the augmentations depend only on (seed, epoch): a resumed run sees
        the same batches."""
        self.epoch = epoch

    def __len__(self) -> int:
        n = len(self.labels)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.labels)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(n, generator=generator) if self.shuffle else torch.arange(n)
        order = order.to(self.device)
        for batch in range(len(self)):
            index = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            x = self.images.index_select(0, index).float().div_(255)
            if self.augment is not None:
                x = self.augment(x, generator)
            if self.preprocess is not None:
                x = self.preprocess(x)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x, self.labels.index_select(0, index)
