"""The NumPy optimisers against their ``torch.optim`` twins, step by step, to 1e-10."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnlab.errors import UnknownNameError
from cnnlab.scratch.optimizers import make_optimizer

TWINS = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
}


def loss_and_grads(params: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Gradients of a small non-quadratic loss, so every step sees a new gradient."""
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    w, b = tensors
    (torch.tanh(x @ w + b) ** 2).sum().backward()
    return [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("name", TWINS)
def test_numpy_optimizer_follows_torch_optim_for_ten_steps(name):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(8, 5)))
    params = [rng.normal(size=(5, 3)), rng.normal(size=3)]
    start = params[0].copy()
    twins = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    ours, theirs = make_optimizer(name, 0.05), TWINS[name](twins, 0.05)
    for _ in range(10):
        ours.step(params, loss_and_grads(params, x))
        theirs.zero_grad()
        (torch.tanh(x @ twins[0] + twins[1]) ** 2).sum().backward()
        theirs.step()
        for mine, twin in zip(params, twins, strict=True):
            np.testing.assert_allclose(mine, twin.detach().numpy(), rtol=0, atol=1e-10)
    assert np.abs(params[0] - start).max() > 1e-3  # the steps moved the weights


def test_an_unknown_optimizer_names_the_known_ones():
    with pytest.raises(UnknownNameError, match="Did you mean: adam"):
        make_optimizer("adamm", 0.1)
