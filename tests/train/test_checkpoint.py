import errno
import json
import os
import shutil
import subprocess

import pytest
import torch
from safetensors import safe_open

from cnnlab.errors import CheckpointError
from cnnlab.train import TrainConfig, Trainer, checkpoint, resume  # noqa: F401
from cnnlab.train.checkpoint import checkpoint_folders, verify
from cnnlab.train.resume import load_newest


def quick(tmp_path, name="run", **fields) -> TrainConfig:
    values = {"epochs": 1, "batch_size": 64, "lr": 2e-3, "tensorboard": False}
    return TrainConfig(data="digits", out=str(tmp_path / name), **{**values, **fields})


@pytest.fixture
def trained(tmp_path):
    trainer = Trainer(quick(tmp_path))
    trainer.fit()
    return trainer


def test_checkpoint_folder_holds_weights_state_and_checksums(trained):
    (folder,) = checkpoint_folders(trained.run.checkpoints)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["sha256"]) == {"model.safetensors", "state.pt"}
    assert verify(folder) is None
    assert (trained.run.checkpoints / "last.safetensors").read_bytes() == (
        folder / "model.safetensors"
    ).read_bytes()


def test_every_checkpoint_records_seed_versions_and_determinism_flags(trained):
    path = trained.run.checkpoints / "last.safetensors"
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["cnnlab"])
    assert meta["seed"] == 0 and meta["model"] == "lenet5"
    assert meta["versions"]["torch"] == torch.__version__
    assert set(meta["determinism"]) >= {"deterministic", "amp", "compile", "channels_last"}


def test_state_loads_with_weights_only(trained):
    state = torch.load(trained.run.state_path("last"), weights_only=True)
    assert state["epoch"] == 1 and state["batch"] == 0 and state["step"] == trained.global_step
    assert set(state["rng"]) >= {"python", "numpy", "torch"}


def test_a_write_failing_midway_raises_at_once_and_keeps_the_previous_checkpoint(
    trained, monkeypatch
):
    before = checkpoint_folders(trained.run.checkpoints)
    last = (trained.run.checkpoints / "last.safetensors").read_bytes()

    def disk_full(state, handle):
        handle.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint.torch, "save", disk_full)
    with pytest.raises(CheckpointError, match="the disk is full; the previous checkpoint"):
        trained.save_checkpoint()
    assert checkpoint_folders(trained.run.checkpoints) == before
    assert verify(before[0]) is None
    assert (trained.run.checkpoints / "last.safetensors").read_bytes() == last
    leftovers = [p.name for p in trained.run.checkpoints.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_read_only_folder_raises_checkpoint_error_naming_it(trained):
    folder = trained.run.checkpoints
    os.chmod(folder, 0o555)
    try:
        # root ignores modes; the immutable attribute stops it
        if os.access(folder, os.W_OK) and (
            not shutil.which("chattr") or subprocess.run(["chattr", "+i", folder]).returncode
        ):
            pytest.skip("running as root without chattr: cannot make a read-only folder")
        with pytest.raises(CheckpointError, match=f"cannot write checkpoint {folder}"):
            trained.save_checkpoint()
    finally:
        if shutil.which("chattr"):
            subprocess.run(["chattr", "-i", folder], stderr=subprocess.DEVNULL)
        os.chmod(folder, 0o755)
    assert verify(checkpoint_folders(folder)[0]) is None


def test_resume_skips_a_damaged_checkpoint_and_says_so(tmp_path, capsys):
    config = quick(tmp_path, epochs=2, keep_checkpoints=3)
    Trainer(config).fit()
    newest, older = checkpoint_folders(tmp_path / "run" / "checkpoints")[:2]
    weights = newest / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF  # one flipped bit in a weight: only the checksum can tell
    weights.write_bytes(bytes(data))
    loaded = load_newest(tmp_path / "run" / "checkpoints")
    assert loaded.path == older
    err = capsys.readouterr().err
    assert f"skipping damaged checkpoint {newest}" in err and "checksum" in err
    result = resume(tmp_path / "run")
    assert result.accuracy > 0.3


def test_a_run_stopped_before_its_first_checkpoint_resumes_by_starting_again(tmp_path, capfd):
    config = quick(tmp_path)
    Trainer(config).prepare_run_folder(resumed=False)  # config.json written, no checkpoint
    killed_write = tmp_path / "run" / "checkpoints" / ".ckpt-000001-step3.abcd"
    killed_write.mkdir(parents=True)
    (tmp_path / "run" / "checkpoints" / ".last.safetensors.x1y2.tmp").write_bytes(b"half")
    result = resume(tmp_path / "run")
    assert "starting it again from its config.json" in capfd.readouterr().err
    again = Trainer(quick(tmp_path, "again")).fit()
    assert result.accuracy == again.accuracy
    leftovers = [p.name for p in (tmp_path / "run" / "checkpoints").iterdir()]
    assert not [name for name in leftovers if name.startswith(".")]


def test_two_deterministic_runs_with_the_same_seed_write_identical_weight_files(tmp_path):
    for name in ("a", "b"):
        Trainer(quick(tmp_path, name, deterministic=True, seed=3)).fit()
    a, b = (tmp_path / n / "checkpoints" / "last.safetensors" for n in ("a", "b"))
    assert a.read_bytes() == b.read_bytes()
    Trainer(quick(tmp_path, "c", deterministic=True, seed=4)).fit()
    assert (tmp_path / "c" / "checkpoints" / "last.safetensors").read_bytes() != a.read_bytes()
