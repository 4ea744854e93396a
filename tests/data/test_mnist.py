import gzip
import struct

import pytest
import torch

from cnnlab import data
from cnnlab.data.idx import read_idx
from cnnlab.errors import DataError
from conftest import SHARED_DATA


@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason="shared MNIST files not present")
def test_mnist_from_the_shared_folder():
    test = data.load("mnist", "test", data_dir=SHARED_DATA)
    train = data.load("mnist", "train", data_dir=SHARED_DATA, val_split=0.1)
    assert len(test) == 10_000 and len(train) == 54_000
    assert test.image_shape == (1, 28, 28) and test.images.dtype == torch.uint8
    assert torch.bincount(test.labels).tolist()[:3] == [980, 1135, 1032]


def write_idx(path, dims, payload: bytes, magic=b"\x00\x00\x08"):
    header = magic + bytes([len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    with gzip.open(path, "wb") as handle:
        handle.write(header + payload)


def test_idx_with_wrong_magic_names_file_and_bytes(tmp_path):
    path = tmp_path / "bad.gz"
    write_idx(path, (2,), b"\x01\x02", magic=b"\x12\x34\x08")
    with pytest.raises(
        DataError, match=r"bad.gz: not an IDX file: expected magic bytes 00 00, found 12 34"
    ):
        read_idx(path)


def test_idx_header_claiming_more_than_the_file_holds(tmp_path):
    path = tmp_path / "huge.gz"
    write_idx(path, (10**9, 1000), b"\x00" * 10)
    with pytest.raises(DataError, match=r"header says .* bytes of data, the file holds 10"):
        read_idx(path)


def test_truncated_gzip_is_reported(tmp_path):
    good = tmp_path / "good.gz"
    write_idx(
        good,
        (100, 28, 28),
        torch.randint(0, 256, (100 * 28 * 28,), dtype=torch.uint8).numpy().tobytes(),
    )
    cut = tmp_path / "cut.gz"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataError, match="cut.gz: corrupt or truncated gzip"):
        read_idx(cut)


def test_label_count_must_match_image_count(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split, (images, labels) in {
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    }.items():
        write_idx(folder / images, (20, 28, 28), bytes(20 * 28 * 28))
        write_idx(
            folder / labels,
            (19,) if split == "test" else (20,),
            bytes(19 if split == "test" else 20),
        )
    with pytest.raises(DataError, match="expected 20 labels .* found 19"):
        data.load("mnist", "test", data_dir=tmp_path)
