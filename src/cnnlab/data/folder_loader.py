"""Batches streamed from an image folder: decoded by DataLoader workers, augmented per batch.

For folders too large to hold in memory. Worker processes decode and resize with
Pillow; after collation each batch goes through the same steps as
:class:`cnnlab.data.InMemoryLoader`'s: to float on 0..1, zero padding, the batch
transform ``fn(batch, generator)``, the preprocessing (or normalisation by mean/std).
The order and the augmentation's randomness depend only on (seed, epoch), so every
process under torchrun draws the same global batch (each decodes all of it).

:func:`stream_splits` gives the files of each split by the protocol of
:func:`cnnlab.data.load`: the folder's ``train/`` and ``test/`` or a stratified fifth held
out as test, then a stratified validation fraction of train and the few-shot subset,
drawn by the same functions from the same seed. Files whose header is unusable are found
before splitting (as the in-memory path does), so the splits match it; a file that fails
only while decoding (truncated data) is met, and skipped or reported, while streaming.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from rich.console import Console

from cnnlab.data.dataset import Dataset, per_class_subset, stratified_split
from cnnlab.data.folder import GREY_MODES, TEST_FRACTION, ClassFolder, scan_class_folder
from cnnlab.data.images import (
    ON_BAD_IMAGE,
    BadImage,
    ImageFiles,
    bad_images_message,
    collate,
    default_workers,
    image_header,
)
from cnnlab.data.loader import BatchTransform
from cnnlab.data.preprocess import Preprocess
from cnnlab.errors import DataError

Samples = list[tuple[Path, int]]


def _check_on_bad_image(on_bad_image: str) -> None:
    if on_bad_image not in ON_BAD_IMAGE:
        raise DataError(
            f"on_bad_image must be one of {', '.join(ON_BAD_IMAGE)}, found {on_bad_image!r}"
        )


class ImageFolderLoader:
    """Yields ``(x, y)`` like :class:`cnnlab.data.InMemoryLoader`, decoding as it goes.

    ``samples`` (with ``classes``) restricts it to those (file, label) pairs, e.g. one
    split from :func:`stream_splits` (``split`` names it in messages about bad files);
    otherwise every file under ``folder`` is used.
    """

    def __init__(
        self,
        folder: str | Path,
        batch_size: int,
        *,
        size: int | tuple[int, int],
        mean: list[float] | None = None,
        std: list[float] | None = None,
        preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None,
        mode: str = "RGB",
        samples: Sequence[tuple[Path, int]] | None = None,
        classes: Sequence[str] | None = None,
        split: str = "",
        pad: int = 0,
        shuffle: bool = False,
        seed: int = 0,
        num_workers: int | None = None,
        augment: BatchTransform | None = None,
        on_bad_image: str = "fail",
        device: str | torch.device = "cpu",
        channels_last: bool = False,
    ):
        _check_on_bad_image(on_bad_image)
        if samples is None or classes is None:
            scanned = scan_class_folder(folder)
            samples, classes = samples or scanned.samples, classes or scanned.classes
        self.root, self.classes = Path(folder), list(classes)
        self.where = f"{self.root} ({split} split)" if split else str(self.root)  # for messages
        size = (size, size) if isinstance(size, int) else tuple(size)
        self.files = ImageFiles(samples, mode, size)
        self.batch_size, self.shuffle, self.seed, self.pad = batch_size, shuffle, seed, pad
        self.num_workers = default_workers(len(self.files)) if num_workers is None else num_workers
        self.augment, self.on_bad_image = augment, on_bad_image
        self.device = torch.device(device)
        if preprocess is None and mean is not None and std is not None:
            preprocess = Preprocess("standardize", list(mean), list(std))
        self.preprocess, self.channels_last = preprocess, channels_last
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
                message = bad_images_message(self.where, batch.bad, len(self.files), "found")
                raise DataError(
                    f"{message} (pass --on-bad-image skip, or on_bad_image='skip', to leave "
                    "them out)"
                )
            if not len(batch.labels):
                continue
            yield self._prepare(batch.images, generator), batch.labels.to(self.device)
        if len(self.bad) > met:
            Console(stderr=True, soft_wrap=True).print(
                bad_images_message(self.where, list(self.bad.values()), len(self.files), "skipped"),
                markup=False,
                highlight=False,
            )

    def _prepare(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        x = images.to(self.device, non_blocking=True).float().div_(255)
        if self.pad:
            x = F.pad(x, [self.pad] * 4)
        if self.augment is not None:
            x = self.augment(x, generator)
        if self.preprocess is not None:
            x = self.preprocess(x)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x


@dataclass(frozen=True)
class StreamSplits:
    """The files of each split of an image folder and the mode and size to decode them at."""

    root: Path
    classes: tuple[str, ...]
    mode: str  # "L" when every usable image is grey, else "RGB"
    size: tuple[int, int]  # (H, W)
    splits: dict[str, Samples]  # train, val, test

    def sample(self, split: str, count: int, seed: int = 0) -> Dataset:
        """Up to ``count`` images of ``split`` drawn from ``seed``, decoded into memory (for
        fitting the preprocessing); all of them when the split is no larger. Files that
        fail to decode are left out here and met again, as bad files, while streaming."""
        files = self.splits[split]
        order = torch.randperm(len(files), generator=torch.Generator().manual_seed(seed))
        chosen = sorted(order[:count].tolist())
        loader = torch.utils.data.DataLoader(
            ImageFiles([files[i] for i in chosen], self.mode, self.size),
            batch_size=64,
            num_workers=default_workers(len(chosen)),
            collate_fn=collate,
        )
        batches = [batch for batch in loader if len(batch.labels)]
        if not batches:
            raise DataError(
                f"{self.root}: expected readable images in the {split} split, found none"
            )
        images = torch.cat([b.images for b in batches])
        return Dataset(
            self.root.name, images, torch.cat([b.labels for b in batches]), list(self.classes)
        )


def stream_splits(
    path: str | Path,
    *,
    seed: int = 0,
    val_split: float = 0.1,
    per_class: int = 0,
    on_bad_image: str = "fail",
    image_size: int | tuple[int, int] | None = None,
) -> StreamSplits:
    """Read the headers of every file under ``path`` and split the usable ones as
    :func:`cnnlab.data.load` splits the decoded folder."""
    _check_on_bad_image(on_bad_image)
    root = Path(path)
    if (root / "train").is_dir() and (root / "test").is_dir():
        train, test = scan_class_folder(root / "train"), scan_class_folder(root / "test")
        if train.classes != test.classes:
            raise DataError(
                f"{root}: expected the same classes in train/ and test/, found "
                f"{list(train.classes)} and {list(test.classes)}"
            )
        folders = [train, test]
    else:
        folders = [scan_class_folder(root)]
    headers = [_usable(folder, on_bad_image) for folder in folders]
    found = [h for usable in headers for h in usable.values()]
    if not found:
        raise DataError(f"{root}: expected readable images, found none")
    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    size = size or Counter(shape for shape, _ in found).most_common(1)[0][0]
    mode = "L" if all(m in GREY_MODES for _, m in found) else "RGB"
    usable = [[s for s in f.samples if s[0] in h] for f, h in zip(folders, headers, strict=True)]
    names = (root.name, folders[0].classes)
    train, test = usable if len(usable) == 2 else _split(usable[0], names, TEST_FRACTION, seed)
    train, val = _split(train, names, val_split, seed)
    if per_class:
        train = _chosen(train, per_class_subset(_index_dataset(train, names), per_class, seed))
    splits = {"train": train, "val": val, "test": test}
    return StreamSplits(root, folders[0].classes, mode, tuple(size), splits)


def _usable(folder: ClassFolder, on_bad_image: str) -> dict[Path, tuple[tuple[int, int], str]]:
    """The header of every usable file; the bad ones raise (fail) or are listed (skip)."""
    headers = {path: image_header(path) for path, _ in folder.samples}
    bad = [h for h in headers.values() if isinstance(h, BadImage)]
    if bad:
        action = "found" if on_bad_image == "fail" else "skipped"
        message = bad_images_message(folder.root, bad, len(folder.samples), action)
        if on_bad_image == "fail":
            raise DataError(f"{message} (pass --on-bad-image skip to train without them)")
        Console(stderr=True, soft_wrap=True).print(message, markup=False, highlight=False)
    return {p: h for p, h in headers.items() if not isinstance(h, BadImage)}


def _index_dataset(samples: Samples, names: tuple[str, Sequence[str]]) -> Dataset:
    """A Dataset (named ``names[0]``, classes ``names[1]``) whose "image" i holds the bytes of
    the index i: the in-memory split functions then split files exactly as they split
    decoded images (same draws, same errors)."""
    index = torch.arange(len(samples), dtype=torch.int64).view(torch.uint8).view(-1, 1, 1, 8)
    labels = torch.tensor([label for _, label in samples], dtype=torch.int64)
    return Dataset(names[0], index, labels, list(names[1]))


def _chosen(samples: Samples, subset: Dataset) -> Samples:
    return [samples[i] for i in subset.images.reshape(-1, 8).view(torch.int64).flatten().tolist()]


def _split(
    samples: Samples, names: tuple[str, Sequence[str]], fraction: float, seed: int
) -> tuple[Samples, Samples]:
    keep, held_out = stratified_split(_index_dataset(samples, names), fraction, seed)
    return _chosen(samples, keep), _chosen(samples, held_out)
