"""One table of datasets: each row holds the catalogue facts and the builder, so every name
`cnnlab data list` shows is loadable and every loadable name is listed."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from cnnlab import data
from cnnlab.data.dataset import Dataset
from cnnlab.train import TrainConfig


def test_every_row_has_its_builder_and_every_name_is_a_row():
    assert data.dataset_names() == sorted(data.CATALOGUE)
    for name, entry in data.CATALOGUE.items():
        assert entry.name == name and callable(entry.build), name


def test_load_reads_a_dataset_through_its_row():
    calls = []

    def build(entry, root, seed):
        calls.append((entry.name, seed))
        images = torch.zeros(20, 1, 4, 4, dtype=torch.uint8)
        labels = torch.arange(20) % 2
        return {split: Dataset(entry.name, images, labels, list(entry.classes)) for split in
                ("train", "test")}  # fmt: skip

    row = dataclasses.replace(
        data.catalogue_entry("digits"), name="tiny-test-set", classes=("a", "b"), build=build
    )
    data.add_dataset(row)
    try:
        assert "tiny-test-set" in data.dataset_names()
        assert TrainConfig(data="tiny-test-set").data == "tiny-test-set"
        assert len(data.load("tiny-test-set", "test", seed=3)) == 20
        assert calls == [("tiny-test-set", 3)]
        with pytest.raises(ValueError, match="'tiny-test-set' is registered twice"):
            data.add_dataset(row)
    finally:
        del data.CATALOGUE["tiny-test-set"]
