import hashlib
from dataclasses import replace

import pytest
import torch
from fakes import fake_mnist
from http_mirror import serve_files

from cnnlab import data
from cnnlab.data.download import md5_of
from cnnlab.errors import DataError


def md5(raw: bytes) -> str:
    return hashlib.md5(raw).hexdigest()


@pytest.fixture
def file_server():
    with serve_files() as server:
        yield server


@pytest.fixture
def fake_entry(tmp_path, file_server):
    """The MNIST catalogue entry with the checksums of small generated files being served."""
    source = fake_mnist(tmp_path / "source", count=30)
    files = []
    for remote in data.catalogue_entry("mnist").files:
        raw = (source / remote.name).read_bytes()
        file_server.files[remote.name] = raw
        files.append(data.RemoteFile(remote.name, md5(raw)))
    return replace(data.catalogue_entry("mnist"), files=tuple(files))


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_download_verifies_and_the_files_load(tmp_path, file_server, fake_entry):
    paths = data.download(fake_entry, tmp_path / "cache", mirrors=[file_server.mirror("good")])
    assert [p.name for p in paths] == [f.name for f in fake_entry.files]
    assert all(md5_of(p) == f.md5 for p, f in zip(paths, fake_entry.files, strict=True))
    test = data.load("mnist", "test", data_dir=tmp_path / "cache")
    assert test.images.shape == (30, 1, 28, 28) and test.labels.tolist()[:3] == [0, 1, 2]
    served = len(file_server.requests)
    data.download(fake_entry, tmp_path / "cache", mirrors=[file_server.mirror("good")])
    assert len(file_server.requests) == served  # verified files are not fetched again


def test_a_404_on_the_first_mirror_falls_back_to_the_next(tmp_path, file_server, fake_entry):
    mirrors = [file_server.mirror("missing"), file_server.mirror("good")]
    paths = data.download(fake_entry, tmp_path, mirrors=mirrors)
    assert all(p.is_file() for p in paths)
    assert file_server.requests[:2] == [
        "/missing/train-images-idx3-ubyte.gz",
        "/good/train-images-idx3-ubyte.gz",
    ]


def test_wrong_checksum_leaves_no_file_and_names_both_sums(tmp_path, file_server, fake_entry):
    with pytest.raises(DataError) as caught:
        data.download(fake_entry, tmp_path, mirrors=[file_server.mirror("corrupt")])
    message = str(caught.value)
    expected = fake_entry.files[0].md5
    assert "train-images-idx3-ubyte.gz: could not download" in message
    assert f"expected md5 {expected}, found " in message
    assert not (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").exists()
    assert leftovers(tmp_path / "mnist") == []


def test_a_connection_dropped_mid_file_leaves_nothing_that_looks_complete(
    tmp_path, file_server, fake_entry
):
    with pytest.raises(DataError, match=r"drop/train-images-idx3-ubyte.gz: .*after"):
        data.download(fake_entry, tmp_path, mirrors=[file_server.mirror("drop")])
    assert list((tmp_path / "mnist").iterdir()) == []
    paths = data.download(
        fake_entry, tmp_path, mirrors=[file_server.mirror("drop"), file_server.mirror("good")]
    )
    assert all(md5_of(p) == f.md5 for p, f in zip(paths, fake_entry.files, strict=True))


def test_every_mirror_failing_lists_what_each_did(tmp_path, file_server, fake_entry):
    mirrors = [file_server.mirror(b) for b in ("missing", "corrupt", "drop")]
    with pytest.raises(DataError) as caught:
        data.download(fake_entry, tmp_path, mirrors=mirrors)
    message = str(caught.value)
    assert "missing/train-images-idx3-ubyte.gz: HTTP 404" in message
    assert "corrupt/train-images-idx3-ubyte.gz: expected md5" in message
    assert "drop/train-images-idx3-ubyte.gz: " in message


def test_an_unreachable_mirror_falls_back(tmp_path, file_server, fake_entry):
    dead = "http://127.0.0.1:9/"  # the discard port: connection refused
    paths = data.download(fake_entry, tmp_path, mirrors=[dead, file_server.mirror("good")])
    assert len(paths) == 4


def test_every_catalogue_entry_is_complete():
    for name, entry in data.CATALOGUE.items():
        assert name in data.dataset_names()
        assert len(entry.classes) == len(set(entry.classes)) > 1
        assert entry.split_sizes["train"] > entry.split_sizes["test"] > 0
        for remote in entry.files:
            assert len(remote.md5) == 32 and int(remote.md5, 16) >= 0
        assert entry.bundled or all(m.startswith("http") and m.endswith("/") for m in entry.mirrors)
    assert len(data.catalogue_entry("cifar100").classes) == 100
    assert len(data.catalogue_entry("cifar100-coarse").classes) == 20
    assert len(data.catalogue_entry("emnist-balanced").classes) == 47
    assert torch.tensor(data.catalogue_entry("svhn-extra").split_sizes["train"]) == 604_388


def test_a_data_folder_that_is_a_file_is_reported(tmp_path, file_server, fake_entry):
    (tmp_path / "mnist").write_text("a file where the folder should be")
    with pytest.raises(DataError, match=r"mnist/train-images-idx3-ubyte.gz: cannot write the"):
        data.download(fake_entry, tmp_path, mirrors=[file_server.mirror("good")])
