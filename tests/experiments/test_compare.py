"""``cnnlab compare``: two real digits runs differing in lr, opened through Run."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab.experiments import compare, run_labels
from cnnlab.models import get_model_info
from cnnlab.train import Run, TrainConfig, fit
from conftest import run_cli


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("compare")
    paths = []
    for lr in (0.1, 0.001):
        out = root / f"lr{lr}"
        fit(
            TrainConfig(
                model="lenet5",
                data="digits",
                per_class=30,
                epochs=2,
                batch_size=64,
                lr=lr,
                out=str(out),
            )
        )
        paths.append(out)
    return paths


def test_labels_name_the_differing_field(two_runs: list[Path]) -> None:
    runs = [Run.open(p) for p in two_runs]
    assert run_labels(runs) == ["lr=0.1", "lr=0.001"]


def test_compare_table_and_curves(two_runs: list[Path]) -> None:
    fig, rows = compare(two_runs)
    assert [r.label for r in rows] == ["lr=0.1", "lr=0.001"]
    assert [r.epochs for r in rows] == [2, 2]
    lenet = get_model_info("lenet5")
    # LeNet-5 (LeCun et al., 1998): 61,706 parameters and the registry's MACs on 1x32x32
    assert rows[0].params == lenet.num_params == 61_706
    assert rows[0].macs == lenet.macs
    assert all(r.seconds > 0 for r in rows)
    loss_axes, accuracy_axes = fig.axes
    assert len(loss_axes.lines) == 4  # training and validation per run
    assert [t.get_text() for t in accuracy_axes.get_legend().get_texts()] == ["lr=0.1", "lr=0.001"]


@pytest.mark.slow  # two fresh cnnlab processes
def test_cli_writes_curves_and_prints_table(two_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "curves.png"
    result = run_cli("compare", *map(str, two_runs), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "lr=0.1" in result.stdout and "lr=0.001" in result.stdout
    assert "61,706" in result.stdout


@pytest.mark.slow
def test_cli_refuses_one_run_and_a_missing_folder(two_runs: list[Path], tmp_path: Path) -> None:
    one = run_cli("compare", str(two_runs[0]), "--out", str(tmp_path / "c.png"))
    assert one.returncode == 2 and "at least two run folders" in one.stderr
    missing = run_cli(
        "compare", str(two_runs[0]), str(tmp_path / "nope"), "--out", str(tmp_path / "c.png")
    )
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c.png").exists()
