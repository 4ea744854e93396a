"""The inspect tools from Python: one call on a model name or a run folder returns the
numbers, and a run's plots go into its plots folder while a fresh model's need a path."""

import pytest
from PIL import Image

from cnnlab.errors import ConfigError
from cnnlab.inspect.babysit import (
    activations_of,
    gradcheck_of,
    gradients_of,
    init_table_picture,
    lr_find_of,
)
from cnnlab.inspect.targets import parse_shape, receptive_fields, summarise
from conftest import run_cli_here


def is_png(path):
    with Image.open(path) as png:
        return png.format == "PNG"


def test_a_runs_activation_histograms_go_into_its_plots_folder(digits_run):
    picture = activations_of(str(digits_run), batch_size=16)
    assert picture.images == 16 and picture.default_path == digits_run / "plots" / "activations.png"
    assert [row.name for row in picture.rows][:2] == ["features.0", "features.1"]
    assert is_png(picture.save())


def test_a_fresh_models_plots_need_a_path(tmp_path):
    picture = activations_of("lenet5", "digits", batch_size=8)
    assert picture.default_path is None and len(picture.rows) > 5
    with pytest.raises(ConfigError, match="no file named for 'lenet5': give a path"):
        picture.save()
    assert is_png(picture.save(tmp_path / "a.png"))
    search = lr_find_of("lenet5", "digits", steps=30, start_lr=1e-5, end_lr=1.0, batch_size=32)
    assert search.default_path is None and len(search.result.lrs) <= 30
    assert 1e-5 <= search.result.suggestion <= 1.0 and is_png(search.save(tmp_path / "lr.png"))


def test_gradients_and_gradcheck_of_a_model_name_and_a_run(digits_run):
    report = gradients_of(str(digits_run), batch_size=16, lr=1e-3)
    assert report.params[-1].name == "classifier.3.bias" and report.loss > 0
    result, shape = gradcheck_of("lenet5", samples=2)
    assert shape == "1x32x32" and result.verdict == "pass"


def test_the_init_table_has_six_runs_and_no_default_file(tmp_path):
    picture = init_table_picture(depth=3, width=50, examples=200)
    assert [(run.scheme, run.activation) for run in picture.runs][:2] == [
        ("small", "tanh"),
        ("small", "relu"),
    ]
    assert len(picture.runs) == 6 and all(len(run.layers) == 3 for run in picture.runs)
    assert picture.default_path is None and is_png(picture.save(tmp_path / "init.png"))


def test_summary_and_receptive_fields_of_lenet5():
    table = summarise("lenet5", "1x32x32", depth=2)
    assert table.total_params == 61_706 and table.title == "lenet5"
    fields = receptive_fields("lenet5")
    sizes = {row.name: row.field[0].field for row in fields.rows if row.field is not None}
    assert sizes["features.0"] == 5 and max(sizes.values()) == 32  # C5 sees the whole 32x32
    assert fields.title == "lenet5 on 1x32x32: receptive fields"


def test_shapes_are_three_positive_integers():
    assert parse_shape("3x224x224") == (3, 224, 224) and parse_shape("1,28,28") == (1, 28, 28)
    for bad in ("3x224", "0x8x8", "axbxc"):
        with pytest.raises(
            ConfigError, match=f"--input expects CxHxW such as 3x224x224, found '{bad}'"
        ):
            parse_shape(bad)


def test_init_table_writes_nothing_into_the_current_folder_unasked(tmp_path):
    done = run_cli_here("inspect", "init-table", "--depth", "2", "--width", "20",
                        "--examples", "50", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "histograms: not written (--out names the PNG)" in done.stdout
    assert list(tmp_path.iterdir()) == []
