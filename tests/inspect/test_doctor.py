"""The doctor's checklist: a sound LeNet-5 passes, a learning rate 10x too high is flagged.

LeNet-5 with Adam on digits trains best near lr 3e-3 (100-step runs over seeds 0-2 and
rates 3e-4..1e-1: final loss 0.05-0.14 at 3e-3; at 3e-2 most ReLUs die or the loss
stays several times higher), so 3e-3 is the sound rate and 3e-2 is ten times too high.
"""

from __future__ import annotations

import math

import pytest

from cnnlab.inspect.doctor import (
    DoctorSettings,
    Probe,
    check_initial_loss,
    check_learning_rate,
    check_units,
    doctor,
)
from cnnlab.inspect.setup import prepare
from cnnlab.train.config import TrainConfig


def run(lr: float, **fields) -> dict[str, object]:
    config = TrainConfig(model="lenet5", data="digits", optimizer="adam", lr=lr, **fields)
    return {check.name: check for check in doctor(prepare(config), DoctorSettings())}


def test_a_sound_learning_rate_passes_every_check():
    checks = run(3e-3)
    assert [c.status for c in checks.values()] == ["pass"] * 6, list(checks.values())
    initial = checks["initial loss ~ expected"]
    assert "ln(10) = 2.303" in initial.measured
    assert abs(float(initial.measured.split()[0]) - math.log(10)) < 0.1 * math.log(10)
    assert "100% training accuracy on 20 examples" in checks["overfits 20 examples"].measured


def test_a_learning_rate_ten_times_too_high_fails():
    checks = run(3e-2)
    lr_check = checks["learning rate neither diverges nor stalls"]
    assert lr_check.status == "fail"
    assert lr_check.advice.startswith("too high: 0.003 does clearly better")
    assert checks["hidden units alive and uncorrelated"].status == "fail"
    assert checks["backprop matches finite differences"].status == "pass"


def test_hinge_loss_expects_c_minus_one():
    config = TrainConfig(model="lenet5", data="digits", loss="hinge")
    check = check_initial_loss(prepare(config), DoctorSettings())
    assert "C-1 = 9" in check.measured and check.status == "pass"


def probe(lr: float, final: float, start: float = 2.3) -> Probe:
    return Probe(lr, [start] + [final] * 20)


@pytest.mark.parametrize(
    "finals, status, advice",
    [
        ((1.0, 0.1, 0.5), "pass", "the loss falls steadily"),
        ((0.1, 0.5, 2.3), "fail", "too high"),
        ((2.3, math.nan, 2.3), "fail", "too high"),
        ((math.nan, math.nan, math.nan), "fail", "the loss diverges"),
        ((2.3, 2.4, 2.3), "fail", "the loss diverges"),
        ((2.3, 2.25, 0.2), "warn", "stalls: raise the learning rate to 0.1"),
        ((2.3, 2.3, 2.3), "fail", "the loss does not go down at any of these rates"),
        ((1.0, 0.5, 0.1), "warn", "could be higher"),
    ],
)
def test_learning_rate_verdicts(finals, status, advice):
    check = check_learning_rate(
        [probe(lr, f) for lr, f in zip((1e-3, 1e-2, 1e-1), finals, strict=True)]
    )
    assert check.status == status and check.advice.startswith(advice)


def test_constant_initialisation_makes_every_unit_a_copy():
    config = TrainConfig(model="lenet5", data="digits", init="constant")
    prepared = prepare(config)
    check = check_units(prepared, prepared.model, DoctorSettings())
    assert check.status == "fail"
    assert "mean |r| 1.00" in check.measured
    assert check.advice.startswith("units copy each other")
