"""Data-parallel training under ``torchrun``: process group, sharded batches, reductions.

``torchrun --nproc_per_node=N -m cnnlab train ...`` sets RANK and WORLD_SIZE; each
process then trains a replica (DDP averages the gradients). Every process draws the
same global batch from the in-memory loader and keeps its slice ``[rank::world]``,
so N processes see exactly the batches one process would, and only rank 0 writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist

from cnnlab.data import InMemoryLoader
from cnnlab.errors import ConfigError


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def join(device: str, batch_size: int) -> World:
    """Join the process group torchrun describes (gloo on the CPU, NCCL on CUDA), if any."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World()
    if batch_size % size:
        raise ConfigError(
            f"batch_size {batch_size} must divide evenly over {size} processes "
            f"(each takes batch_size / {size})"
        )
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return World(dist.get_rank(), dist.get_world_size())


def leave(world: World) -> None:
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()


class ShardedLoader:
    """This process's slice of each global batch of an :class:`InMemoryLoader`, with the weight
    ``len(slice) * world / len(batch)`` of its mean loss: DDP averages the processes'
    gradients, so weighted slices give exactly the gradient of the global batch's mean loss
    even when the last batch does not split evenly."""

    def __init__(self, loader: InMemoryLoader, world: World):
        self.loader, self.world = loader, world

    def set_epoch(self, epoch: int) -> None:
        self.loader.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, float]]:
        rank, size = self.world.rank, self.world.size
        for x, y in self.loader:
            if size == 1:
                yield x, y, 1.0
            else:
                mine = y[rank::size]
                yield x[rank::size], mine, len(mine) * size / len(y)


def all_sum(world: World, *tensors: torch.Tensor) -> None:
    """Sum ``tensors`` over all processes, in place."""
    if world.distributed:
        for tensor in tensors:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
