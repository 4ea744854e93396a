"""``cnnlab data list`` and ``cnnlab data get`` as a user runs them."""

from dataclasses import replace

import pytest
from fakes import fake_mnist
from http_mirror import serve_files

from cnnlab import data
from cnnlab.data.download import md5_of
from conftest import SHARED_DATA, run_cli_here


def test_data_list_shows_every_dataset_and_what_is_here(tmp_path):
    fake_mnist(tmp_path / "mnist")
    result = run_cli_here("data", "list", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert set(rows) == set(data.CATALOGUE)
    assert "1x28x28" in rows["mnist"] and "60,000" in rows["mnist"] and " yes " in rows["mnist"]
    assert " no " in rows["cifar10"] and "3x32x32" in rows["cifar10"]
    assert "| 100 " in rows["cifar100"].replace("│", "|") and "604,388" in rows["svhn-extra"]
    assert " bundled " in rows["digits"]


def test_data_get_refuses_a_file_whose_checksum_differs(tmp_path):
    with serve_files() as server:
        for path in fake_mnist(tmp_path / "source").iterdir():
            server.files[path.name] = path.read_bytes()
        result = run_cli_here(
            "data", "get", "mnist", "--data-dir", str(tmp_path / "cache"),
            "--mirror", server.mirror("missing"), "--mirror", server.mirror("good"),
        )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert "missing/train-images-idx3-ubyte.gz: HTTP 404" in message
    assert "expected md5 f68b3c2dcbeaaa9fbdd348bbdeb94873, found" in message
    assert not (tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_data_get_of_a_bundled_dataset():
    result = run_cli_here("data", "get", "digits")
    assert result.returncode == 0 and "nothing to download" in result.stdout


@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason="shared MNIST files not present")
def test_real_mnist_labels_verify_against_the_published_checksum(tmp_path):
    """The labels .gz in the shared folder are byte-identical to the mirrors' files."""
    entry = data.catalogue_entry("mnist")
    labels = replace(entry, files=(entry.files[1], entry.files[3]))
    with serve_files() as server:
        for remote in labels.files:
            server.files[remote.name] = (SHARED_DATA / "mnist" / remote.name).read_bytes()
        paths = data.download(labels, tmp_path, mirrors=[server.mirror("good")])
    assert [md5_of(p) for p in paths] == [
        "d53e105ee54ea40749a09fcbcd1e9432",
        "ec29112dd5afa0611ce80d1b7f02629c",
    ]
