"""The NumPy engine's forward and backward passes against PyTorch's autograd, the
lectures' delta rule and SVM-loss example, and a real training run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnlab import data
from cnnlab.errors import ModelError, TrainingError, UnknownNameError
from cnnlab.scratch import (
    Conv2d,
    Linear,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Tanh,
    fit,
    mlp,
    multiclass_hinge,
    small_cnn,
    softmax_cross_entropy,
    squared_error,
)

RNG = np.random.default_rng(0)


def autograd(fn, x: np.ndarray, grad_out: np.ndarray, params: dict[str, np.ndarray]):
    """Output, dE/dx and dE/dparams of ``fn`` by PyTorch, in float64."""
    xt = torch.tensor(x, requires_grad=True)
    pt = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    out = fn(xt, pt)
    out.backward(torch.tensor(grad_out))
    return out.detach().numpy(), xt.grad.numpy(), {k: v.grad.numpy() for k, v in pt.items()}


CASES = {
    "linear": (lambda: Linear(7, 5, RNG), (4, 7), lambda x, p: F.linear(x, p["weight"], p["bias"])),
    "sigmoid": (Sigmoid, (4, 6), lambda x, p: torch.sigmoid(x)),
    "tanh": (Tanh, (4, 6), lambda x, p: torch.tanh(x)),
    "relu": (ReLU, (4, 6), lambda x, p: torch.relu(x)),
    "conv": (
        lambda: Conv2d(3, 4, 3, RNG),
        (2, 3, 9, 8),
        lambda x, p: F.conv2d(x, p["weight"], p["bias"]),
    ),
    "conv_stride2_pad2": (
        lambda: Conv2d(2, 3, 5, RNG, stride=2, padding=2),
        (2, 2, 11, 10),
        lambda x, p: F.conv2d(x, p["weight"], p["bias"], stride=2, padding=2),
    ),
    "maxpool": (lambda: MaxPool2d(2), (2, 3, 8, 6), lambda x, p: F.max_pool2d(x, 2)),
    "maxpool_overlapping": (
        lambda: MaxPool2d(3, 2),
        (2, 3, 9, 9),
        lambda x, p: F.max_pool2d(x, 3, 2),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_layer_forward_and_backward_equal_autograd(name):
    make, shape, reference = CASES[name]
    layer = make()
    x = RNG.normal(size=shape)
    out = layer.forward(x)
    grad_out = RNG.normal(size=out.shape)
    grad_in = layer.backward(grad_out)
    ref_out, ref_grad_in, ref_grads = autograd(reference, x, grad_out, layer.params)
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_in, ref_grad_in, rtol=1e-10, atol=1e-12)
    assert set(layer.grads) == set(ref_grads)
    for key, grad in ref_grads.items():
        np.testing.assert_allclose(layer.grads[key], grad, rtol=1e-10, atol=1e-12)


def test_losses_and_their_gradients_equal_autograd():
    scores, labels = RNG.normal(size=(6, 4)), RNG.integers(0, 4, 6)
    references = {
        softmax_cross_entropy: lambda s: F.cross_entropy(s, torch.tensor(labels)),
        multiclass_hinge: lambda s: 4 * F.multi_margin_loss(s, torch.tensor(labels)),
        squared_error: lambda s: (
            0.5 * ((s - F.one_hot(torch.tensor(labels), 4)) ** 2).sum(1).mean()
        ),
    }
    for loss, reference in references.items():
        value, grad = loss(scores, labels)
        st = torch.tensor(scores, requires_grad=True)
        expected = reference(st)
        expected.backward()
        assert value == pytest.approx(expected.item(), rel=1e-12), loss.__name__
        np.testing.assert_allclose(grad, st.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_multiclass_svm_loss_of_the_lecture():
    """The lecture's example: cat/car/frog scores of three images give losses 2.9, 0 and 12.9."""
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # rows: images
    value, _ = multiclass_hinge(scores, np.array([0, 1, 2]))  # a cat, a car, a frog
    assert value == pytest.approx((2.9 + 0.0 + 12.9) / 3)


