import shutil
from dataclasses import replace

from conftest import run_cli, run_cli_here


def test_models_lists_lenet5_with_its_parameter_count():
    result = run_cli_here("models")
    assert result.returncode == 0, result.stderr
    assert "lenet5" in result.stdout and "61,706" in result.stdout


def test_unknown_model_exits_2_with_the_closest_names_and_no_traceback(tmp_path):
    result = run_cli_here("train", "lenet", "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unknown model 'lenet'" in result.stderr and "lenet5" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_dataset_exits_2_with_the_closest_names(tmp_path):
    result = run_cli_here("train", "lenet5", "--data", "digitz", "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unknown dataset 'digitz'" in result.stderr and "digits" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_of_missing_run_names_the_path(tmp_path):
    result = run_cli_here("eval", str(tmp_path / "missing-run"))
    assert result.returncode == 2
    assert str(tmp_path / "missing-run") in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_of_run_with_unreadable_checkpoint_names_the_file(digits_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(digits_run, broken)
    (broken / "checkpoints" / "last.safetensors").write_bytes(b"not a safetensors file")
    result = run_cli_here("eval", str(broken))
    assert result.returncode != 0
    assert "last.safetensors" in result.stderr and "Traceback" not in result.stderr


def test_train_then_eval_print_the_same_test_accuracy(tmp_path):
    """Two real processes, as a user's shell runs them; the other tests run `main` here."""
    out = tmp_path / "run"
    trained = run_cli("train", "lenet5", "--epochs", "2", "--out", str(out))
    assert trained.returncode == 0, trained.stderr
    evaluated = run_cli("eval", str(out))
    assert evaluated.returncode == 0, evaluated.stderr
    line = next(ln for ln in trained.stdout.splitlines() if ln.startswith("test loss"))
    assert line in evaluated.stdout
    assert (out / "plots" / "confusion.png").is_file()


def test_resume_of_a_missing_run_names_the_path(tmp_path):
    result = run_cli_here("train", "--resume", str(tmp_path / "gone"))
    assert result.returncode == 2
    assert f"run folder {tmp_path / 'gone'} does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_train_without_model_or_recipe_says_what_is_missing(tmp_path):
    result = run_cli_here("train", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "no model given" in result.stderr


def test_eval_of_the_best_checkpoint(digits_run):
    result = run_cli_here("eval", str(digits_run), "--checkpoint", "best", "--split", "val")
    assert result.returncode == 0, result.stderr
    assert "val accuracy" in result.stdout


def test_models_listing_prints_the_registered_macs_and_builds_no_model(monkeypatch, capsys):
    from cnnlab.cli.models import models_command
    from cnnlab.models import registry

    def no_build(**_kwargs):
        raise AssertionError("cnnlab models built a model")

    rows = {name: replace(info, builder=no_build) for name, info in registry._REGISTRY.items()}
    monkeypatch.setattr(registry, "_REGISTRY", rows)
    monkeypatch.setenv("COLUMNS", "200")
    models_command(family="lenet")
    out = capsys.readouterr().out
    assert "416.52K" in out and "415.68K" in out  # lenet5, lenet5_1998
