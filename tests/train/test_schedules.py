import math

import pytest

from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig
from cnnlab.train.schedules import Schedule, one_cycle


def schedule(total: int = 100, **fields) -> Schedule:
    return Schedule(TrainConfig(lr=0.1, **fields), total)


@pytest.mark.parametrize("t", [0, 5, 9, 10, 29, 30, 31, 99])
def test_step_decay_divides_by_ten_at_each_milestone(t):
    s = schedule(schedule="step", milestones=[10, 30])
    expected = 0.1 if t < 10 else 0.01 if t < 30 else 0.001
    assert s.lr(step=0, epoch=t) == pytest.approx(expected, rel=1e-12)


def test_he_et_al_resnet_schedule_counts_iterations():
    s = schedule(64000, schedule="step", schedule_unit="step", milestones=[32000, 48000])
    assert [s.lr(step, epoch=0) for step in (0, 31999, 32000, 47999, 48000, 63999)] == [
        pytest.approx(v) for v in (0.1, 0.1, 0.01, 0.01, 0.001, 0.001)
    ]


@pytest.mark.parametrize("t", [0, 1, 7, 50])
def test_exponential_decay_is_a0_exp_minus_kt(t):
    s = schedule(schedule="exp", decay_k=0.05)
    assert s.lr(0, t) == pytest.approx(0.1 * math.exp(-0.05 * t), rel=1e-12)


@pytest.mark.parametrize("t", [0, 1, 7, 50])
def test_one_over_t_decay_is_a0_over_one_plus_kt(t):
    s = schedule(schedule="inv", decay_k=0.5)
    assert s.lr(0, t) == pytest.approx(0.1 / (1 + 0.5 * t), rel=1e-12)


@pytest.mark.parametrize("t", [0, 25, 50, 75, 100])
def test_cosine_goes_from_lr_to_min_lr(t):
    s = schedule(schedule="cosine", min_lr=0.001)
    expected = 0.001 + (0.1 - 0.001) * 0.5 * (1 + math.cos(math.pi * t / 100))
    assert s.lr(0, t) == pytest.approx(expected, rel=1e-12)


def test_one_cycle_rises_to_the_peak_at_30_percent_then_anneals():
    s = schedule(100, schedule="onecycle", schedule_unit="step")
    rates = [s.lr(step, 0) for step in range(101)]
    assert rates[0] == pytest.approx(0.1 / 25)
    assert max(rates) == pytest.approx(0.1) and rates.index(max(rates)) == 30
    assert rates[100] == pytest.approx(0.1 * 1e-4)
    assert all(a <= b for a, b in zip(rates[:30], rates[1:31], strict=True))
    assert all(a >= b for a, b in zip(rates[30:-1], rates[31:], strict=True))
    assert one_cycle(0.15) == pytest.approx(1 / 25 + (1 - 1 / 25) * 0.5)


def test_linear_warmup_multiplies_the_first_steps():
    s = schedule(schedule="constant", warmup=4)
    assert [s.lr(step, 0) for step in range(6)] == [
        pytest.approx(v) for v in (0.025, 0.05, 0.075, 0.1, 0.1, 0.1)
    ]


def test_reduce_on_plateau_divides_by_ten_after_patience_epochs_without_improvement():
    s = schedule(schedule="plateau", plateau_patience=2)
    rates = []
    for accuracy in (0.5, 0.6, 0.6, 0.59, 0.7, 0.7, 0.7, 0.7, 0.7):
        s.observe(accuracy, higher_is_better=True)
        rates.append(s.lr(0, 0))
    expected = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.0001]
    assert rates == [pytest.approx(v) for v in expected]
    restored = schedule(schedule="plateau", plateau_patience=2)
    restored.load_state_dict(s.state_dict())
    assert restored.lr(0, 0) == pytest.approx(0.0001) and restored.best == 0.7


def test_step_schedule_without_milestones_is_refused():
    with pytest.raises(ConfigError, match="needs milestones"):
        TrainConfig(schedule="step")