def test_sigmoid_network_gradients_follow_the_delta_rule():
    """delta_k = y_k(1-y_k)(y_k-t_k); delta_j = z_j(1-z_j) sum_k w_kj delta_k;
    dE/dw_kj = delta_k z_j and dE/dw_ji = delta_j x_i (one training example)."""
    net = mlp([5, 4, 3], "sigmoid", squash_output=True, seed=1)
    x, label = RNG.normal(size=(1, 5)), np.array([2])
    y = net.forward(x)
    _, grad = squared_error(y, label)
    net.backward(grad)
    first, hidden, output = net.layers[1], net.layers[2], net.layers[3]  # [0]: Flatten
    w_kj = output.params["weight"]
    z, t = hidden.y, np.eye(3)[label]
    delta_k = y * (1 - y) * (y - t)
    delta_j = z * (1 - z) * (delta_k @ w_kj)
    np.testing.assert_allclose(output.grads["weight"], delta_k.T @ z, rtol=1e-12)
    np.testing.assert_allclose(first.grads["weight"], delta_j.T @ x, rtol=1e-12)


@pytest.fixture(scope="module")
def digits() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    train, test = data.load("digits", "train"), data.load("digits", "test")
    return (
        (train.images.numpy() / 255.0, train.labels.numpy()),
        (test.images.numpy() / 255.0, test.labels.numpy()),
    )


def test_gradient_descent_trains_an_mlp_and_a_cnn_on_digits(digits):
    train, test = digits
    history = fit(mlp([1024, 64, 10], seed=0), train, test, lr=0.5, epochs=8)
    assert history[-1].val_accuracy > 0.9
    assert history[-1].loss < history[0].loss / 3
    cnn = fit(small_cnn(1, 32, 10, seed=0), train, test, lr=0.1, epochs=3)
    assert cnn[-1].val_accuracy > 0.85
    rumelhart = mlp([1024, 64, 10], squash_output=True, seed=0)
    assert (
        fit(rumelhart, train, test, loss="squared_error", lr=2.0, epochs=8)[-1].val_accuracy > 0.9
    )


def test_bad_shapes_names_and_a_diverging_loss_are_reported(digits):
    with pytest.raises(ModelError, match=r"Linear: expected input of 2 dimensions with 7 features"):
        Linear(7, 5, RNG).forward(np.zeros((3, 6)))
    with pytest.raises(ModelError, match="Conv2d: expected input of 4 dimensions with 3 channels"):
        Conv2d(3, 4, 3, RNG).forward(np.zeros((1, 1, 8, 8)))
    with pytest.raises(ModelError, match="a 5x5 kernel does not fit an input of 3x3"):
        Conv2d(1, 1, 5, RNG).forward(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ModelError, match=r"labels must lie in 0..2"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(UnknownNameError, match="Did you mean: relu"):
        mlp([4, 2], "relux")
    with pytest.raises(
        ModelError, match=r"MaxPool2d: expected \(N, C, H, W\) input, found \(3, 4\)"
    ):
        MaxPool2d(2).forward(np.zeros((3, 4)))
    with pytest.raises(ModelError, match=r"expected scores \(N, classes\) and N labels, found"):
        squared_error(np.zeros((2, 3)), np.array([0]))
    with pytest.raises(
        UnknownNameError,
        match="unknown loss 'mse'. Known losses: cross_entropy, hinge, squared_error",
    ):
        fit(
            mlp([4, 2]),
            (np.zeros((2, 4)), np.zeros(2, int)),
            (np.zeros((2, 4)), np.zeros(2, int)),
            loss="mse",
        )
    train, test = digits
    with pytest.raises(
        TrainingError,
        match=r"loss became (nan|inf) at epoch 1, step \d+: the learning rate 1e\+200",
    ):
        fit(mlp([1024, 64, 10], "relu"), train, test, lr=1e200, epochs=1)


@pytest.mark.parametrize(("optimizer", "lr"), [("momentum", 0.05), ("adam", 3e-3)])
def test_the_optimizers_train_an_mlp_on_digits(digits, optimizer, lr):
    train, test = digits
    history = fit(mlp([1024, 64, 10], "relu", seed=0), train, test, optimizer=optimizer, lr=lr,
                  epochs=3)  # fmt: skip
    assert history[-1].val_accuracy > 0.9 and history[-1].loss < history[0].loss


@pytest.mark.slow
def test_scratch_lenet5_trains_with_adam_from_the_command_line():
    from conftest import run_cli_here

    done = run_cli_here("scratch", "--net", "lenet5", "--optimizer", "adam", "--lr", "1e-3",
                   "--epochs", "2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Conv2d(weight(120, 16, 5, 5), bias(120,))" in done.stdout
    accuracy = float(done.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.85
