"""Adversarial training: the attack each batch gets, robust validation accuracy in the
metrics, the best checkpoint following it, and the catastrophic-overfitting verdict."""

import json

import pytest
import torch
from torch import nn

from cnnlab.data.preprocess import Preprocess
from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig, fit
from cnnlab.train.adversarial import adversarial_batch, catastrophic_overfitting, training_attack
from cnnlab.train.attacks import Attack
from cnnlab.train.run import Run
from cnnlab.viz.callbacks import SavePlots
from conftest import run_cli


def test_fgsm_rs_is_one_step_of_1_25_eps_from_a_random_start_and_pgd_takes_adv_steps():
    fgsm_rs = training_attack(TrainConfig(adversarial="fgsm-rs", adv_eps=0.2))
    assert fgsm_rs == Attack("pgd", "linf", 0.2, 1, 0.25, early_stop=False)  # Wong et al. 2020
    assert fgsm_rs.random_start
    pgd = training_attack(TrainConfig(adversarial="pgd", adv_eps=0.3, adv_steps=7))
    assert pgd.steps == 7 and pgd.step == pytest.approx(2.5 * 0.3 / 7) and not pgd.early_stop
    assert training_attack(TrainConfig()) is None


def test_a_training_batch_moves_up_the_loss_within_eps_through_the_preprocessing():
    """z0 = 2 a - b, z1 = b on standardised pixels (mean 0.5, std 0.25): the loss of class 0
    rises along (-1, +1) in pixels whatever the scaling."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(2, 2, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[2.0, -1.0], [0.0, 1.0]]))
    preprocess = Preprocess("standardize", [0.5], [0.25])
    pixels = torch.tensor([[[[0.5, 0.5]]]])
    attack = Attack("pgd", "linf", 0.1, 4, 0.05, early_stop=False)  # 4 steps: the corner
    moved = adversarial_batch(
        model.train(), preprocess, preprocess(pixels), torch.tensor([0]), attack
    )
    assert torch.allclose(preprocess.invert(moved), torch.tensor([[[[0.4, 0.6]]]]))
    assert model.training and all(p.grad is None and p.requires_grad for p in model.parameters())


@pytest.mark.slow  # two epochs of adversarial training, about 10 s
def test_training_records_robust_validation_accuracy_and_keeps_the_best_robust_checkpoint(
    tmp_path,
):
    config = TrainConfig(model="lenet5", data="digits", epochs=2, batch_size=64,
                         lr=2e-3, adversarial="fgsm-rs", adv_eps=0.1, tensorboard=False,
                         out=str(tmp_path / "run"))  # fmt: skip
    fit(config, callbacks=[SavePlots()])  # curves.png draws the robust accuracy too
    rows = [
        json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    ]
    robust = [row["val_robust_accuracy"] for row in rows]
    assert len(robust) == 2 and all(
        0 <= r <= row["val_accuracy"] for r, row in zip(robust, rows, strict=True)
    )
    assert (tmp_path / "run" / "plots" / "curves.png").read_bytes()[:4] == b"\x89PNG"
    best = Run.open(tmp_path / "run", "best")
    assert int(best.meta["epoch"]) == 1 + robust.index(max(robust))


def row(epoch, clean, robust):
    return {"epoch": epoch, "val_accuracy": clean, "val_robust_accuracy": robust}


def test_robust_accuracy_collapsing_while_clean_accuracy_rises_is_catastrophic_overfitting():
    rows = [row(1, 0.90, 0.60), row(2, 0.95, 0.70), row(3, 0.97, 0.20)]
    assert catastrophic_overfitting(rows) == (
        "catastrophic overfitting at epoch 3: robust validation accuracy fell from 0.7000 "
        "(epoch 2) to 0.2000 while clean accuracy rose to 0.9700; stopped, checkpoints/best "
        "keeps epoch 2"
    )
    assert catastrophic_overfitting(rows[:2]) is None
    assert catastrophic_overfitting([*rows[:2], row(3, 0.97, 0.40)]) is None  # not below half


def test_robust_accuracy_that_never_rises_while_clean_accuracy_does_stops_the_run():
    rows = [row(1, 0.902, 0.0), row(2, 0.940, 0.0), row(3, 0.930, 0.0)]  # FGSM-RS at eps 0.4
    assert catastrophic_overfitting(rows) == (
        "catastrophic overfitting from the start: robust validation accuracy under 0.01 for 3 "
        "epochs while clean accuracy reached 0.9300 (a smaller --adv-eps or --adv-step-size, "
        "or --adversarial pgd, may hold it); stopped at epoch 3"
    )
    assert catastrophic_overfitting(rows[:2]) is None  # two epochs are not yet a verdict
    assert catastrophic_overfitting([row(1, 0.5, 0.0), *rows[1:]]) is None  # clean not learnt
    assert catastrophic_overfitting([*rows[:2], row(3, 0.93, 0.05)]) is None  # it is rising


def test_robust_accuracy_collapsing_with_clean_accuracy_falling_too_also_stops_the_run():
    rows = [row(1, 0.96, 0.746), row(2, 0.95, 0.082)]  # PGD-5 training diverging
    assert catastrophic_overfitting(rows) == (
        "robust accuracy collapsed at epoch 2: robust validation accuracy fell from 0.7460 "
        "(epoch 1) to 0.0820 and clean accuracy fell too, to 0.9500 (the adversarial training "
        "diverged: a lower --lr or a smaller --adv-step-size may hold it); stopped, "
        "checkpoints/best keeps epoch 1"
    )
    assert catastrophic_overfitting([*rows[:1], row(2, 0.95, 0.50)]) is None  # not below half


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "adversarial",
            "trades",
            "unknown adversarial 'trades': expected one of none, fgsm-rs, pgd",
        ),
        ("adv_eps", 2.0, r"adv_eps must be in \[0, 1\], found 2.0"),
        ("adv_steps", 0, r"adv_steps must be an integer in \[1, 1000\], found 0"),
    ],
)
def test_adversarial_fields_have_declared_ranges(field, value, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**{field: value})


@pytest.mark.slow  # four epochs of FGSM training on the digits, about 15 s
def test_fgsm_without_a_random_start_overfits_catastrophically_and_the_run_stops(tmp_path):
    """A step of 2.5 eps from the random start lands every pixel on a corner of the ball:
    plain FGSM, which Wong et al. (2020) show overfits catastrophically. The network learns
    to beat its one-step examples (their training accuracy climbs) while PGD breaks it ever
    more; the run stops and keeps the most robust epoch."""
    out = tmp_path / "run"
    result = run_cli("train", "lenet5", "--data", "digits", "--epochs", "10", "--batch-size",
                     "64", "--lr", "2e-3", "--adversarial", "fgsm-rs", "--adv-eps", "0.2",
                     "--adv-step-size", "0.5", "--no-tensorboard", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) < 10  # stopped early
    robust = [row["val_robust_accuracy"] for row in rows]
    best = robust.index(max(robust))
    assert robust[-1] < 0.5 * robust[best]
    assert rows[-1]["val_accuracy"] > rows[best]["val_accuracy"]
    assert rows[-1]["train_accuracy"] > rows[best]["train_accuracy"]  # on its FGSM examples
    message = (
        f"catastrophic overfitting at epoch {len(rows)}: robust validation accuracy fell from "
        f"{robust[best]:.4f} (epoch {best + 1}) to {robust[-1]:.4f}"
    )
    assert message in " ".join(result.stdout.split() + result.stderr.split())
    assert int(Run.open(out, "best").meta["epoch"]) == best + 1
    assert int(Run.open(out, "last").meta["epoch"]) == len(rows)
