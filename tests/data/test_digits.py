import pytest
import torch

from cnnlab import data
from cnnlab.errors import UnknownNameError


def test_digits_splits_are_32x32_uint8_disjoint_and_stratified():
    splits = {s: data.load("digits", s, seed=3) for s in ("train", "val", "test")}
    assert sum(len(d) for d in splits.values()) == 1797
    for dataset in splits.values():
        assert dataset.images.dtype == torch.uint8
        assert dataset.image_shape == (1, 32, 32)
        counts = torch.bincount(dataset.labels, minlength=10).float()
        assert counts.min() / counts.max() > 0.8  # every class in proportion
    keys = {s: {bytes(img.numpy()) for img in d.images} for s, d in splits.items()}
    assert not keys["train"] & keys["test"]


def test_split_is_reproducible_from_the_seed_and_changes_with_it():
    a, b = data.load("digits", "test", seed=1), data.load("digits", "test", seed=1)
    c = data.load("digits", "test", seed=2)
    assert torch.equal(a.images, b.images)
    assert not torch.equal(a.images, c.images)


def test_unknown_dataset_name_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="digits"):
        data.load("digit")


def test_loader_normalises_and_covers_every_image_once_per_epoch():
    dataset = data.load("digits", "val")
    mean, std = dataset.channel_stats()
    loader = data.InMemoryLoader(dataset, 50, mean=mean, std=std, shuffle=True, seed=0)
    xs, ys = zip(*loader, strict=True)
    x, y = torch.cat(xs), torch.cat(ys)
    assert len(y) == len(dataset)
    assert torch.equal(
        torch.bincount(y, minlength=10), torch.bincount(dataset.labels, minlength=10)
    )
    assert abs(x.mean().item()) < 1e-4 and abs(x.std().item() - 1) < 1e-2
