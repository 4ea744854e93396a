"""Image folders: layout, decoding, every kind of bad file, and the streaming loader."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from fakes import image_folder, jpeg_bytes, png_bomb, png_bytes
from PIL import Image

from cnnlab import data
from cnnlab.errors import DataError


def test_folder_loads_sorted_classes_resized_to_the_common_size(tmp_path):
    root = image_folder(tmp_path / "pics", classes=3, per_class=10, size=(12, 10))
    (root / "class1" / "odd.png").write_bytes(png_bytes((30, 20)))
    train = data.load(f"folder:{root}", "train", val_split=0.2)
    test = data.load("folder", "test", data_dir=root)
    assert train.classes == ["class0", "class1", "class2"]
    assert train.image_shape == (3, 10, 12) and train.images.dtype == torch.uint8
    assert len(train) + len(test) == 31 - 5  # a fifth is the test split, a fifth of the rest val
    assert torch.equal(torch.bincount(test.labels), torch.tensor([2, 3, 2]))


def test_the_pixels_are_the_files_pixels(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=5, size=(8, 6))
    dataset = data.load_folder(root, image_size=(6, 8))
    pixels = {bytes(img.numpy()) for split in dataset.values() for img in split.images}
    for path in root.glob("*/*.png"):
        expected = np.asarray(Image.open(path)).transpose(2, 0, 1)
        assert expected.tobytes() in pixels


def test_train_and_test_sub_folders_are_the_official_splits(tmp_path):
    image_folder(tmp_path / "pics" / "train", classes=2, per_class=8)
    image_folder(tmp_path / "pics" / "test", classes=2, per_class=3)
    assert len(data.load(f"folder:{tmp_path / 'pics'}", "test")) == 6
    assert len(data.load(f"folder:{tmp_path / 'pics'}", "train", val_split=0.25)) == 12


def test_grey_images_give_one_channel(tmp_path):
    root = tmp_path / "grey"
    for c in ("x", "y"):
        (root / c).mkdir(parents=True)
        for i in range(6):
            (root / c / f"{i}.png").write_bytes(png_bytes((9, 9), mode="L", seed=i))
    assert data.load(f"folder:{root}", "test").image_shape == (1, 9, 9)


def test_folder_without_class_sub_folders(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "0.png").write_bytes(png_bytes())
    with pytest.raises(
        DataError,
        match=r"flat: expected one sub-folder per class .* found no sub-folders \(0.png\)",
    ):
        data.load(f"folder:{tmp_path / 'flat'}")


def test_folder_with_an_empty_class(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=5)
    (root / "zebra").mkdir()
    with pytest.raises(DataError, match=r"zebra: expected the images of class 'zebra', found none"):
        data.load(f"folder:{root}")


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: expected a folder of class sub-folders"):
        data.load(f"folder:{tmp_path / 'nowhere'}")


def bad_folder(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=10)
    (root / "class0" / "notes.txt").write_text("not an image\n")
    jpeg = jpeg_bytes()
    (root / "class1" / "corrupt.jpg").write_bytes(jpeg[:200] + bytes(len(jpeg) - 200))
    (root / "class1" / "bomb.png").write_bytes(png_bomb())
    return root


def test_fail_lists_every_bad_file_with_what_was_found(tmp_path):
    root = bad_folder(tmp_path)
    with pytest.raises(DataError) as caught:
        data.load(f"folder:{root}")
    message = str(caught.value)
    assert message.startswith(f"{root}: found 3 of 23 image files that cannot be used:")
    assert f"{root / 'class0' / 'notes.txt'}: expected an image file, found 13 bytes" in message
    assert f"{root / 'class1' / 'corrupt.jpg'}: expected a complete image, found corrupt" in message
    assert (
        f"{root / 'class1' / 'bomb.png'}: expected an image of at most 64,000,000 pixels, "
        "found (Image size (400000000 pixels)" in message
    )
    assert "--on-bad-image skip" in message


def test_skip_leaves_bad_files_out_and_reports_them(tmp_path, capsys):
    root = bad_folder(tmp_path)
    test = data.load(f"folder:{root}", "test", on_bad_image="skip")
    train = data.load(f"folder:{root}", "train", on_bad_image="skip")
    assert (
        len(test) + len(train) + len(data.load(f"folder:{root}", "val", on_bad_image="skip")) == 20
    )
    err = capsys.readouterr().err
    assert "skipped 3 of 23 image files" in err and "bomb.png" in err and "notes.txt" in err
    assert err.count("skipped") == 1  # decoded and reported once for all three splits


def test_empty_and_truncated_pngs_are_bad_files(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=6)
    (root / "class0" / "empty.png").write_bytes(b"")
    whole = png_bytes((64, 64), seed=3)
    (root / "class1" / "cut.png").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError) as caught:
        data.load(f"folder:{root}")
    assert "empty.png: expected an image file, found 0 bytes" in str(caught.value)
    assert "cut.png: expected a complete image, found corrupt data" in str(caught.value)


def test_bad_on_bad_image_value(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=5)
    with pytest.raises(DataError, match=r"on_bad_image must be one of fail, skip, found 'ignore'"):
        data.load(f"folder:{root}", on_bad_image="ignore")


# -- streaming -------------------------------------------------------------------------------


def test_image_folder_loader_decodes_in_workers_and_augments_after_collation(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=40, size=(20, 16))
    (root / "class1" / "junk.png").write_bytes(b"\x89PNG junk")
    seen = []

    def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        seen.append((batch.shape, float(batch.min()), float(batch.max()), type(generator)))
        return batch.flip(3)

    loader = data.ImageFolderLoader(
        root, 16, size=(8, 10), mean=[0.5] * 3, std=[0.25] * 3, shuffle=True, seed=1,
        num_workers=2, augment=augment, on_bad_image="skip",
    )  # fmt: skip
    batches = list(loader)
    x = torch.cat([b[0] for b in batches])
    y = torch.cat([b[1] for b in batches])
    assert x.shape == (80, 3, 8, 10) and torch.equal(torch.bincount(y), torch.tensor([40, 40]))
    assert seen[0][0] == (16, 3, 8, 10) and seen[0][1] >= 0 and seen[0][2] <= 1
    assert seen[0][3] is torch.Generator
    assert list(loader.bad) == [root / "class1" / "junk.png"]
    loader.set_epoch(1)
    other = torch.cat([b[1] for b in loader])
    loader.set_epoch(0)
    again = torch.cat([b[1] for b in loader])
    assert torch.equal(again, y) and not torch.equal(other, y)  # the order is (seed, epoch)'s


def test_image_folder_loader_fails_on_a_bad_file_by_default(tmp_path):
    root = image_folder(tmp_path / "pics", classes=2, per_class=5)
    (root / "class0" / "empty.jpg").write_bytes(b"")
    loader = data.ImageFolderLoader(root, 4, size=8, mean=[0.0] * 3, std=[1.0] * 3, num_workers=0)
    with pytest.raises(DataError, match=r"empty.jpg: expected an image file, found 0 bytes"):
        list(loader)


BAD_FILES = {
    "notes.txt": (lambda: b"not an image\n", "expected an image file, found 13 bytes"),
    "empty.png": (lambda: b"", "expected an image file, found 0 bytes"),
    "corrupt.jpg": (
        lambda: jpeg_bytes()[:200] + bytes(len(jpeg_bytes()) - 200),
        "expected a complete image, found corrupt data",
    ),
    "truncated.png": (
        lambda: png_bytes((64, 64))[: len(png_bytes((64, 64))) // 2],
        "expected a complete image, found corrupt data",
    ),
    "huge.png": (png_bomb, "expected an image of at most 64,000,000 pixels, found"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_one_bad_file_is_named_with_what_was_expected(tmp_path, name):
    make, expected = BAD_FILES[name]
    root = image_folder(tmp_path / "pics", classes=2, per_class=5)
    (root / "class1" / name).write_bytes(make())
    with pytest.raises(DataError) as caught:
        data.load(f"folder:{root}")
    assert f"{root / 'class1' / name}: {expected}" in str(caught.value)


def test_a_20000_by_20000_png_is_refused_without_decoding_it(tmp_path):
    """Peak memory of a fresh process stays far below the 400 MB the pixels would take."""
    path = tmp_path / "huge.png"
    path.write_bytes(png_bomb())
    script = (
        "import resource, sys; from pathlib import Path; "
        "from cnnlab.data.images import decode_image; "
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
        f"bad = decode_image(Path({str(path)!r}), 'L', (32, 32)); "
        "grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before; "
        "print(grown, bad)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(data.__file__).parents[2])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    grown_kib, message = out.stdout.split(" ", 1)
    assert int(grown_kib) < 50_000, out.stdout  # KiB
    assert "20000x20000 = 400,000,000" in message or "400000000 pixels" in message


def test_every_image_mode_is_converted_to_rgb(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    root = tmp_path / "modes"
    pictures = {
        "rgba.png": Image.fromarray(pixels).convert("RGBA"),
        "palette.png": Image.fromarray(pixels).convert("P"),
        "cmyk.jpg": Image.fromarray(pixels).convert("CMYK"),
        "grey.png": Image.fromarray(pixels).convert("L"),
        "bits.png": Image.fromarray(pixels).convert("1"),
    }
    for c in ("a", "b"):
        (root / c).mkdir(parents=True)
        for name, picture in pictures.items():
            picture.save(root / c / name)
    dataset = data.load_folder(root)
    images = torch.cat([dataset["train"].images, dataset["test"].images])
    assert images.shape == (10, 3, 10, 12)
    grey = np.array(Image.open(root / "a" / "grey.png"))
    assert any(torch.equal(img, torch.from_numpy(grey).expand(3, -1, -1)) for img in images)


def test_a_postscript_file_posing_as_a_png_never_starts_ghostscript(tmp_path):
    """Pillow opens EPS by running Ghostscript; cnnlab opens raster formats only."""
    import os
    import subprocess
    import sys

    from conftest import cli_env

    bin_dir, marker = tmp_path / "bin", tmp_path / "ghostscript-ran"
    bin_dir.mkdir()
    (bin_dir / "gs").write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    (bin_dir / "gs").chmod(0o755)
    root = tmp_path / "pics"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(10):
            Image.new("L", (8, 8), 20 * i).save(root / name / f"{i}.png")
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n%%EOF\n"
    (root / "a" / "x.png").write_bytes(eps)
    env = {**cli_env(), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for policy in ("fail", "skip"):
        code = f"from cnnlab import data; data.load('folder:{root}', on_bad_image='{policy}')"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env
        )
        assert "x.png: expected an image file, found 62 bytes that are not PNG" in result.stderr
        assert (result.returncode == 0) == (policy == "skip")
    assert not marker.exists()
