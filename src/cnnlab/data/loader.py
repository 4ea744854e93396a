"""Batches from an in-memory dataset, shuffled per epoch, normalised on the device.

No per-sample Python runs in the loop: a batch is one index into the uint8 tensor,
one conversion to float and one normalisation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from cnnlab.data.dataset import Dataset

BatchTransform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


class InMemoryLoader:
    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        *,
        mean: list[float],
        std: list[float],
        shuffle: bool = False,
        seed: int = 0,
        device: str | torch.device = "cpu",
        augment: BatchTransform | None = None,
        drop_last: bool = False,
    ):
        self.device = torch.device(device)
        self.images = dataset.images.to(self.device)
        self.labels = dataset.labels.to(self.device)
        self.batch_size = batch_size
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.augment = augment
        self.mean = torch.tensor(mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, -1, 1, 1)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """The order depends only on (seed, epoch): a resumed run sees the same batches."""
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
            x = self.images[index].float().div_(255)
            if self.augment is not None:
                x = self.augment(x, generator)
            yield (x - self.mean) / self.std, self.labels[index]
