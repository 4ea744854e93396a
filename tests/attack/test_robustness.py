"""Robust accuracy against eps and its sanity checks, on a two-pixel linear model whose
attacks can be worked out by hand, and on the same model behind a gradient-masking step."""

import pytest
import torch
from torch import nn

from cnnlab.attack.robustness import RobustnessSpec, robustness
from cnnlab.attack.sanity import sanity_checks
from cnnlab.errors import ConfigError


def linear_model() -> nn.Module:
    """z0 = 2 a - b, z1 = b: class 0 while 2 a > 2 b."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(2, 2, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[2.0, -1.0], [0.0, 1.0]]))
    return model


class Rounded(nn.Module):
    """Pixels rounded to 0 or 1 before the linear model: round's gradient is zero
    everywhere, so gradient attacks see nothing although the model is easy to break."""

    def __init__(self):
        super().__init__()
        self.linear = linear_model()

    def forward(self, x):
        return self.linear(torch.round(x))


# (a, b) = (0.75, 0.25) is class 0; a - b = 0.5, so an L-inf step of 0.25 reaches the border
IMAGES = torch.tensor([[[[0.75, 0.25]]]]).repeat(20, 1, 1, 1)
LABELS = torch.zeros(20, dtype=torch.long)
SPEC = RobustnessSpec(eps=(0.1, 0.3), steps=5, step_size=0, restarts=1, loss="both", n=20)


def test_robust_accuracy_is_clean_at_eps_0_and_falls_where_the_hand_computed_border_lies():
    result = robustness(linear_model(), IMAGES, LABELS, SPEC)
    assert [row.eps for row in result.rows] == [0.0, 0.1, 0.3]
    assert result.clean_accuracy == 1.0
    # eps 0.1 cannot reach the border a = b; eps 0.3 crosses it for every image
    assert result.accuracies() == [1.0, 1.0, 0.0]
    assert result.rows[2].by_attack == {"pgd-ce": 0.0, "pgd-margin": 0.0, "fgsm-ce": 0.0}
    assert result.rows[1].noise == 1.0
    checks = sanity_checks(result)
    assert [c.name for c in checks] == [
        "eps 0 equals clean accuracy",
        "accuracy never rises with eps",
        "PGD at least as strong as FGSM",
        "no sign of gradient masking",
    ]
    assert all(c.passed for c in checks), checks


def test_a_transferred_attack_that_beats_the_white_box_one_is_flagged_as_gradient_masking():
    spec = RobustnessSpec(eps=(0.3,), steps=5, step_size=0, restarts=1, n=20)
    result = robustness(Rounded(), IMAGES, LABELS, spec, transfer_from=linear_model())
    white_box, transfer = result.rows[1].accuracy, result.rows[1].transfer
    assert transfer == 0.0 and white_box > 0.5  # the gradient of round() is zero
    masking = sanity_checks(result)[-1]
    assert not masking.passed and "transfer 0.0000 < white-box" in masking.detail


def test_the_model_is_left_in_training_mode_with_its_gradients_on():
    model = linear_model().train()
    robustness(model, IMAGES, LABELS, SPEC)
    assert model.training
    assert all(p.requires_grad and p.grad is None for p in model.parameters())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "cw"}, "unknown method 'cw'"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"eps": (0.1, 2.0)}, r"eps must be values in \[0, 1\], found \[0.1, 2.0\]"),
        ({"n": 0}, "n must be at least 1, found 0"),
        ({"norm": "l1"}, "unknown attack norm 'l1'"),
        ({"restarts": 0}, "restarts 0"),
    ],
)
def test_a_bad_specification_is_named_in_one_line(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        RobustnessSpec(**kwargs)
