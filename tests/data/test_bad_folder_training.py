"""A folder where 1% of the files are bad trains to the end with --on-bad-image skip."""

import json

import numpy as np
import pytest
from fakes import png_bomb, png_bytes

from conftest import run_cli_here


def make_folder(root, per_class: int = 100) -> list:
    """Four classes of 32x32 grey squares (a bright quadrant per class), and four bad files."""
    rng = np.random.default_rng(0)
    for c in range(4):
        (root / f"c{c}").mkdir(parents=True)
        for i in range(per_class - 1):
            pixels = rng.integers(0, 60, (32, 32), dtype=np.uint8)
            pixels[16 * (c // 2) : 16 * (c // 2) + 16, 16 * (c % 2) : 16 * (c % 2) + 16] += 150
            (root / f"c{c}" / f"{i:03d}.png").write_bytes(png_bytes(array=pixels))
    whole = png_bytes(array=np.zeros((32, 32), np.uint8) + 99)
    bad = {
        root / "c0" / "empty.png": b"",
        root / "c1" / "truncated.png": whole[: len(whole) // 2],
        root / "c2" / "bomb.png": png_bomb(10_000, 10_000),
        root / "c3" / "readme.png": b"these are not the pixels you are looking for\n",
    }
    for path, body in bad.items():
        path.write_bytes(body)
    return sorted(bad)


def train_args(root, out) -> list[str]:
    return [
        "train", "lenet5", "--data", f"folder:{root}", "--epochs", "2", "--batch-size", "32",
        "--no-tensorboard", "--out", str(out),
    ]  # fmt: skip


def test_training_on_a_folder_with_bad_files_stops_listing_every_one(tmp_path):
    bad = make_folder(tmp_path / "pics")
    failed = run_cli_here(*train_args(tmp_path / "pics", tmp_path / "run"))
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert "found 4 of 400 image files that cannot be used" in failed.stderr
    assert all(str(path) in failed.stderr for path in bad)
    assert "--on-bad-image skip" in failed.stderr
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.slow
def test_one_percent_bad_files_train_to_the_end_with_skip(tmp_path):
    bad = make_folder(tmp_path / "pics")
    result = run_cli_here(
        *train_args(tmp_path / "pics", tmp_path / "run"), "--on-bad-image", "skip"
    )
    assert result.returncode == 0, result.stderr
    assert "skipped 4 of 400 image files that cannot be used" in result.stderr
    assert all(str(path) in result.stderr for path in bad)
    assert "expected an image of at most 64,000,000 pixels, found 10000x10000" in result.stderr
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["count"] == 80  # a fifth of the 396 good images is the test split
    metrics = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert len(metrics) == 2 and results["accuracy"] > 0.5
