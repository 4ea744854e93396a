"""Faults injected for real: a full disk (a small tmpfs) and a read-only folder (a read-only
bind mount). Each ends in one line naming the file and the reason, exit status 1, and
what was written before is kept. Mounting needs root; elsewhere these tests are skipped."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_cli, run_cli_here

TRAIN = ["train", "lenet5", "--data", "digits", "--batch-size", "32", "--deterministic",
         "--no-tensorboard", "--keep-checkpoints", "1"]  # fmt: skip


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting is not allowed here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 1,750 KiB disk: one epoch of LeNet-5 (initial, best and one checkpoint, about
    1.3 MB) fits; the next checkpoint, written before the old one is removed, does not."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount("-t", "tmpfs", "-o", "size=1750k", "tmpfs", str(disk))
    yield disk
    subprocess.run(["umount", str(disk)], check=False)


@pytest.fixture
def read_only(tmp_path) -> Iterator[tuple[Path, Path]]:
    """(a writable folder, the same folder seen read-only)."""
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    mount("--bind", str(source), str(view))
    try:
        mount("-o", "remount,bind,ro", str(view))
        yield source, view
    finally:
        subprocess.run(["umount", str(view)], check=False)


def files_open_under(folder: Path) -> list[str]:
    """The files this process holds open inside ``folder`` (Linux's /proc/self/fd)."""
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the descriptor listdir itself used, closed since
            continue
    return [link for link in links if link.startswith(str(folder))]


def one_error_line(result: subprocess.CompletedProcess, status: int, *words: str) -> str:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_full_disk_stops_training_in_one_line_and_resume_after_freeing_space_is_exact(
    small_disk, tmp_path
):
    out = small_disk / "run"
    # in this process, as a notebook or the web lab trains: the failed write must not leave
    # its file open (a deleted file held open keeps the space and the disk mounted)
    failed = run_cli_here(*TRAIN, "--epochs", "2", "--out", str(out))
    one_error_line(failed, 1, "cannot write checkpoint", "the disk is full", "previous checkpoint")
    assert files_open_under(small_disk) == []
    kept = sorted(p.name for p in (out / "checkpoints").iterdir() if p.name.startswith("ckpt-"))
    assert len(kept) == 1  # epoch 1's checkpoint survived
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    resumed = run_cli("train", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stderr
    whole = run_cli_here(*TRAIN, "--epochs", "2", "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    weights = "checkpoints/last.safetensors"
    assert (out / weights).read_bytes() == (tmp_path / "whole" / weights).read_bytes()


def test_a_disk_too_small_for_anything_is_one_line(tmp_path):
    disk = tmp_path / "tiny"
    disk.mkdir()
    mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk))
    try:
        result = run_cli_here(*TRAIN, "--epochs", "1", "--out", str(disk / "run"))
        one_error_line(result, 1, str(disk / "run"), "the disk is full")
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_read_only_folders_give_one_line_for_every_command(read_only, tmp_path):
    source, view = read_only
    one_error_line(
        run_cli_here(*TRAIN, "--epochs", "1", "--out", str(view / "new")), 1, "read-only"
    )
    trained = run_cli_here(
        *TRAIN, "--epochs", "1", "--max-steps", "3", "--out", str(source / "run")
    )
    assert trained.returncode == 0, trained.stderr
    run = str(view / "run")
    one_error_line(run_cli_here("train", "--resume", run, "--epochs", "2"), 1, "read-only")
    one_error_line(run_cli_here("report", run), 1, "read-only")
    one_error_line(run_cli_here("viz", "filters", run), 1, "read-only")
    evaluated = run_cli_here("eval", run)  # the numbers are printed before the plot cannot be
    assert "test accuracy" in evaluated.stdout
    one_error_line(evaluated, 1, "read-only")
    before = sorted(p.name for p in (source / "run").rglob("*"))
    page = tmp_path / "page.html"
    assert run_cli_here("report", run, "--out", str(page)).returncode == 0 and page.is_file()
    filters = tmp_path / "filters.png"
    assert run_cli_here("viz", "filters", run, "--out", str(filters)).returncode == 0
    confusion = tmp_path / "confusion.png"
    assert run_cli_here("eval", run, "--tta", "flip", "--out", str(confusion)).returncode == 0
    assert confusion.is_file()
    assert sorted(p.name for p in (source / "run").rglob("*")) == before
