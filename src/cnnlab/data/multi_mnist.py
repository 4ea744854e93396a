"""multi-mnist: 1 to 5 MNIST digits in a row on a 64x160 canvas, the sequence as label.

A stand-in for the house numbers of Street View (Goodfellow et al., 2014, "Multi-digit
Number Recognition from Street View Imagery using Deep Convolutional Neural Networks"):
each image carries its digit classes in reading order, each digit's box and the box
around them all. The number of digits, the digits drawn, their spacing and their
heights come from the seed alone (one stream per split), so the same seed gives the
same set; it is built from the MNIST files in seconds and cached
(:mod:`cnnlab.data.generated`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from cnnlab.data.dataset import Dataset
from cnnlab.data.generated import cache_key, cached
from cnnlab.data.mnist import SPLIT_FILES, build_idx_dataset, find_file
from cnnlab.data.placed_mnist import tight_boxes

if TYPE_CHECKING:
    from cnnlab.data.catalogue import CatalogueEntry

HEIGHT, WIDTH = 64, 160  # the canvas, in pixels
MAX_DIGITS = 5
SIZES = {"train": 60_000, "test": 5_000}  # sequences per split
GAP = (-6, 2)  # [low, high) pixels between neighbouring 28x28 digit squares (< 0: overlap)
JITTER = 3  # each digit's row moves up to this many pixels off the line
VERSION = 2  # bump whenever the same seed would give other images
SPLIT_STREAMS = {"train": 0, "test": 1}


def place_rows(
    digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` canvases of 1 to 5 digits drawn from the (N, 28, 28) ``digits`` (classes
    ``labels``). Returns uint8 images (count, 64, 160), int64 sequences (count, 5) with -1
    after the last digit, and float32 boxes (count, 5, 4) of each digit's ink."""
    side = digits.shape[1]
    lengths = rng.integers(1, MAX_DIGITS + 1, size=count)
    chosen = rng.integers(0, len(digits), size=(count, MAX_DIGITS))
    gaps = rng.integers(*GAP, size=(count, MAX_DIGITS - 1))
    line = rng.integers(JITTER, HEIGHT - side - JITTER + 1, size=count)
    jitter = rng.integers(-JITTER, JITTER + 1, size=(count, MAX_DIGITS))
    steps = np.concatenate([np.zeros((count, 1), np.int64), side + gaps], axis=1).cumsum(1)
    used = np.arange(MAX_DIGITS) < lengths[:, None]  # (count, 5): positions holding a digit
    widths = steps[np.arange(count), lengths - 1] + side
    starts = (rng.random(count) * (WIDTH - widths + 1)).astype(np.int64)
    lefts, tops = starts[:, None] + steps, line[:, None] + jitter
    images = np.zeros((count, HEIGHT, WIDTH), dtype=np.uint8)
    for n, k in zip(*np.nonzero(used), strict=True):
        window = images[n, tops[n, k] : tops[n, k] + side, lefts[n, k] : lefts[n, k] + side]
        np.maximum(window, digits[chosen[n, k]], out=window)
    boxes = tight_boxes(digits)[chosen]  # (count, 5, 4) within each 28x28 square
    boxes[..., 0] += lefts
    boxes[..., 1] += tops
    boxes[~used] = 0
    sequences = np.where(used, labels[chosen], -1).astype(np.int64)
    return images, sequences, boxes


def union_boxes(digit_boxes: np.ndarray, sequences: np.ndarray) -> np.ndarray:
    """(N, 4) x, y, w, h of the smallest box holding every digit's box of each row."""
    used = sequences >= 0
    x0 = np.where(used, digit_boxes[..., 0], np.inf).min(1)
    y0 = np.where(used, digit_boxes[..., 1], np.inf).min(1)
    x1 = np.where(used, digit_boxes[..., 0] + digit_boxes[..., 2], -np.inf).max(1)
    y1 = np.where(used, digit_boxes[..., 1] + digit_boxes[..., 3], -np.inf).max(1)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(np.float32)


def generate(mnist: dict[str, Dataset], name: str, classes: list[str], seed: int) -> dict:
    """The train and test splits of multi-mnist from MNIST's, for ``seed``."""
    splits = {}
    for split, stream in SPLIT_STREAMS.items():
        source = mnist[split]
        digits, labels = source.images[:, 0].numpy(), source.labels.numpy()
        count = min(SIZES[split], len(digits) * 2)  # a small test copy of MNIST stays small
        rng = np.random.default_rng([seed, stream])
        images, sequences, boxes = place_rows(digits, labels, count, rng)
        splits[split] = Dataset(
            name,
            torch.from_numpy(images).unsqueeze(1),
            torch.from_numpy(sequences[:, 0]),  # the first digit: what a split stratifies by
            classes,
            torch.from_numpy(union_boxes(boxes, sequences)),
            torch.from_numpy(sequences),
            torch.from_numpy(boxes),
        )
    return splits


def build_multi(entry: CatalogueEntry, root: Path, seed: int) -> dict[str, Dataset]:
    """multi-mnist, from the cache when it holds this seed's set of these MNIST files."""
    mnist_entry = replace(entry, folder="mnist")
    sources = [find_file(mnist_entry, root, name) for pair in SPLIT_FILES.values() for name in pair]
    classes = list(entry.classes)
    return cached(
        cache_key(entry.name, seed, VERSION, sources),
        classes,
        lambda: generate(build_idx_dataset(mnist_entry, root, seed), entry.name, classes, seed),
    )
