"""MNIST digits placed on a larger canvas, each with its box: data for localisation.

- ``translated-mnist``: one digit at a random position on a 60x60 black canvas;
- ``cluttered-mnist``: the same over 8 random 8x8 fragments of other digits of the split
  (Jaderberg et al., 2015, spatial transformer networks).

Built from the four MNIST IDX files on first use and cached (:mod:`cnnlab.data.generated`);
the placements come from the seed alone (one stream per split), so the same seed gives the
same images and boxes.
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

if TYPE_CHECKING:
    from cnnlab.data.catalogue import CatalogueEntry

CANVAS = 60  # side of the canvas, in pixels
FRAGMENTS = 8  # clutter pieces per cluttered image
FRAGMENT = 8  # side of a clutter piece, in pixels
SPLIT_STREAMS = {"train": 0, "test": 1}
VERSION = 1  # bump whenever the same seed would give other images


def tight_boxes(digits: np.ndarray) -> np.ndarray:
    """(N, 4) float32 x, y, w, h of the inked (non-zero) pixels of each (N, H, W) digit."""
    boxes = np.zeros((len(digits), 4), dtype=np.float32)
    for axis, (start, size) in ((1, (0, 2)), (2, (1, 3))):  # columns give x, rows give y
        inked = digits.any(axis=axis)  # (N, side): which columns (rows) hold ink
        first = inked.argmax(1)
        last = inked.shape[1] - 1 - inked[:, ::-1].argmax(1)
        boxes[:, start], boxes[:, size] = first, np.where(inked.any(1), last - first + 1, 0)
    return boxes


def place(
    digits: np.ndarray, rng: np.random.Generator, canvas: int = CANVAS, fragments: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Each (N, 28, 28) digit at a random position on a black ``canvas``; with
    ``fragments``, over that many random pieces of other digits. Returns uint8 images
    (N, canvas, canvas) and float32 boxes (N, 4) of each digit's inked pixels."""
    count, side = digits.shape[0], digits.shape[1]
    images = np.zeros((count, canvas, canvas), dtype=np.uint8)
    if fragments:
        sources = rng.integers(0, count, size=(count, fragments))
        corners = rng.integers(0, side - FRAGMENT + 1, size=(count, fragments, 2))
        spots = rng.integers(0, canvas - FRAGMENT + 1, size=(count, fragments, 2))
        for n in range(count):
            for k in range(fragments):
                (r, c), (y, x) = corners[n, k], spots[n, k]
                piece = digits[sources[n, k], r : r + FRAGMENT, c : c + FRAGMENT]
                window = images[n, y : y + FRAGMENT, x : x + FRAGMENT]
                np.maximum(window, piece, out=window)
    origins = rng.integers(0, canvas - side + 1, size=(count, 2))  # (y, x) of each digit
    for n, (y, x) in enumerate(origins):
        window = images[n, y : y + side, x : x + side]
        np.maximum(window, digits[n], out=window)
    boxes = tight_boxes(digits)
    boxes[:, 0] += origins[:, 1]
    boxes[:, 1] += origins[:, 0]
    return images, boxes


def build_placed(entry: CatalogueEntry, root: Path, seed: int, fragments: int) -> dict:
    """The placed set of ``entry``, from the cache when it holds this seed's set of these
    MNIST files."""
    mnist_entry = replace(entry, folder="mnist")
    sources = [find_file(mnist_entry, root, name) for pair in SPLIT_FILES.values() for name in pair]
    classes = list(entry.classes)

    def build() -> dict[str, Dataset]:
        mnist = build_idx_dataset(mnist_entry, root, seed)
        placed = {}
        for split, stream in SPLIT_STREAMS.items():
            rng = np.random.default_rng([seed, stream])
            images, boxes = place(mnist[split].images[:, 0].numpy(), rng, fragments=fragments)
            placed[split] = Dataset(
                entry.name,
                torch.from_numpy(images).unsqueeze(1),
                mnist[split].labels,
                classes,
                torch.from_numpy(boxes),
            )
        return placed

    return cached(cache_key(entry.name, seed, VERSION, sources), classes, build)


def build_translated(entry: CatalogueEntry, root: Path, seed: int) -> dict[str, Dataset]:
    """translated-mnist: one digit per 60x60 canvas."""
    return build_placed(entry, root, seed, fragments=0)


def build_cluttered(entry: CatalogueEntry, root: Path, seed: int) -> dict[str, Dataset]:
    """cluttered-mnist: one digit per 60x60 canvas over 8 fragments of other digits."""
    return build_placed(entry, root, seed, fragments=FRAGMENTS)
