"""The IDX file format of MNIST and its relatives (gzip-compressed or raw).

Header: two zero bytes, a type code, the number of dimensions, then one big-endian
uint32 per dimension. The header is read and checked first. A raw file's length is
compared with what the header claims before any data is read; a gzip stream is
decompressed in chunks and never past one byte more than the header claims, so a
header that claims 10^12 items, or a truncated stream, costs only the memory of the
bytes really in the file.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np

from cnnlab.errors import DataError

UBYTE = 0x08
MAX_DIMS = 4
CHUNK = 1 << 20  # bytes decompressed per read


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The uint8 array stored in an IDX file (writable, on its own buffer), or a DataError
    naming the file and the fault.

    A name ending in ``.gz`` is read as gzip, any other as the raw format.
    """
    path = Path(path)
    with _open(path) as handle:
        dims, header_size = _read_header(path, handle)
        expected = math.prod(dims)
        if path.suffix != ".gz":
            _check_length(path, dims, expected, path.stat().st_size - header_size)
        payload = _read_payload(path, handle, dims, expected)
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


@contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    """The file's (decompressed) byte stream; read errors become DataErrors."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as handle:
            yield handle
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: expected an IDX file, found a folder") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip data ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _read_header(path: Path, handle: BinaryIO) -> tuple[tuple[int, ...], int]:
    magic = handle.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
        found = magic.hex(" ") or "nothing"
        raise DataError(f"{path}: not an IDX file: expected magic bytes 00 00, found {found}")
    type_code, ndim = magic[2], magic[3]
    if type_code != UBYTE:
        raise DataError(f"{path}: expected IDX type 0x08 (unsigned byte), found {type_code:#04x}")
    if not 1 <= ndim <= MAX_DIMS:
        raise DataError(f"{path}: expected 1 to {MAX_DIMS} IDX dimensions, found {ndim}")
    sizes = handle.read(4 * ndim)
    header_size = 4 + 4 * ndim
    if len(sizes) < 4 * ndim:
        raise DataError(
            f"{path}: IDX header needs {header_size} bytes, the file has {4 + len(sizes)}"
        )
    return struct.unpack(f">{ndim}I", sizes), header_size


def _check_length(path: Path, dims: tuple[int, ...], expected: int, found: int) -> None:
    if found != expected:
        raise DataError(
            f"{path}: IDX header says {'x'.join(map(str, dims))} = {expected:,} bytes of data, "
            f"the file holds {found:,}"
        )


def _read_payload(path: Path, handle: BinaryIO, dims: tuple[int, ...], expected: int) -> bytearray:
    """Exactly ``expected`` bytes, then the end of the stream (which checks gzip's CRC).

    The chunks are appended to one growing buffer (not joined at the end, which held the
    data twice), and the buffer is writable, so the array on it needs no copy either."""
    payload = bytearray()
    while len(payload) <= expected:
        chunk = handle.read(min(CHUNK, expected + 1 - len(payload)))
        if not chunk:
            break
        payload += chunk
    total = len(payload)
    if total > expected:  # count the surplus without keeping it
        while chunk := handle.read(CHUNK):
            total += len(chunk)
    _check_length(path, dims, expected, total)
    return payload
