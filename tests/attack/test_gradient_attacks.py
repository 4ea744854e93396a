"""FGSM and PGD against gradients worked out by hand on a linear model, and on a small CNN."""

import math

import pytest
import torch
from torch import nn

from cnnlab.attack import Attack, attack, fgsm, pgd
from cnnlab.errors import ConfigError


def linear_model() -> nn.Module:
    """Two pixels, two classes: z0 = 2 a - b, z1 = b.

    For label 0, d CE / dx = W^T (p - e0) = p1 (W1 - W0) = p1 (-2, 2): sign (-1, +1). The
    margin z1 - z0 has gradient (-2, 2) too, and so has the targeted CE towards class 1."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(2, 2, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[2.0, -1.0], [0.0, 1.0]]))
    return model


def pixels(a: float, b: float) -> torch.Tensor:
    return torch.tensor([[[[a, b]]]])


ZERO = torch.tensor([0])


@pytest.mark.parametrize("loss", ["ce", "margin"])
def test_fgsm_steps_eps_along_the_sign_of_the_hand_computed_gradient(loss):
    adversarial = fgsm(linear_model(), pixels(0.5, 0.5), ZERO, 0.1, loss=loss)
    assert torch.allclose(adversarial, pixels(0.4, 0.6))


def test_targeted_fgsm_moves_towards_the_target():
    adversarial = fgsm(linear_model(), pixels(0.5, 0.5), torch.tensor([1]), 0.1, targeted=True)
    assert torch.allclose(adversarial, pixels(0.4, 0.6))
    # towards class 0 instead: the opposite direction
    adversarial = fgsm(linear_model(), pixels(0.5, 0.5), ZERO, 0.1, targeted=True)
    assert torch.allclose(adversarial, pixels(0.6, 0.4))


def test_l2_fgsm_steps_eps_along_the_unit_gradient():
    adversarial = fgsm(linear_model(), pixels(0.5, 0.5), ZERO, 0.1, norm="l2")
    side = 0.1 / math.sqrt(2)
    assert torch.allclose(adversarial, pixels(0.5 - side, 0.5 + side))


def test_pgd_steps_then_stays_on_the_ball_and_in_the_pixel_range():
    model = linear_model()
    # 0.5 -> 0.47 -> 0.44 -> 0.41 -> 0.40 (projected) -> 0.40
    adversarial = pgd(model, pixels(0.5, 0.5), ZERO, 0.1, steps=5, step_size=0.03,
                      random_start=False, early_stop=False)  # fmt: skip
    assert torch.allclose(adversarial, pixels(0.4, 0.6))
    # near the ends of the range the ball is cut by 0..1
    adversarial = pgd(model, pixels(0.05, 0.98), ZERO, 0.1, steps=5, step_size=0.03,
                      early_stop=False)  # fmt: skip
    assert torch.allclose(adversarial, pixels(0.0, 1.0))
    # L2: the change has length eps, along (-1, 1)
    adversarial = pgd(model, pixels(0.5, 0.5), ZERO, 0.1, norm="l2", steps=10, step_size=0.05,
                      random_start=False, early_stop=False)  # fmt: skip
    side = 0.1 / math.sqrt(2)
    assert torch.allclose(adversarial, pixels(0.5 - side, 0.5 + side), atol=1e-6)


def test_pgd_stops_each_image_where_it_first_breaks():
    """(0.5, 0.5) is a tie that argmax gives class 0; one step to (0.47, 0.53) makes z1 > z0.
    (0.9, 0.1) cannot break within eps 0.1 (z0 - z1 = 2a - 2b is still 1.2 at the corner
    (0.8, 0.2)), so it takes all five steps, to that corner."""
    images = torch.cat([pixels(0.5, 0.5), pixels(0.9, 0.1)])
    adversarial = pgd(linear_model(), images, torch.tensor([0, 0]), 0.1, steps=5, step_size=0.03,
                      random_start=False)  # fmt: skip
    assert torch.allclose(adversarial, torch.cat([pixels(0.47, 0.53), pixels(0.8, 0.2)]))


def small_cnn() -> nn.Module:
    """A small CNN trained for a second on 8x8 scans of digits 0 and 1, with batch norm and
    dropout so that eval mode matters."""
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    digits = load_digits(n_class=2)
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16
    labels = torch.tensor(digits.target)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),  # (N, 8, 8, 8)
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(8 * 8 * 8, 2),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, images, labels


@pytest.fixture(scope="module")
def trained():
    return small_cnn()


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        return (model(images).argmax(1) == labels).float().mean().item()


class ModeRecorder(nn.Module):
    """Passes its input through, remembering whether it ran in training mode."""

    def __init__(self):
        super().__init__()
        self.seen: set[bool] = set()

    def forward(self, x):
        self.seen.add(self.training)
        return x


def test_the_attack_runs_in_eval_mode_leaks_no_gradient_and_restores_the_model(trained):
    net, images, labels = trained
    recorder = ModeRecorder()
    model = nn.Sequential(recorder, net).train()
    model.zero_grad(set_to_none=True)
    net[0].weight.requires_grad_(False)  # a frozen layer stays frozen
    before = {k: v.clone() for k, v in model.state_dict().items()}
    layout = {k: v.stride() for k, v in model.state_dict().items()}
    spec = Attack("pgd", "linf", 0.1, steps=3, restarts=2)
    attack(model, images[:50], labels[:50], spec)
    assert {k: v.stride() for k, v in model.state_dict().items()} == layout  # NHWC undone
    assert recorder.seen == {False}
    assert model.training and all(m.training for m in model.modules())
    assert all(p.grad is None for p in model.parameters())
    assert not net[0].weight.requires_grad
    assert all(p.requires_grad for n, p in model.named_parameters() if n != "1.0.weight")
    after = model.state_dict()  # batch-norm statistics untouched: eval mode throughout
    assert all(torch.equal(before[k], after[k]) for k in before)
    net[0].weight.requires_grad_(True)


def test_the_channels_last_layout_leaves_the_gradient_as_autograd_computes_it(trained):
    net, images, labels = trained
    net.eval()
    x = images[:64].clone().requires_grad_(True)
    nn.functional.cross_entropy(net(x), labels[:64], reduction="sum").backward()
    stepped = fgsm(net, images[:64], labels[:64], 0.25, norm="l2")
    unit = x.grad / x.grad.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    expected = (images[:64] + 0.25 * unit).clamp(0, 1)
    assert torch.allclose(stepped, expected, atol=1e-6)
    net.zero_grad(set_to_none=True)


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_pgd_with_restarts_is_at_least_as_strong_as_fgsm_and_stays_in_the_ball(trained, norm):
    net, images, labels = trained
    net.eval()
    eps = 0.3 if norm == "linf" else 2.5
    clean = accuracy(net, images, labels)
    one_step = fgsm(net, images, labels, eps, norm=norm)
    many = pgd(net, images, labels, eps, norm=norm, steps=20, restarts=2,
               generator=torch.Generator().manual_seed(0))  # fmt: skip
    assert clean > 0.95
    assert accuracy(net, many, labels) <= accuracy(net, one_step, labels) < clean
    assert accuracy(net, many, labels) < 0.5
    for adversarial in (one_step, many):
        change = (adversarial - images).flatten(1)
        size = change.abs().amax(1) if norm == "linf" else change.norm(dim=1)
        assert size.max() <= eps + 1e-5
        assert adversarial.min() >= 0 and adversarial.max() <= 1


def test_targeted_pgd_reaches_the_target(trained):
    net, images, labels = trained
    net.eval()
    target = 1 - labels[:40]
    adversarial = pgd(net, images[:40], target, 0.3, steps=20, loss="margin", targeted=True)
    with torch.no_grad():
        assert (net(adversarial).argmax(1) == target).float().mean() > 0.9


def test_an_image_counts_the_strongest_of_its_restarts(trained):
    net, images, labels = trained
    net.eval()
    generator = torch.Generator().manual_seed(1)
    eps, kwargs = 0.08, {"steps": 2, "step_size": 0.02}
    once = [pgd(net, images, labels, eps, generator=generator, **kwargs) for _ in range(4)]
    broken_once = [(net(x).argmax(1) != labels) for x in once]
    generator.manual_seed(1)  # the same four starts, as one attack with four restarts
    restarted = pgd(net, images, labels, eps, restarts=4, generator=generator, **kwargs)
    with torch.no_grad():
        assert torch.equal(net(restarted).argmax(1) != labels, torch.stack(broken_once).any(0))


def test_bad_specifications_are_one_line_errors():
    with pytest.raises(ConfigError, match="unknown attack norm 'l1'"):
        Attack(norm="l1")
    with pytest.raises(ConfigError, match="eps must be a finite number >= 0, found -0.1"):
        Attack(eps=-0.1)
    with pytest.raises(ConfigError, match="found steps 0, restarts 1"):
        Attack(steps=0)
    with pytest.raises(ConfigError, match="found 3 images and 2 labels"):
        attack(linear_model(), torch.zeros(3, 1, 1, 2), torch.zeros(2).long(), Attack())


class RowCounter(nn.Module):
    """The model, counting the images it is run on."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model, self.rows = model, 0

    def forward(self, x):
        self.rows += len(x)
        return self.model(x)


def test_a_broken_image_costs_no_more_steps_or_restarts():
    """(0.25, 0.75) is class 1 already: its first step's forward pass finds it broken.
    (0.9, 0.1) never breaks within eps 0.1. Restart 1: 2 rows for step 1, 1 row for each of
    steps 2-5, 2 rows to score the restart; restarts 2-5: 5 steps + 1 score of the one
    standing image: 2 + 4 + 2 + 4 x 6 = 32 rows (40 if the broken image were attacked on)."""
    counter = RowCounter(linear_model())
    images = torch.cat([pixels(0.25, 0.75), pixels(0.9, 0.1)])
    adversarial = pgd(counter, images, torch.tensor([0, 0]), 0.1, steps=5, step_size=0.03,
                      restarts=5, random_start=False)  # fmt: skip
    assert counter.rows == 32
    assert torch.allclose(adversarial, torch.cat([pixels(0.25, 0.75), pixels(0.8, 0.2)]))
