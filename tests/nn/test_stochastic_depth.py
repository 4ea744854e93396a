import pytest
import torch

from cnnlab.errors import ModelError
from cnnlab.nn.stochastic_depth import StochasticDepth, linear_survival_probabilities


def test_linear_decay_from_one_to_p_last():
    probs = linear_survival_probabilities(54, 0.5)  # ResNet-110: 54 residual blocks
    assert len(probs) == 54
    assert probs[0] == pytest.approx(1 - 0.5 / 54)
    assert probs[26] == pytest.approx(0.75)
    assert probs[-1] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(probs, probs[1:], strict=False))
    assert linear_survival_probabilities(4, 1.0) == [1.0] * 4


def test_eval_scales_the_branch_by_its_survival_probability():
    drop = StochasticDepth(0.8).eval()
    x = torch.randn(4, 3, 2, 2)
    assert torch.allclose(drop(x), 0.8 * x)
    inverted = StochasticDepth(0.8, scale_at="train").eval()
    assert torch.equal(inverted(x), x)


def test_batch_mode_keeps_or_drops_the_whole_batch_at_the_survival_rate():
    torch.manual_seed(0)
    drop = StochasticDepth(0.7, mode="batch").train()
    x = torch.ones(8, 2, 3, 3)
    kept = 0
    for _ in range(4000):
        y = drop(x)
        assert torch.equal(y, x) or torch.equal(y, torch.zeros_like(x))
        kept += int(y.sum().item() > 0)
    # binomial(4000, 0.7): standard deviation 29, so +-0.025 is over 3 sigma
    assert kept / 4000 == pytest.approx(0.7, abs=0.025)


def test_a_coin_drawn_by_the_caller_is_honoured():
    drop = StochasticDepth(0.5, scale_at="train").train()
    x = torch.ones(2, 3)
    assert torch.equal(drop(x, survived=True), 2 * x)
    assert torch.equal(drop(x, survived=False), 0 * x)
    assert StochasticDepth(0.5, mode="row").train().draw() is None
    assert drop.eval().draw() is None


def test_row_mode_draws_per_sample_and_train_scaling_keeps_the_mean():
    torch.manual_seed(0)
    drop = StochasticDepth(0.6, mode="row", scale_at="train").train()
    y = drop(torch.ones(20_000, 3, 2, 2))
    per_sample = y.flatten(1)
    assert torch.all(per_sample == per_sample[:, :1])  # one draw per sample
    kept = (per_sample[:, 0] > 0).float().mean().item()
    assert kept == pytest.approx(0.6, abs=0.015)
    assert torch.allclose(per_sample[per_sample[:, 0] > 0], torch.tensor(1 / 0.6))
    assert y.mean().item() == pytest.approx(1.0, abs=0.03)


def test_gradient_flows_only_through_kept_branches():
    torch.manual_seed(1)
    drop = StochasticDepth(0.5, mode="row").train()
    x = torch.ones(64, 4, requires_grad=True)
    drop(x).sum().backward()
    kept_rows = x.grad[:, 0] > 0
    assert 0 < kept_rows.sum() < 64
    assert torch.all(x.grad[~kept_rows] == 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"survival_prob": 0.0}, "must be in \\(0, 1\\], got 0.0"),
        ({"survival_prob": 1.5}, "got 1.5"),
        ({"survival_prob": 0.5, "mode": "layer"}, "mode must be one of .*got 'layer'"),
        ({"survival_prob": 0.5, "scale_at": "both"}, "scale_at must be one of .*got 'both'"),
    ],
)
def test_bad_options_are_refused_with_what_was_given(kwargs, message):
    with pytest.raises(ModelError, match=message):
        StochasticDepth(**kwargs)
