"""translated-mnist and cluttered-mnist: digits on a 60x60 canvas with their boxes."""

import numpy as np
import pytest
import torch
from PIL import Image

from cnnlab import data
from cnnlab.data.placed_mnist import place, tight_boxes
from cnnlab.data.show import augmented_grid
from conftest import SHARED_DATA, run_cli_here


def strokes() -> np.ndarray:
    """Two 28x28 'digits' with known ink: rows 5..14 x columns 3..6, and one pixel."""
    digits = np.zeros((2, 28, 28), dtype=np.uint8)
    digits[0, 5:15, 3:7] = 200
    digits[1, 27, 0] = 9
    return digits


def test_a_tight_box_holds_exactly_the_inked_pixels():
    assert tight_boxes(strokes()).tolist() == [[3, 5, 4, 10], [0, 27, 1, 1]]


def test_each_digit_lands_inside_its_box_on_the_canvas():
    images, boxes = place(strokes(), np.random.default_rng(0))
    assert images.shape == (2, 60, 60) and images.dtype == np.uint8
    for image, (x, y, w, h) in zip(images, boxes.astype(int), strict=True):
        inside = image[y : y + h, x : x + w]
        assert image.sum() == inside.sum() > 0  # all ink inside the box
        assert inside[:, 0].any() and inside[:, -1].any() and inside[0].any() and inside[-1].any()


def test_clutter_adds_eight_fragments_and_leaves_the_box_as_the_digits():
    rng = np.random.default_rng(1)
    digits = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    clean, _ = place(digits, np.random.default_rng(3))
    cluttered, boxes = place(digits, np.random.default_rng(3), fragments=8)
    assert (cluttered > 0).sum() > (clean > 0).sum()  # 8 extra 8x8 pieces of ink
    for image, (x, y, w, h), digit in zip(cluttered, boxes.astype(int), digits, strict=True):
        assert (image[y : y + h, x : x + w] >= digit).all()  # the digit drawn on top


def test_the_same_seed_gives_the_same_images_and_boxes_another_seed_others():
    digits = np.random.default_rng(2).integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    first = place(digits, np.random.default_rng([7, 0]), fragments=8)
    again = place(digits, np.random.default_rng([7, 0]), fragments=8)
    other = place(digits, np.random.default_rng([8, 0]), fragments=8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["translated-mnist", "cluttered-mnist"])
def test_loading_from_the_mnist_files_gives_boxes_that_follow_every_split(name):
    test = data.load(name, "test", data_dir=SHARED_DATA, seed=0)
    mnist = data.load("mnist", "test", data_dir=SHARED_DATA)
    assert test.images.shape == (10_000, 1, 60, 60) and test.boxes.shape == (10_000, 4)
    assert torch.equal(test.labels, mnist.labels)
    ink = mnist.images[:, 0].flatten(1).sum(1)
    x, y, w, h = test.boxes[0].int().tolist()
    assert int(test.images[0, 0, y : y + h, x : x + w].sum()) >= int(ink[0])
    val = data.load(name, "val", data_dir=SHARED_DATA, seed=0)
    assert val.boxes is not None and len(val.boxes) == 6_000
    assert torch.equal(data.load(name, "test", data_dir=SHARED_DATA, seed=0).boxes, test.boxes)


def red_pixels(path) -> int:
    with Image.open(path) as png:
        pixels = np.asarray(png.convert("RGB")).astype(int)
    return int(((pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)).sum())


@pytest.mark.slow
def test_data_show_draws_each_originals_box(tmp_path):
    out = tmp_path / "boxes.png"
    args = ["data", "show", "translated-mnist", "--count", "3", "--copies", "1"]
    result = run_cli_here(*args, "--data-dir", str(SHARED_DATA), "--out", str(out))
    assert result.returncode == 0, result.stderr
    grid = augmented_grid("translated-mnist", count=3, copies=1, data_dir=SHARED_DATA)
    train = data.load("translated-mnist", "train", data_dir=SHARED_DATA)
    assert torch.equal(grid.boxes, train.boxes[:3])
    assert red_pixels(out) > 0  # the boxes; the grey digits and black canvas have none
    plain = tmp_path / "plain.png"
    run_cli_here("data", "show", "digits", "--count", "3", "--copies", "1", "--out", str(plain))
    assert red_pixels(plain) == 0
