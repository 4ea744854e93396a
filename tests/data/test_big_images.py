"""Big photographs are scaled down as they are decoded, never held whole."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image

from cnnlab.data import load
from cnnlab.data.images import decode_image
from cnnlab.data.show import augmented_grid
from conftest import cli_env


def test_a_preview_keeps_the_aspect_and_no_side_over_max_side(tmp_path):
    for split in ("train", "test"):
        for name in ("a", "b"):
            (tmp_path / split / name).mkdir(parents=True)
            Image.new("RGB", (900, 600), (200, 10, 10)).save(tmp_path / split / name / "x.png")
    data = load(f"folder:{tmp_path}", "train", max_side=96, val_split=0)
    assert data.images.shape[1:] == (3, 64, 96)
    assert data.images[0, :, 10, 10].tolist() == [200, 10, 10]


def test_a_blown_up_picture_decodes_back_to_its_original_pixels(tmp_path):
    rng = np.random.default_rng(0)
    smooth = rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)
    big = Image.fromarray(smooth).resize((600, 400), Image.Resampling.NEAREST)
    big.save(tmp_path / "big.png")
    small = decode_image(tmp_path / "big.png", "RGB", (40, 60))
    assert np.abs(small.astype(int) - smooth.transpose(2, 0, 1).astype(int)).max() <= 1


def test_showing_a_folder_of_8000x8000_pngs_does_not_hold_them_whole(tmp_path):
    """Six 8000x8000 RGB PNGs (192 MB each once decoded) previewed at 128 pixels: the
    process keeps small arrays (before: every picture whole, over 1 GB)."""
    folder = tmp_path / "photos"
    picture = tmp_path / "big.png"
    Image.new("RGB", (8000, 8000), (30, 60, 90)).save(picture)
    for split, name, copies in (("train", "a", 3), ("train", "b", 1), ("test", "a", 1),
                                ("test", "b", 1)):  # fmt: skip
        (folder / split / name).mkdir(parents=True)
        for copy in range(copies):
            os.link(picture, folder / split / name / f"{copy}.png")
    script = textwrap.dedent(f"""
        import resource, torch
        from cnnlab.data import load
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        data = load("folder:{folder}", "train", max_side=128, val_split=0)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(tuple(data.images.shape), (after - before) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=cli_env(), timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    shape, grown_mb = result.stdout.split(")")
    assert shape == "(4, 3, 128, 128"
    assert int(grown_mb) < 300, f"the loading process grew by {grown_mb} MB"


def test_data_show_of_a_folder_of_big_photos_draws_them_at_preview_size(tmp_path):
    for split in ("train", "test"):
        for name, colour in (("red", (200, 0, 0)), ("blue", (0, 0, 200))):
            (tmp_path / split / name).mkdir(parents=True)
            Image.new("RGB", (3000, 2000), colour).save(tmp_path / split / name / "0.png")
    grid = augmented_grid(f"folder:{tmp_path}", "flip", count=2, copies=2, split="test")
    assert tuple(grid.augmented.shape) == (2, 2, 3, 171, 256)
    assert grid.save(tmp_path / "grid.png").is_file()
