"""multi-mnist: 1 to 5 digits in a row on a 64x160 canvas, with the sequence and the boxes;
and the cache every generated set is read back from."""

import numpy as np
import pytest
import torch
from PIL import Image

from cnnlab import data
from cnnlab.data.generated import cache_dir
from cnnlab.data.multi_mnist import HEIGHT, MAX_DIGITS, WIDTH, place_rows, union_boxes
from conftest import run_cli
from data.fakes import fake_mnist


@pytest.fixture
def mnist_root(tmp_path, monkeypatch):
    """A small copy of the MNIST files, and a cache folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fake_mnist(tmp_path / "data" / "mnist", count=40)
    return tmp_path / "data"


def blocks(count: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """28x28 'digits' of class k: a solid block of rows 4..23 and columns 8+k//2..19-k//2."""
    digits = np.zeros((count, 28, 28), dtype=np.uint8)
    for k in range(count):
        digits[k, 4:24, 8 + k // 2 : 20 - k // 2] = 100 + 10 * k
    return digits, np.arange(count)


def test_each_digit_of_a_row_lies_inside_its_box_and_the_union_holds_them_all():
    digits, labels = blocks()
    images, sequences, boxes = place_rows(digits, labels, 200, np.random.default_rng(0))
    assert images.shape == (200, HEIGHT, WIDTH) and sequences.shape == (200, MAX_DIGITS)
    lengths = (sequences >= 0).sum(1)
    assert set(lengths) == {1, 2, 3, 4, 5}
    assert ((sequences >= 0) == (np.arange(MAX_DIGITS) < lengths[:, None])).all()  # no holes
    union = union_boxes(boxes, sequences).astype(int)
    for image, sequence, digit_boxes, (ux, uy, uw, uh) in zip(
        images, sequences, boxes.astype(int), union, strict=True
    ):
        assert image.sum() == image[uy : uy + uh, ux : ux + uw].sum() > 0  # all ink inside
        for k, (x, y, w, h) in zip(sequence, digit_boxes, strict=False):
            if k < 0:
                assert w == h == 0
                continue
            ink = digits[k][digits[k] > 0]
            inside = image[y : y + h, x : x + w]
            assert (w, h) == (12 - 2 * (k // 2), 20)  # the block's own size
            assert (inside >= ink.reshape(h, w)).all()  # the digit's ink, drawn at its box


def test_union_box_by_hand():
    boxes = np.array([[[10, 5, 4, 20], [20, 8, 6, 10], [0, 0, 0, 0]]], dtype=np.float32)
    sequences = np.array([[3, 1, -1]])
    assert union_boxes(boxes, sequences).tolist() == [[10, 5, 16, 20]]


def test_the_same_seed_gives_the_same_set_and_the_cache_gives_it_back(mnist_root):
    first = data.load("multi-mnist", "test", data_dir=mnist_root, seed=3)
    assert first.images.shape == (80, 1, HEIGHT, WIDTH)  # two rows per MNIST digit at most
    assert torch.equal(first.labels, first.sequences[:, 0])
    cached = list((cache_dir()).glob("multi-mnist-seed3-*.npz"))
    assert len(cached) == 1
    again = data.load("multi-mnist", "test", data_dir=mnist_root, seed=3)
    for field in ("images", "labels", "boxes", "sequences", "digit_boxes"):
        assert torch.equal(getattr(first, field), getattr(again, field))
    other = data.load("multi-mnist", "test", data_dir=mnist_root, seed=4)
    assert not torch.equal(first.images, other.images)
    val = data.load("multi-mnist", "val", data_dir=mnist_root, seed=3, val_split=0.3)
    assert val.sequences is not None and val.digit_boxes.shape == (len(val), MAX_DIGITS, 4)


def test_a_damaged_cache_file_is_rebuilt_not_trusted(mnist_root):
    first = data.load("multi-mnist", "test", data_dir=mnist_root, seed=0)
    (path,) = cache_dir().glob("multi-mnist-seed0-*.npz")
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    again = data.load("multi-mnist", "test", data_dir=mnist_root, seed=0)
    assert torch.equal(first.images, again.images)
    assert path.stat().st_size > 1000  # written whole again


def test_a_cache_of_other_mnist_files_is_not_used(mnist_root, tmp_path):
    first = data.load("cluttered-mnist", "test", data_dir=mnist_root, seed=0)
    fake_mnist(mnist_root / "mnist", count=40, seed=9)  # other digits, same names
    second = data.load("cluttered-mnist", "test", data_dir=mnist_root, seed=0)
    assert not torch.equal(first.images, second.images)
    assert len(list(cache_dir().glob("cluttered-mnist-seed0-*.npz"))) == 2


def coloured_pixels(path, rgb_test) -> int:
    with Image.open(path) as png:
        pixels = np.asarray(png.convert("RGB")).astype(int)
    return int(rgb_test(pixels[..., 0], pixels[..., 1], pixels[..., 2]).sum())


def test_data_show_draws_the_sequence_and_each_digits_box(mnist_root, tmp_path):
    out = tmp_path / "multi.png"
    result = run_cli(
        "data", "show", "multi-mnist", "--count", "2", "--copies", "1", "--split", "test",
        "--data-dir", str(mnist_root), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "64x160" in result.stdout
    assert coloured_pixels(out, lambda r, g, b: (r < 60) & (g > 200) & (b > 200)) > 0  # cyan
    assert coloured_pixels(out, lambda r, g, b: (r > 200) & (g < 60) & (b < 60)) > 0  # red
