"""Transfer learning from the user's side: start from a run or a weight file, freeze layers,
fine-tune on a new task; wrong and broken files are named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from cnnlab import data, models
from cnnlab.errors import DataError, ModelError, UnknownNameError
from cnnlab.train import TrainConfig, fit, resume
from cnnlab.train.pretrained import load_pretrained
from cnnlab.weights import freeze, hold_statistics
from conftest import run_cli


@pytest.fixture(scope="module")
def three_digit_folder(tmp_path_factory) -> Path:
    """A new task: an image folder of the digits 0, 1 and 2 only (three classes)."""
    root = tmp_path_factory.mktemp("three-digits")
    digits = data.load("digits", "train")
    for index in range(300):
        label = int(digits.labels[index])
        if label <= 2:
            (root / str(label)).mkdir(exist_ok=True)
            Image.fromarray(digits.images[index, 0].numpy()).save(
                root / str(label) / f"{index}.png"
            )
    return root


def fine_tune(source: str, folder: Path, out: Path, **overrides) -> TrainConfig:
    values = dict(
        model="lenet5", data=f"folder:{folder}", epochs=2, batch_size=16, lr=1e-3,
        pretrained=source, freeze=["features"], out=str(out), tensorboard=False,
    )  # fmt: skip
    config = TrainConfig(**{**values, **overrides})
    fit(config)
    return config


def test_fine_tuning_keeps_frozen_layers_and_trains_a_new_head(
    digits_run, three_digit_folder, tmp_path
):
    fine_tune(str(digits_run), three_digit_folder, tmp_path / "ft")
    before = load_file(str(digits_run / "checkpoints" / "last.safetensors"))
    after = load_file(str(tmp_path / "ft" / "checkpoints" / "last.safetensors"))
    for name in (n for n in before if n.startswith("features.")):
        assert torch.equal(after[name], before[name]), name  # frozen: bit for bit
    assert not torch.equal(after["classifier.1.weight"], before["classifier.1.weight"])
    assert after["classifier.3.weight"].shape == (3, 84)  # the new head: three classes


def test_the_cli_takes_pretrained_and_freeze_flags(digits_run, three_digit_folder, tmp_path):
    done = run_cli(
        "train", "lenet5", "--data", f"folder:{three_digit_folder}", "--epochs", "1",
        "--pretrained", str(digits_run), "--freeze", "features.0,features.3",
        "--out", str(tmp_path / "cli"), "--no-tensorboard",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert f"loaded 8 tensors from {digits_run}; new head, trained from scratch: " in output
    assert "classifier.3.weight, classifier.3.bias" in output
    assert "frozen: features.0, features.3 (" in output
    bad = run_cli("train", "lenet5", "--freeze", "feature", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2 and "unknown layer 'feature'. Did you mean: features" in bad.stderr


def test_a_pytorch_state_dict_file_loads_by_name_with_a_new_head(tmp_path):
    source = models.create("resnet18", num_classes=1000)
    wrapped = {"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}
    torch.save(wrapped, tmp_path / "resnet18.pth")
    target = models.create("resnet18", num_classes=10)
    report = load_pretrained(target, tmp_path / "resnet18.pth")
    assert report.fresh == ["fc.weight", "fc.bias"]
    assert torch.equal(target.conv1.weight, source.conv1.weight)
    assert torch.equal(target.layer4[1].bn2.running_var, source.layer4[1].bn2.running_var)
    assert len(report.loaded) == len(source.state_dict()) - 2


def test_weights_of_another_network_are_refused_whole(tmp_path):
    torch.save(models.create("resnet18").state_dict(), tmp_path / "resnet18.pt")
    target = models.create("resnet34", num_classes=10)
    untouched = target.conv1.weight.clone()
    with pytest.raises(
        ModelError, match=r"does not fit ResNet .*missing from the file: layer1\.2\."
    ):
        load_pretrained(target, tmp_path / "resnet18.pt")
    assert torch.equal(target.conv1.weight, untouched)
    torch.save(models.create("resnet18", in_channels=1).state_dict(), tmp_path / "gray.pt")
    with pytest.raises(
        ModelError, match=r"conv1\.weight \(model \(64, 3, 7, 7\), file \(64, 1, 7, 7\)\)"
    ):
        load_pretrained(models.create("resnet18"), tmp_path / "gray.pt")


def test_broken_and_missing_weight_files_are_named(tmp_path):
    model = models.create("lenet5")
    (tmp_path / "junk.pth").write_bytes(b"not a pickle at all")
    with pytest.raises(DataError, match=r"junk\.pth: not a readable PyTorch weight file"):
        load_pretrained(model, tmp_path / "junk.pth")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 40)
    with pytest.raises(DataError, match=r"junk\.safetensors: not a readable safetensors file"):
        load_pretrained(model, tmp_path / "junk.safetensors")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(DataError, match="expected a state dict .*, found list"):
        load_pretrained(model, tmp_path / "list.pt")
    with pytest.raises(DataError, match="no such weight file or run folder"):
        load_pretrained(model, tmp_path / "absent.pt")


def test_frozen_batch_norm_keeps_its_statistics():
    model = models.create("smallcnn_bn")
    assert freeze(model, ["features.0"]) == 32 * 9 + 2 * 32
    model.train()
    hold_statistics(model, ["features.0"])
    held, moving = model.features[0][1], model.features[1][1]
    before_held, before_moving = held.running_mean.clone(), moving.running_mean.clone()
    model(torch.randn(8, 1, 28, 28) + 3)
    assert torch.equal(held.running_mean, before_held)
    assert not torch.equal(moving.running_mean, before_moving)
    with pytest.raises(UnknownNameError, match="Did you mean: features"):
        freeze(model, ["featurs"])


def test_resume_needs_no_pretrained_file(digits_run, three_digit_folder, tmp_path):
    weights = tmp_path / "source.safetensors"
    shutil.copy(digits_run / "checkpoints" / "last.safetensors", weights)
    fine_tune(str(weights), three_digit_folder, tmp_path / "ft", epochs=1)
    weights.unlink()
    result = resume(tmp_path / "ft", {"epochs": 2})
    assert result.count > 0


def test_the_head_is_what_the_model_declares_auxiliary_classifiers_included(tmp_path):
    """GoogLeNet's auxiliary classifiers are part of its head: a 1000-class file loads into a
    10-class model with all three classifiers fresh (the last module with weights is not
    enough to know that)."""
    source = models.create("googlenet_torchvision", num_classes=1000)
    torch.save(source.state_dict(), tmp_path / "googlenet.pt")
    target = models.create("googlenet_torchvision", num_classes=10)
    report = load_pretrained(target, tmp_path / "googlenet.pt")
    assert sorted(report.fresh) == sorted(
        f"{layer}.{kind}" for layer in ("fc", "aux1.fc2", "aux2.fc2") for kind in ("weight", "bias")
    )
    assert torch.equal(target.conv1.conv.weight, source.conv1.conv.weight)
