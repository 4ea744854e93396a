"""Image files decoded safely with Pillow, in DataLoader worker processes.

Every file is checked before its pixels are decoded: a file Pillow cannot identify
(empty, not an image) or one whose header claims more than ``MAX_PIXELS`` pixels
(a decompression bomb) is refused from its header alone; a file whose data ends
early (truncated) or is corrupt fails while decoding. Each failure is a
:class:`BadImage` naming the file, so a folder can report every bad file at once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from cnnlab.errors import DataError, shown

MAX_PIXELS = 64_000_000  # larger images are refused before decoding (decompression bombs)
# Raster formats only: Pillow would hand EPS or PostScript to Ghostscript, another program.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM")
ON_BAD_IMAGE = ("fail", "skip")


@dataclass(frozen=True)
class BadImage:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{shown(self.path)}: {self.reason}"


class ImageRefused(DataError):
    """An image refused from its header; ``kind`` says why: "not an image", "too large"
    (over the pixel cap) or "corrupt" (a header Pillow cannot parse)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def open_checked(
    source: Path | IO[bytes], max_pixels: int = MAX_PIXELS, formats: Sequence[str] = FORMATS
) -> Image.Image:
    """The image opened lazily (only its header read) once its header is checked: one of
    ``formats``, at most ``max_pixels`` pixels. Raises :class:`ImageRefused`."""
    try:
        handle = Image.open(source, formats=formats)
    except UnidentifiedImageError:
        raise ImageRefused(
            f"expected an image file, found {byte_count(source):,} bytes that are not "
            f"{', '.join(formats)}",
            "not an image",
        ) from None
    except Image.DecompressionBombError as exc:
        raise ImageRefused(
            f"expected an image of at most {max_pixels:,} pixels, found ({exc})", "too large"
        ) from None
    except Exception as exc:  # Pillow's format plugins raise many types on corrupt headers
        raise ImageRefused(
            f"expected a readable image, found an error ({exc!r:.200})", "corrupt"
        ) from None
    width, height = handle.size
    if width * height > max_pixels:
        handle.close()
        raise ImageRefused(
            f"expected an image of at most {max_pixels:,} pixels, found {width}x{height} "
            f"= {width * height:,} (a decompression bomb?)",
            "too large",
        )
    return handle


def byte_count(source: Path | IO[bytes]) -> int:
    if isinstance(source, Path):
        return source.stat().st_size if source.exists() else 0
    return source.seek(0, os.SEEK_END)


def image_header(path: Path) -> tuple[tuple[int, int], str] | BadImage:
    """((height, width), mode) from the file's header, or why it is not a usable image."""
    try:
        with open_checked(path) as handle:
            return (handle.height, handle.width), handle.mode
    except ImageRefused as exc:
        return BadImage(path, str(exc))


def decode_image(path: Path, mode: str, size: tuple[int, int]) -> np.ndarray | BadImage:
    """The image as uint8 (C, H, W) in ``mode`` ("L" or "RGB"), resized to ``size`` (H, W)."""
    header = image_header(path)
    if isinstance(header, BadImage):
        return header
    try:
        with Image.open(path, formats=FORMATS) as handle:
            handle.draft(mode, (size[1], size[0]))  # JPEG: decode at a reduced scale
            picture = reduced(handle, size).convert(mode)
    except Exception as exc:  # truncated or corrupt data; plugins raise many types
        return BadImage(path, f"expected a complete image, found corrupt data ({exc!s:.200})")
    if picture.size != (size[1], size[0]):
        picture = picture.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    array = np.asarray(picture, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def reduced(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``picture`` shrunk by the largest whole factor that keeps it at least ``size``
    (H, W), before any mode conversion copies it: a big PNG is converted at the small
    size, not at full size."""
    factor = min(picture.width // size[1], picture.height // size[0])
    if factor < 2 or picture.mode not in ("L", "RGB", "RGBA", "LA"):
        return picture
    return picture.reduce(factor)


class ImageFiles(torch.utils.data.Dataset):
    """(path, label) samples decoded on access; a bad file yields its BadImage."""

    def __init__(self, samples: Sequence[tuple[Path, int]], mode: str, size: tuple[int, int]):
        self.samples, self.mode, self.size = list(samples), mode, size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[np.ndarray | BadImage, int]:
        path, label = self.samples[index]
        return decode_image(path, self.mode, self.size), label


@dataclass
class DecodedBatch:
    images: torch.Tensor  # uint8 (n, C, H, W), the good files only
    labels: torch.Tensor  # int64 (n,)
    bad: list[BadImage]


def collate(items: list[tuple[np.ndarray | BadImage, int]]) -> DecodedBatch:
    """Stack the decoded images of a batch; set the bad ones aside."""
    good = [(pixels, label) for pixels, label in items if not isinstance(pixels, BadImage)]
    bad = [pixels for pixels, _ in items if isinstance(pixels, BadImage)]
    if not good:
        return DecodedBatch(
            torch.empty(0, dtype=torch.uint8), torch.empty(0, dtype=torch.int64), bad
        )
    images = torch.from_numpy(np.stack([pixels for pixels, _ in good]))
    return DecodedBatch(images, torch.tensor([label for _, label in good]), bad)


def default_workers(count: int) -> int:
    """Worker processes for decoding ``count`` files: none for a handful, else up to 4."""
    return 0 if count < 64 else min(4, os.cpu_count() or 1)


LISTED = 20  # bad files named in a message; the rest are counted


def bad_images_message(root: Path, bad: Sequence[BadImage], total: int, action: str) -> str:
    """One line: the count, then each bad file (the first ``LISTED``) with its reason."""
    items = sorted(bad, key=lambda item: str(item.path))
    more = f"; and {len(items) - LISTED} more" if len(items) > LISTED else ""
    listed = "; ".join(str(item) for item in items[:LISTED])
    return (
        f"{shown(root)}: {action} {len(bad)} of {total:,} image files that cannot be used: "
        f"{listed}{more}"
    )


def read_image(path: str | Path, mode: str) -> torch.Tensor:
    """An image file as uint8 (1, C, H, W) in ``mode`` ("L" or "RGB"); a DataError if it is
    missing, not an image, truncated or too large to decode safely."""
    path = Path(path)
    try:
        with Image.open(path, formats=FORMATS) as handle:
            width, height = handle.size
            if width * height > MAX_PIXELS:
                raise DataError(
                    f"{path}: image of {width}x{height} pixels is larger than the "
                    f"{MAX_PIXELS:,}-pixel limit"
                )
            array = np.asarray(handle.convert(mode))
    except FileNotFoundError:
        raise DataError(f"{path}: image file not found") from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise DataError(f"{path}: not a readable image ({exc})") from exc
    tensor = torch.from_numpy(array.copy())
    tensor = tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1)
    return tensor.unsqueeze(0)
