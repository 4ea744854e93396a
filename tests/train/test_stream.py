"""`cnnlab train --stream`: an image folder decoded batch by batch in DataLoader workers."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from cnnlab.errors import DataError
from cnnlab.train import TrainConfig, evaluate_run
from cnnlab.train.trainer import Trainer
from conftest import cli_env, run_cli_here


def make_folder(root, per_class: int = 20):
    """Three classes of 16x16 colour PNGs, class c bright in channel c (padded to 32x32 for
    LeNet-5)."""
    rng = np.random.default_rng(0)
    for c in range(3):
        (root / f"c{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 80, (16, 16, 3), dtype=np.uint8)
            pixels[..., c] += 150
            Image.fromarray(pixels).save(root / f"c{c}" / f"{i:02d}.png")
    return root


def train_args(root, out, *extra: str) -> list[str]:
    return [
        "train", "lenet5", "--data", f"folder:{root}", "--epochs", "2", "--batch-size", "16",
        "--pad", "8", "--no-tensorboard", "--deterministic", *extra, "--out", str(out),
    ]  # fmt: skip


@pytest.mark.slow  # the split-alike and skip tests stream in every make test
def test_a_streamed_run_trains_and_evaluates_from_its_run_folder(tmp_path):
    root = make_folder(tmp_path / "pics")
    run = tmp_path / "run"
    trained = run_cli_here(
        *train_args(root, run, "--stream", "--workers", "2", "--augment", "flip")
    )
    assert trained.returncode == 0, trained.stderr
    accuracy = re.search(r"test accuracy (\d\.\d{4}) \(12 images\)", trained.stdout)
    assert accuracy, trained.stdout
    assert json.loads((run / "config.json").read_text())["stream"] is True
    assert len((run / "metrics.jsonl").read_text().splitlines()) >= 2
    evaluated = run_cli_here("eval", str(run))
    assert evaluated.returncode == 0, evaluated.stderr
    assert f"test accuracy {accuracy[1]} (12 images)" in evaluated.stdout
    flipped = evaluate_run(run, tta="flip")
    assert flipped.count == 12 and flipped.classes == ["c0", "c1", "c2"]


def split_labels(root, stream: bool, out, **options) -> tuple[dict, list[float], tuple]:
    config = TrainConfig(
        data=f"folder:{root}", stream=stream, workers=1, epochs=1, batch_size=16, seed=3,
        pad=8, tensorboard=False, out=str(out), **options,
    )  # fmt: skip
    trainer = Trainer(config)
    labels = {split: torch.cat([b[1] for b in loader]) for split, loader in trainer.loaders.items()}
    return labels, trainer.preprocessor.mean, trainer.input_shape


@pytest.mark.parametrize("layout", ["one folder", "train and test folders, 5 per class"])
def test_streamed_and_in_memory_runs_split_and_train_alike(tmp_path, layout):
    if layout == "one folder":
        root, options, train_count = make_folder(tmp_path / "pics"), {}, 43  # 60-12 test-5 val
    else:
        root, options, train_count = tmp_path / "pics", {"per_class": 5}, 15
        make_folder(root / "train", per_class=12)
        make_folder(root / "test", per_class=4)
    memory, memory_mean, memory_shape = split_labels(root, False, tmp_path / "a", **options)
    streamed, stream_mean, stream_shape = split_labels(root, True, tmp_path / "b", **options)
    assert len(streamed["train"]) == len(memory["train"]) == train_count
    for split in ("train", "val", "test"):
        assert torch.equal(streamed[split].sort().values, memory[split].sort().values)
    assert torch.equal(streamed["train"], memory["train"])  # the same shuffle of the same files
    assert stream_mean == memory_mean and stream_shape == memory_shape == (3, 32, 32)


def test_skip_leaves_out_bad_files_while_streaming_and_names_them(tmp_path):
    root = make_folder(tmp_path / "pics")
    (root / "c1" / "readme.png").write_bytes(b"not pixels\n")
    whole = (root / "c2" / "00.png").read_bytes()
    (root / "c2" / "truncated.png").write_bytes(whole[: len(whole) // 2])
    run = tmp_path / "run"
    config = TrainConfig(data=f"folder:{root}", stream=True, out=str(run))
    with pytest.raises(DataError, match=r"found 1 of 62 image files .*readme.png: expected"):
        Trainer(config)
    trained = run_cli_here(
        *train_args(root, run, "--stream", "--workers", "1", "--on-bad-image", "skip")
    )
    assert trained.returncode == 0, trained.stderr
    assert f"{root / 'c1' / 'readme.png'}: expected an image file" in trained.stderr
    assert f"{root / 'c2' / 'truncated.png'}: expected a complete image" in trained.stderr
    assert re.search(
        r"pics \((train|val|test) split\): skipped 1 of \d+ image files", trained.stderr
    )
    assert (run / "results.json").exists()


def test_stream_is_refused_for_a_dataset_held_in_memory(tmp_path):
    result = run_cli_here("train", "lenet5", "--data", "digits", "--stream", "--out", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: stream applies to image folders (folder:PATH), found dataset 'digits', which "
        "is held in memory; leave out --stream"
    )


@pytest.mark.slow
def test_two_processes_streaming_match_one_process(tmp_path):
    """Every process decodes the same global batch and keeps its shard (distributed.py)."""
    root = make_folder(tmp_path / "pics")
    extra = ("--stream", "--workers", "0", "--optimizer", "momentum")
    single = run_cli_here(*train_args(root, tmp_path / "one", *extra))
    assert single.returncode == 0, single.stderr
    env = cli_env()
    ddp = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "-m", "cnnlab",
         *train_args(root, tmp_path / "two", *extra)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert ddp.returncode == 0, ddp.stderr
    one, two = (
        load_file(tmp_path / n / "checkpoints" / "last.safetensors") for n in ("one", "two")
    )
    for name in one:
        torch.testing.assert_close(one[name], two[name], rtol=0, atol=1e-5)


def test_a_streamed_run_opens_as_a_run_that_agrees_with_eval(tmp_path):
    """Run.open reads a streamed run's splits from its files, as training split them."""
    from cnnlab.train import Run, fit

    root = make_folder(tmp_path / "pics", per_class=10)
    config = TrainConfig(
        model="lenet5", data=f"folder:{root}", stream=True, workers=0, pad=8, epochs=1,
        batch_size=16, tensorboard=False, out=str(tmp_path / "run"),
    )  # fmt: skip
    result = fit(config)
    run = Run.open(tmp_path / "run")
    assert run.classes == ["c0", "c1", "c2"] and run.image_shape == (3, 32, 32)
    test = run.dataset("test")
    predicted = run.predict(test.images).argmax(1)
    accuracy = (predicted == test.labels).double().mean().item()
    assert accuracy == pytest.approx(result.accuracy, abs=1e-12)
    assert evaluate_run(run).confusion == result.confusion
