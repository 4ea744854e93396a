"""Average pooling, inverted dropout, batch norm and LeNet-5 of the NumPy engine against
PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnlab import models
from cnnlab.scratch import AvgPool2d, BatchNorm, Dropout, lenet5

RNG = np.random.default_rng(3)


def check_against_autograd(layer, x: np.ndarray, reference) -> None:
    """Forward, dE/dx and dE/dparams of ``layer`` equal ``reference``'s by autograd."""
    out = layer.forward(x)
    grad_out = RNG.normal(size=out.shape)
    grad_in = layer.backward(grad_out)
    xt = torch.tensor(x, requires_grad=True)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    expected = reference(xt, params)
    expected.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_in, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for key, tensor in params.items():
        np.testing.assert_allclose(layer.grads[key], tensor.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("size", "stride"), [(2, None), (3, 2)])
def test_average_pooling_equals_autograd(size, stride):
    check_against_autograd(
        AvgPool2d(size, stride), RNG.normal(size=(2, 3, 9, 8)),
        lambda x, p: F.avg_pool2d(x, size, stride),
    )  # fmt: skip


@pytest.mark.parametrize("shape", [(6, 5), (4, 3, 5, 5)])
def test_batch_norm_in_training_equals_autograd_and_updates_the_running_statistics(shape):
    layer = BatchNorm(shape[1])
    layer.params = {"weight": RNG.normal(size=shape[1]), "bias": RNG.normal(size=shape[1])}
    x = RNG.normal(2.0, 3.0, size=shape)
    running = [
        torch.zeros(shape[1], dtype=torch.float64),
        torch.ones(shape[1], dtype=torch.float64),
    ]
    check_against_autograd(
        layer, x, lambda x, p: F.batch_norm(x, *running, p["weight"], p["bias"], training=True)
    )
    np.testing.assert_allclose(layer.running_mean, running[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, running[1].numpy(), rtol=1e-12)


def test_batch_norm_in_evaluation_uses_the_running_statistics():
    layer = BatchNorm(3)
    layer.forward(RNG.normal(1.0, 2.0, size=(8, 3, 4, 4)))  # one training batch
    layer.training = False
    mean, var = torch.tensor(layer.running_mean), torch.tensor(layer.running_var)
    check_against_autograd(
        layer, RNG.normal(size=(2, 3, 4, 4)),
        lambda x, p: F.batch_norm(x, mean, var, p["weight"], p["bias"], training=False),
    )  # fmt: skip


def test_inverted_dropout_scales_the_kept_units_and_is_the_identity_in_evaluation():
    layer = Dropout(0.25, np.random.default_rng(0))
    x = RNG.normal(size=(200, 50))
    out = layer.forward(x)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.75, rtol=1e-15)
    assert abs(kept.mean() - 0.75) < 0.01
    grad = RNG.normal(size=x.shape)
    np.testing.assert_allclose(layer.backward(grad), np.where(kept, grad / 0.75, 0.0))
    layer.training = False
    assert layer.forward(x) is x and layer.backward(grad) is grad


def test_scratch_lenet5_is_cnnlabs_lenet5_weight_for_weight():
    net = lenet5(1, 32, 10, seed=0)
    params = [layer.params[name] for layer, name in net.parameters()]
    assert sum(p.size for p in params) == 61_706 == models.get_model_info("lenet5").num_params
    reference = models.create("lenet5").double().eval()
    with torch.no_grad():
        for tensor, array in zip(reference.parameters(), params, strict=True):
            tensor.copy_(torch.from_numpy(array))
    x = RNG.normal(size=(3, 1, 32, 32))
    np.testing.assert_allclose(
        net.forward(x), reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )
