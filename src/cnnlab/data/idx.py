"""The IDX file format of MNIST and its relatives (gzip-compressed or raw).

Header: two zero bytes, a type code, the number of dimensions, then one big-endian
uint32 per dimension. Every field is checked against the file's real length before
anything is allocated, so a corrupt header cannot claim 10^12 items.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from cnnlab.errors import DataError

UBYTE = 0x08


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array stored in an IDX file, or a DataError naming the file and the fault."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        found = raw[:4].hex(" ") or "nothing"
        raise DataError(f"{path}: not an IDX file: expected magic bytes 00 00, found {found}")
    type_code, ndim = raw[2], raw[3]
    if type_code != UBYTE:
        raise DataError(f"{path}: expected IDX type 0x08 (unsigned byte), found {type_code:#04x}")
    if not 1 <= ndim <= 4:
        raise DataError(f"{path}: expected 1 to 4 IDX dimensions, found {ndim}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: IDX header needs {header} bytes, the file has {len(raw)}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims, dtype=np.int64))
    found = len(raw) - header
    if found != expected:
        raise DataError(
            f"{path}: IDX header says {'x'.join(map(str, dims))} = {expected:,} bytes of data, "
            f"the file holds {found:,}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip data ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
