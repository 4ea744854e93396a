"""Numerical gradient check: catches a wrong backward, passes cnnlab's own layers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnlab.errors import ModelError
from cnnlab.inspect.gradcheck import gradcheck
from cnnlab.nn import LocallyConnected2d, LocalResponseNorm, Maxout, TFConv2d


class SquareWithBackward(torch.autograd.Function):
    """x**2 whose backward returns ``factor * x * grad`` (2 is right)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, factor: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.factor = factor
        return x * x

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return ctx.factor * x * grad, None


class Square(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.5))
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return SquareWithBackward.apply(x, self.factor) * self.scale


def test_wrong_backward_fails_and_the_right_one_passes():
    x = torch.randn(3, 4)
    wrong = gradcheck(Square(1.0), x)
    assert wrong.verdict == "fail"
    row = {r.name: r for r in wrong.rows}["input"]
    assert row.max_error == pytest.approx(0.5, rel=1e-4)  # |x - 2x| / |2x|
    assert row.numerical == pytest.approx(2 * row.analytic, rel=1e-5)
    assert {r.name: r.verdict for r in wrong.rows} == {"input": "fail", "scale": "pass"}
    right = gradcheck(Square(2.0), x)
    assert right.verdict == "pass" and right.max_error < 1e-8


def test_a_gradient_one_percent_off_is_suspect_not_passed():
    result = gradcheck(Square(2.02), torch.randn(3, 4))
    assert result.verdict == "warn"
    assert 1e-4 < result.max_error < 1e-2


@pytest.mark.parametrize(
    "module, shape",
    [
        (LocallyConnected2d(3, 4, (6, 6), 3, stride=1, padding=1), (2, 3, 6, 6)),
        (Maxout(3), (2, 6, 4, 4)),
        (LocalResponseNorm(size=5, alpha=1e-2), (2, 8, 3, 3)),
        (TFConv2d(3, 4, 3, stride=2, padding="SAME"), (2, 3, 7, 7)),
        (nn.Sequential(nn.Conv2d(3, 4, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten()), (2, 3, 8, 8)),
    ],
    ids=["locally_connected", "maxout", "lrn", "tf_same_conv", "conv_pool_relu"],
)
def test_cnnlab_layers_pass(module: nn.Module, shape: tuple[int, ...]):
    torch.manual_seed(0)
    result = gradcheck(module, torch.randn(shape), samples=15)
    assert result.verdict == "pass", result.rows
    checked = {row.name for row in result.rows}
    assert "input" in checked and {name for name, _ in module.named_parameters()} <= checked


def test_small_tensors_are_checked_whole_and_the_module_is_left_alone():
    module = nn.Linear(3, 2)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    result = gradcheck(module, torch.randn(4, 3), samples=5)
    counts = {row.name: row.checked for row in result.rows}
    assert counts == {"input": 5, "weight": 5, "bias": 2}
    assert module.weight.dtype == torch.float32
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())


def test_training_mode_with_batch_norm_and_dropout():
    module = nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Dropout(0.5), nn.Tanh())
    result = gradcheck(module, torch.randn(8, 5), train=True)
    assert result.verdict == "pass", result.rows


def test_nothing_to_check_is_an_error_naming_the_module():
    with pytest.raises(ModelError, match="Flatten: nothing to check"):
        gradcheck(nn.Flatten(), torch.zeros(2, 3, dtype=torch.long))


def test_no_samples_is_refused():
    with pytest.raises(ModelError, match="samples >= 1 and step > 0, found 0 and 1e-05"):
        gradcheck(nn.Linear(2, 2), torch.randn(1, 2), samples=0)
