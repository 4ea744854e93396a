"""cnnlab predict: image files reach the model as the training images did."""

from __future__ import annotations

import json
import re
import struct
import zlib

import pytest
from PIL import Image

from cnnlab.predict import expand_images, predict_files, predict_split
from cnnlab.train import Run, evaluate_run
from conftest import run_cli


@pytest.fixture(scope="module")
def run(digits_run):
    return Run.open(digits_run)


@pytest.fixture(scope="module")
def test_pngs(run, tmp_path_factory):
    """Four test images of the run as grey PNG files at the run's image size."""
    folder = tmp_path_factory.mktemp("pngs")
    images = run.dataset("test").images[:4]
    for i, image in enumerate(images):
        Image.fromarray(image[0].numpy()).save(folder / f"{i}.png")
    return folder, images


def test_files_get_the_probabilities_the_run_gives_its_own_images(run, test_pngs):
    folder, images = test_pngs
    result = predict_files(run, [folder], top=3, invert="no")
    expected = run.predict(images)
    assert [row.source for row in result.rows] == [str(folder / f"{i}.png") for i in range(4)]
    for row, probs in zip(result.rows, expected, strict=True):
        values, indices = probs.topk(3)
        assert [name for name, _ in row.top] == [run.classes[i] for i in indices]
        assert [p for _, p in row.top] == pytest.approx(values.tolist(), abs=1e-6)


def test_an_inverted_image_is_inverted_back_and_says_so(run, test_pngs, tmp_path):
    folder, images = test_pngs
    Image.fromarray(255 - images[0, 0].numpy()).save(tmp_path / "dark-on-light.png")
    auto = predict_files(run, [tmp_path / "dark-on-light.png", folder / "0.png"], invert="auto")
    assert [row.inverted for row in auto.rows] == [True, False]
    assert auto.rows[0].top == auto.rows[1].top  # 255 - (255 - x) is x exactly
    kept = predict_files(run, [tmp_path / "dark-on-light.png"], invert="no")
    assert not kept.rows[0].inverted


def test_folders_globs_and_missing_names_expand_in_order(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/1.png", "a/b/2.jpg", "a/notes.txt", "c.png"):
        (tmp_path / name).write_bytes(b"")
    files, missing = expand_images([tmp_path / "a", str(tmp_path / "*.png"), tmp_path / "gone.png"])
    assert files == [tmp_path / "a/1.png", tmp_path / "a/b/2.jpg", tmp_path / "c.png"]
    assert [str(bad.path) for bad in missing] == [str(tmp_path / "gone.png")]


def test_bad_files_are_listed_and_the_rest_predicted(digits_run, test_pngs, tmp_path):
    folder, _ = test_pngs
    good = (folder / "1.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(good[: len(good) // 2])
    (tmp_path / "text.png").write_text("not an image")
    result = run_cli(
        "predict", str(digits_run), str(folder / "1.png"), str(tmp_path / "truncated.png"),
        str(tmp_path / "text.png"), str(tmp_path / "missing.png"), "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {row["file"]: row for row in json.loads(result.stdout)["predictions"]}
    assert len(rows[str(folder / "1.png")]["top"]) == 3
    assert "corrupt data" in rows[str(tmp_path / "truncated.png")]["error"]
    assert "not PNG" in rows[str(tmp_path / "text.png")]["error"]
    assert "no such file" in rows[str(tmp_path / "missing.png")]["error"]

    failed = run_cli(
        "predict", str(digits_run), str(folder / "1.png"), str(tmp_path / "truncated.png"),
        "--on-bad-image", "fail",
    )  # fmt: skip
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert failed.stderr.count("\n") == 1 and "truncated.png" in failed.stderr


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces ``width`` x ``height`` grey pixels and holds none."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_an_oversized_image_is_refused_from_its_header(run, test_pngs, tmp_path):
    folder, _ = test_pngs
    (tmp_path / "bomb.png").write_bytes(png_header_only(10_000, 10_000))
    result = predict_files(run, [tmp_path / "bomb.png", folder / "2.png"])
    bomb, good = result.rows
    assert "at most 64,000,000 pixels, found 10000x10000" in bomb.error and not bomb.top
    assert good.error is None and len(good.top) == 3


def test_csv_goes_to_the_out_file(digits_run, test_pngs, tmp_path):
    folder, _ = test_pngs
    out = tmp_path / "out" / "predictions.csv"
    result = run_cli("predict", str(digits_run), str(folder), "--format", "csv", "--top", "2",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "file,label,inverted,error,class1,p1,class2,p2"
    assert len(lines) == 5 and "4 predictions written" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format: expected one of table, csv, json, found 'xml'"),
        (["--fit", "squash"], "--fit: expected one of pad, crop, stretch, found 'squash'"),
        (["--top", "0"], "--top: expected a number of classes >= 1, found 0"),
    ],
)
def test_bad_options_are_one_line(digits_run, test_pngs, args, message):
    folder, _ = test_pngs
    result = run_cli("predict", str(digits_run), str(folder), *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_model_that_is_not_a_run_is_one_line(test_pngs, tmp_path):
    folder, _ = test_pngs
    result = run_cli("predict", str(tmp_path), str(folder))
    assert result.returncode == 2 and str(tmp_path) in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("tta", ["none", "flip", "10crop", "rotate"])
def test_predicting_the_test_split_gives_evals_accuracy_exactly(run, tta):
    predicted = predict_split(run, "test", tta=tta)
    evaluated = evaluate_run(run, "test", tta=tta)
    assert predicted.count == evaluated.count == 360
    assert predicted.accuracy == evaluated.accuracy


def test_predict_split_prints_the_line_eval_prints(digits_run):
    evaluated = run_cli("eval", str(digits_run))
    predicted = run_cli("predict", str(digits_run), "--split", "test")
    assert predicted.returncode == 0, predicted.stderr
    accuracy = re.search(r"test accuracy \d\.\d{4} \(360 images\)", predicted.stdout).group(0)
    assert accuracy in evaluated.stdout
