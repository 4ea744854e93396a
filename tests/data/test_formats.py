"""Each file format read from generated files in its real layout, and its bad inputs."""

import gzip
import io
import tarfile
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch
from fakes import cifar_bytes, fake_mnist, idx_bytes, svhn_mat_bytes, write_idx

from cnnlab import data
from cnnlab.data.cifar import read_cifar_bin
from cnnlab.data.idx import read_idx
from cnnlab.data.svhn import read_svhn_mat
from cnnlab.errors import DataError


def peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(DataError):
            fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- IDX -------------------------------------------------------------------------------------


def test_raw_and_gzip_idx_read_the_same_array(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, (7, 5, 3))
    raw, packed = write_idx(tmp_path / "a.idx", array), write_idx(tmp_path / "a.gz", array)
    assert np.array_equal(read_idx(raw), array) and np.array_equal(read_idx(packed), array)


@pytest.mark.parametrize("suffix", ["idx", "gz"])
def test_idx_is_read_into_one_writable_buffer(tmp_path, suffix):
    array = np.random.default_rng(0).integers(0, 256, (4096, 32, 32))
    path = write_idx(tmp_path / f"a.{suffix}", array)
    tracemalloc.start()
    try:
        images = read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(images, array) and images.flags.writeable  # no copy needed
    assert peak < 1.3 * array.size  # the data once, not chunks and their join (2x)


@pytest.mark.parametrize("suffix", ["idx", "gz"])
def test_idx_claiming_10_to_the_12_items_fails_fast_and_small(tmp_path, suffix):
    path = tmp_path / f"huge.{suffix}"
    raw = b"\x00\x00\x08\x02" + (10**6).to_bytes(4, "big") * 2 + bytes(100)
    path.write_bytes(gzip.compress(raw) if suffix == "gz" else raw)
    peak = peak_bytes(lambda: read_idx(path))
    assert peak < 4 * 2**20  # not the 10^12 bytes the header claims
    with pytest.raises(DataError, match=r"header says 1000000x1000000 = 1,000,000,000,000 bytes"):
        read_idx(path)


def test_idx_dimensions_disagreeing_with_the_length(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(idx_bytes(np.zeros((4, 3), np.uint8))[:-2])
    with pytest.raises(DataError, match=r"short.idx: IDX header says 4x3 = 12 bytes .* holds 10"):
        read_idx(path)


def test_idx_with_more_bytes_than_its_header_says(tmp_path):
    path = tmp_path / "long.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((4, 3), np.uint8)) + bytes(5)))
    with pytest.raises(DataError, match=r"long.gz: IDX header says 4x3 = 12 bytes .* holds 17"):
        read_idx(path)


def test_truncated_gzip_costs_no_more_than_what_it_holds(tmp_path):
    good = write_idx(tmp_path / "good.gz", np.random.default_rng(0).integers(0, 256, (500, 28, 28)))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert peak_bytes(lambda: read_idx(cut)) < 4 * 2**20
    with pytest.raises(DataError, match=r"cut.gz: corrupt or truncated gzip data"):
        read_idx(cut)


def test_idx_header_cut_short(tmp_path):
    path = tmp_path / "stub.idx"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(DataError, match=r"stub.idx: IDX header needs 16 bytes, the file has 6"):
        read_idx(path)


def test_mnist_label_out_of_range_names_the_file(tmp_path):
    folder = fake_mnist(tmp_path / "mnist", count=12)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([0] * 11 + [12]))
    with pytest.raises(
        DataError, match=r"t10k-labels-idx1-ubyte.gz: expected labels 0..9, found 12"
    ):
        data.load("mnist", "test", data_dir=tmp_path)


def test_missing_files_say_how_to_download_them(tmp_path):
    with pytest.raises(DataError, match=r"file not found .* cnnlab data get kmnist --data-dir"):
        data.load("kmnist", data_dir=tmp_path)


def test_decompressed_idx_files_are_found_too(tmp_path):
    folder = fake_mnist(tmp_path / "fashion-mnist", count=20)
    for path in folder.iterdir():
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    test = data.load("fashion-mnist", "test", data_dir=tmp_path)
    assert len(test) == 20 and test.classes[0] == "T-shirt/top"


def test_emnist_letters_from_its_zip_transposed_and_from_label_1(tmp_path):
    rng = np.random.default_rng(0)
    images = {s: rng.integers(0, 256, (26, 28, 28)) for s in ("train", "test")}
    (tmp_path / "emnist").mkdir()
    with zipfile.ZipFile(tmp_path / "emnist" / "gzip.zip", "w") as zipped:
        for split, array in images.items():
            member = f"gzip/emnist-letters-{split}-%s-idx%d-ubyte.gz"
            zipped.writestr(member % ("images", 3), gzip.compress(idx_bytes(array)))
            zipped.writestr(member % ("labels", 1), gzip.compress(idx_bytes(np.arange(1, 27))))
    test = data.load("emnist-letters", "test", data_dir=tmp_path)
    assert test.labels.tolist() == list(range(26)) and test.classes[:2] == ["a", "b"]
    assert torch.equal(test.images[3, 0], torch.from_numpy(images["test"][3].T.astype(np.uint8)))


