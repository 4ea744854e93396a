"""The train/val/test protocol, few-shot subsets and where data is looked for."""

import dataclasses
import math
import statistics

import pytest
import torch
from fakes import fake_mnist

from cnnlab import data
from cnnlab.errors import ConfigError, DataError
from cnnlab.train import TrainConfig
from cnnlab.train.splits import load_split, load_splits


def test_per_class_keeps_k_of_each_class_reproducibly():
    a = data.load("digits", "train", seed=4, per_class=5)
    b = data.load("digits", "train", seed=4, per_class=5)
    c = data.load("digits", "train", seed=5, per_class=5)
    assert torch.equal(torch.bincount(a.labels), torch.full((10,), 5))
    assert torch.equal(a.images, b.images) and not torch.equal(a.images, c.images)
    full = {bytes(img.numpy()) for img in data.load("digits", "train", seed=4).images}
    assert all(bytes(img.numpy()) in full for img in a.images)  # drawn from the train split
    val = data.load("digits", "val", seed=4, per_class=5)
    assert len(val) == len(data.load("digits", "val", seed=4))  # val and test stay whole


def test_per_class_larger_than_a_class():
    with pytest.raises(
        DataError, match=r"expected at least 500 image\(s\) of every class .* found"
    ):
        data.load("digits", per_class=500)


def test_train_config_passes_per_class_and_on_bad_image_through():
    config = TrainConfig(data="digits", per_class=3, on_bad_image="skip")
    assert len(load_split(config, "train")) == 30
    with pytest.raises(ConfigError, match="unknown on_bad_image 'ignore'"):
        TrainConfig(on_bad_image="ignore")
    with pytest.raises(ConfigError, match=r"per_class must be an integer in \[0, \d+\], found -1"):
        TrainConfig(per_class=-1)


def test_the_data_folder_comes_from_cnnlab_data(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "mnist", count=20)
    monkeypatch.setenv("CNNLAB_DATA", str(tmp_path))
    assert data.default_data_dir() == tmp_path
    assert len(data.load("mnist", "test")) == 20
    monkeypatch.delenv("CNNLAB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data.default_data_dir() == tmp_path / "cache" / "cnnlab"


def test_load_splits_gives_what_load_gives_from_one_reading_of_the_files(tmp_path):
    fake_mnist(tmp_path / "mnist", count=60)
    options = {"data_dir": tmp_path, "seed": 2, "val_split": 0.2, "per_class": 3}
    splits = data.load_splits("mnist", **options)
    for split in ("train", "val", "test"):
        one = data.load("mnist", split, **options)
        assert torch.equal(splits[split].images, one.images)
        assert torch.equal(splits[split].labels, one.labels)
    assert len(splits["train"]) == 30 and len(splits["val"]) == 12 and len(splits["test"]) == 60
    builds = []
    entry = data.catalogue_entry("mnist")

    def counted(row, root, seed):
        builds.append(row.name)
        return entry.build(row, root, seed)

    data.add_dataset(dataclasses.replace(entry, name="counted-mnist", build=counted))
    try:
        config = TrainConfig(data="counted-mnist", data_dir=str(tmp_path), pad=2, val_split=0.2)
        padded = load_splits(config)
        assert builds == ["counted-mnist"]  # the files were read once for the three splits
        assert padded["val"].image_shape == (1, 32, 32)
        assert torch.equal(padded["test"].images, load_split(config, "test").images)
    finally:
        del data.CATALOGUE["counted-mnist"]


def test_every_dataset_has_channel_statistics():
    mean, std = data.load("digits", "test").channel_stats()
    assert len(mean) == len(std) == 1 and 0 < mean[0] < 1 and 0 < std[0] < 1


def test_channel_statistics_are_exact_per_channel():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (300, 3, 7, 5), dtype=torch.uint8, generator=generator)
    images[:, 2] = 255  # a constant channel: standard deviation 0
    dataset = data.Dataset("colour", images, torch.zeros(300, dtype=torch.int64), ["a"])
    mean, std = dataset.channel_stats()
    for channel in range(3):
        pixels = [value / 255 for value in images[:, channel].flatten().tolist()]
        assert math.isclose(mean[channel], statistics.fmean(pixels), rel_tol=1e-15)
        assert math.isclose(std[channel], statistics.stdev(pixels), rel_tol=1e-15, abs_tol=0)
    assert mean[2] == 1.0 and std[2] == 0.0


def test_folder_needs_a_path():
    with pytest.raises(DataError, match=r"dataset 'folder' needs a path: folder:PATH"):
        data.load("folder")
