"""Random and mutated bytes fed to every parser: a result or a DataError, nothing else."""

import gzip
import tempfile
from pathlib import Path

import numpy as np
from fakes import cifar_bytes, idx_bytes, jpeg_bytes, png_bytes, svhn_mat_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab.data.cifar import read_cifar_bin
from cnnlab.data.idx import read_idx
from cnnlab.data.images import BadImage, decode_image
from cnnlab.data.svhn import read_svhn_mat
from cnnlab.errors import DataError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD_IDX = idx_bytes(np.arange(3 * 4 * 5).reshape(3, 4, 5) % 256)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """``original`` with some bytes changed, then maybe cut short or extended."""
    raw = bytearray(original)
    for _ in range(draw(st.integers(0, 8))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(raw) + 16))
    return bytes(raw[:cut]) + draw(st.binary(max_size=16)) if cut > len(raw) else bytes(raw[:cut])


def some_bytes(original: bytes):
    return st.one_of(st.binary(max_size=512), mutated(original))


def parse(suffix: str, raw: bytes, reader):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(raw)
        try:
            return reader(path)
        except DataError as exc:
            assert str(path) in str(exc)  # every message names the file
            return exc


@FUZZ
@given(some_bytes(GOOD_IDX))
def test_idx_raw(raw):
    result = parse(".idx", raw, read_idx)
    assert isinstance(result, DataError) or result.nbytes == len(raw) - 4 - 4 * result.ndim


@FUZZ
@given(st.one_of(st.binary(max_size=512), mutated(gzip.compress(GOOD_IDX))))
def test_idx_gzip(raw):
    result = parse(".gz", raw, read_idx)
    assert isinstance(result, DataError | np.ndarray)


@FUZZ
@given(some_bytes(cifar_bytes([[3], [7]])))
def test_cifar_binary(raw):
    result = parse(".bin", raw, read_cifar_bin)
    assert isinstance(result, DataError) or len(result[0]) == len(raw) // 3073


@FUZZ
@given(some_bytes(svhn_mat_bytes(4)))
def test_svhn_mat(raw):
    result = parse(".mat", raw, read_svhn_mat)
    assert isinstance(result, DataError) or result[0].shape[1:] == (3, 32, 32)


@FUZZ
@given(st.one_of(some_bytes(png_bytes((16, 12))), mutated(jpeg_bytes((16, 12)))))
def test_image_files(raw):
    def decode(path):
        return decode_image(path, "RGB", (8, 8))

    result = parse(".img", raw, decode)
    assert isinstance(result, BadImage) or result.shape == (3, 8, 8)