# -- CIFAR -----------------------------------------------------------------------------------


def write_tar(path, members: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


def test_cifar10_from_its_binary_archive(tmp_path):
    members = {
        f"cifar-10-batches-bin/data_batch_{i}.bin": cifar_bytes([[c] for c in range(10)], seed=i)
        for i in range(1, 6)
    }
    test_bytes = cifar_bytes([[9 - c] for c in range(10)], seed=9)
    members["cifar-10-batches-bin/test_batch.bin"] = test_bytes
    write_tar(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", members)
    train = data.load("cifar10", "train", data_dir=tmp_path, val_split=0.2)
    test = data.load("cifar10", "test", data_dir=tmp_path)
    assert len(train) == 40 and test.image_shape == (3, 32, 32)
    assert test.labels.tolist() == list(range(9, -1, -1)) and test.classes[9] == "truck"
    first = np.frombuffer(test_bytes[1:3073], np.uint8).reshape(3, 32, 32)  # R, G, B planes
    assert torch.equal(test.images[0], torch.from_numpy(first.copy()))


def test_cifar100_fine_and_coarse_labels(tmp_path):
    labels = [[c % 20, c] for c in range(100)]
    write_tar(
        tmp_path / "cifar100" / "cifar-100-binary.tar.gz",
        {
            "cifar-100-binary/train.bin": cifar_bytes(labels * 2),
            "cifar-100-binary/test.bin": cifar_bytes(labels),
        },
    )
    fine = data.load("cifar100", "test", data_dir=tmp_path)
    coarse = data.load("cifar100-coarse", "test", data_dir=tmp_path)
    assert fine.labels.tolist() == list(range(100)) and fine.classes[99] == "worm"
    assert coarse.labels.tolist() == [c % 20 for c in range(100)] and coarse.num_classes == 20


def test_cifar_file_of_the_wrong_length(tmp_path):
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(cifar_bytes([[1], [2]]) + bytes(100))
    with pytest.raises(
        DataError,
        match=r"data_batch_1.bin: expected a CIFAR binary file of whole 3073-byte"
        r" records .* found 6,246 bytes \(2 records and 100 bytes over\)",
    ):
        read_cifar_bin(path)


def test_cifar_label_out_of_range(tmp_path):
    path = tmp_path / "test_batch.bin"
    path.write_bytes(cifar_bytes([[3], [10], [11]]))
    with pytest.raises(
        DataError,
        match=r"test_batch.bin: expected labels 0..9, found 10 at item 1 \(2 out of range",
    ):
        read_cifar_bin(path)


def test_cifar_archive_without_the_expected_member(tmp_path):
    write_tar(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", {"other.bin": b"x"})
    with pytest.raises(DataError, match=r"expected a member cifar-10-batches-bin/data_batch_1.bin"):
        data.load("cifar10", data_dir=tmp_path)


# -- SVHN ------------------------------------------------------------------------------------


def test_svhn_mat_files_with_10_meaning_zero(tmp_path):
    folder = tmp_path / "svhn"
    folder.mkdir()
    (folder / "train_32x32.mat").write_bytes(svhn_mat_bytes(30, seed=1))
    (folder / "test_32x32.mat").write_bytes(svhn_mat_bytes(20, seed=2))
    test = data.load("svhn", "test", data_dir=tmp_path)
    assert test.image_shape == (3, 32, 32) and len(test) == 20
    assert test.labels.tolist()[:11] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    (folder / "extra_32x32.mat").write_bytes(svhn_mat_bytes(40, seed=3))
    train = data.load("svhn-extra", "train", data_dir=tmp_path, val_split=0.2)
    assert len(train) == 56


def test_svhn_label_out_of_range(tmp_path):
    path = tmp_path / "test_32x32.mat"
    path.write_bytes(svhn_mat_bytes(3, labels=np.array([[1], [11], [2]])))
    with pytest.raises(
        DataError, match=r"test_32x32.mat: expected labels 1..10 .* found 11 at item 1"
    ):
        read_svhn_mat(path)


def test_not_a_mat_file(tmp_path):
    path = tmp_path / "train_32x32.mat"
    path.write_bytes(b"this is not a MATLAB file" * 10)
    with pytest.raises(DataError, match=r"train_32x32.mat: not a readable MATLAB .mat file"):
        read_svhn_mat(path)


def test_a_huge_cifar_member_is_refused_from_its_header_before_extracting(tmp_path):
    class Zeros(io.RawIOBase):
        def __init__(self, size):
            self.left = size

        def readable(self):
            return True

        def readinto(self, buffer):
            n = min(len(buffer), self.left)
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    size = 50_000 * (2 + 3072) + 3073  # one record more than the largest real file
    archive = tmp_path / "cifar10" / "cifar-10-binary.tar.gz"
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("cifar-10-batches-bin/data_batch_1.bin")
        info.size = size
        tar.addfile(info, io.BufferedReader(Zeros(size)))
    with pytest.raises(DataError, match=r"at most 153,700,000 bytes \(50,000 records\), found"):
        data.load("cifar10", "train", data_dir=tmp_path)
    assert not list((tmp_path / "cifar10").rglob("*.bin"))
