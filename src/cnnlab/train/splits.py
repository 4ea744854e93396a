"""A run's data, split and loaded as training splits it: in memory or streamed from a folder.

Training, evaluation and :class:`~cnnlab.train.run.Run` all take their splits from here,
so a run's test images are the same images whichever command reads them.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from cnnlab import data
from cnnlab.data.folder_loader import StreamSplits, stream_splits
from cnnlab.data.loader import BatchTransform
from cnnlab.data.preprocess import Preprocess
from cnnlab.errors import ConfigError
from cnnlab.train.config import TrainConfig

FIT_SAMPLE = 4096  # training images a streamed run fits its preprocessing on
MAX_SPLIT_BYTES = 8 << 30  # uint8 pixels one split may hold in memory, as for image folders


def load_split(config: TrainConfig, split: str) -> data.Dataset:
    """One split of the run's dataset, resized to ``config.image_size`` (image folders are
    resized as they are decoded, built-in datasets here) and padded (``config.pad``)."""
    ds = data.load(config.data, split, **_load_options(config))
    return _sized(config, ds, split)


def load_splits(config: TrainConfig) -> dict[str, data.Dataset]:
    """The three splits as :func:`load_split` gives them, from one reading of the files."""
    splits = data.load_splits(config.data, **_load_options(config))
    return {split: _sized(config, splits.pop(split), split) for split in data.registry.SPLITS}


def _load_options(config: TrainConfig) -> dict[str, Any]:
    return {
        "data_dir": config.data_dir,
        "seed": config.seed,
        "val_split": config.val_split,
        "folds": config.folds,
        "fold": config.fold,
        "per_class": config.per_class,
        "on_bad_image": config.on_bad_image,
        "image_size": config.image_size or None,
    }


def _sized(config: TrainConfig, ds: data.Dataset, split: str) -> data.Dataset:
    """``ds`` resized and padded as the run asks."""
    check_memory(config, ds, split)
    if config.image_size and ds.image_shape[1:] != (config.image_size, config.image_size):
        ds = ds.with_images(resized(ds.images, config.image_size))
    if config.pad:
        ds = ds.with_images(F.pad(ds.images, [config.pad] * 4), config.pad)
    return ds


def check_memory(config: TrainConfig, ds: data.Dataset, split: str) -> None:
    """Refuse an image size or padding whose split would not fit in memory, before it is
    allocated."""
    channels, height, width = ds.image_shape
    if config.image_size:
        height = width = config.image_size
    height, width = height + 2 * config.pad, width + 2 * config.pad
    needed = len(ds) * channels * height * width
    if needed > MAX_SPLIT_BYTES:
        raise ConfigError(
            f"image_size {config.image_size} and pad {config.pad}: the {split} split of "
            f"{config.data!r} would hold {len(ds):,} images of {channels}x{height}x{width}, "
            f"{needed / 2**30:.1f} GiB, more than the {MAX_SPLIT_BYTES / 2**30:.0f} GiB kept in "
            "memory; choose a smaller size"
        )


def resized(images: torch.Tensor, size: int, chunk: int = 4096) -> torch.Tensor:
    """uint8 images resized to ``size`` x ``size`` (bilinear, antialiased), in chunks so a
    60,000-image split never holds more than one chunk as float."""
    parts = [
        F.interpolate(images[i : i + chunk].float(), size=(size, size), mode="bilinear",
                      antialias=True).round_().clamp_(0, 255).to(torch.uint8)
        for i in range(0, len(images), chunk)
    ]  # fmt: skip
    if not parts:  # an empty split (val_split 0)
        return images.new_empty((0, images.shape[1], size, size))
    return torch.cat(parts)


def folder_files(config: TrainConfig) -> StreamSplits:
    """The files of each split of a streamed image folder, split as :func:`load_split`
    splits the decoded folder."""
    if config.folds:
        raise ConfigError(
            f"folds {config.folds}: k-fold cross-validation splits datasets held in memory, "
            "found a streamed image folder; leave out --stream"
        )
    return stream_splits(
        config.data.partition(":")[2] or config.data_dir or "",
        seed=config.seed,
        val_split=config.val_split,
        per_class=config.per_class,
        on_bad_image=config.on_bad_image,
        image_size=config.image_size or None,
    )


def fit_sample(config: TrainConfig, files: StreamSplits) -> data.Dataset:
    """The training images a streamed run fits its preprocessing (and PCA lighting) on: a
    seeded sample of ``FIT_SAMPLE`` (all of them in a smaller split), padded as the run is."""
    ds = files.sample("train", FIT_SAMPLE, config.seed)
    if config.pad:
        ds = ds.with_images(F.pad(ds.images, [config.pad] * 4), config.pad)
    return ds


def stream_loader(
    config: TrainConfig,
    files: StreamSplits,
    split: str,
    batch_size: int,
    *,
    preprocess: Preprocess | None = None,
    augment: BatchTransform | None = None,
) -> data.ImageFolderLoader:
    """One split of a streamed image folder, decoded in ``config.workers`` processes."""
    return data.ImageFolderLoader(
        files.root,
        batch_size,
        size=files.size,
        mode=files.mode,
        samples=files.splits[split],
        classes=files.classes,
        split=split,
        pad=config.pad,
        preprocess=preprocess,
        shuffle=split == "train",
        seed=config.seed,
        num_workers=None if config.workers < 0 else config.workers,
        augment=augment,
        on_bad_image=config.on_bad_image,
        device=config.device,
        channels_last=config.channels_last,
    )
