"""Small generated dataset files in the real formats, for tests that never download."""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from functools import cache
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image


def idx_bytes(array: np.ndarray) -> bytes:
    header = b"\x00\x00\x08" + bytes([array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    raw = idx_bytes(array)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def fake_mnist(folder: Path, count: int = 30, seed: int = 0, classes: int = 10) -> Path:
    """The four MNIST files, ``count`` random 28x28 images per split."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix in ("train", "t10k"):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (count, 28, 28)))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(count) % classes)
    return folder


def cifar_bytes(labels: list[list[int]], seed: int = 0) -> bytes:
    """CIFAR binary records: each row of ``labels`` (1 or 2 bytes), then 3072 pixels."""
    rng = np.random.default_rng(seed)
    rows = [bytes(lab) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for lab in labels]
    return b"".join(rows)


def svhn_mat_bytes(count: int = 20, seed: int = 0, labels: np.ndarray | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (32, 32, 3, count), dtype=np.uint8)
    y = (np.arange(count) % 10 + 1).reshape(-1, 1) if labels is None else labels
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"X": x, "y": y.astype(np.uint8)}, do_compression=True)
    return buffer.getvalue()


def png_bytes(
    size: tuple[int, int] = (12, 10), mode: str = "RGB", seed: int = 0, array=None
) -> bytes:
    """A PNG of random pixels of ``size`` (W, H), or of ``array`` (H, W[, 3]) uint8."""
    if array is None:
        shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
        array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (40, 30), seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@cache
def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` black pixels (20000x20000: 1.7 MB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    compressor = zlib.compressobj(1)
    rows = bytes(width + 1) * 100  # each row: filter byte 0, then black pixels
    idat = b"".join(compressor.compress(rows) for _ in range(height // 100))
    idat += compressor.compress(bytes(width + 1) * (height % 100)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def image_folder(root: Path, classes: int = 3, per_class: int = 10, size=(12, 10)) -> Path:
    for c in range(classes):
        folder = root / f"class{c}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            (folder / f"{i:03d}.png").write_bytes(png_bytes(size, seed=c * 1000 + i))
    return root
