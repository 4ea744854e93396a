"""Dropout and batch normalisation in NumPy, with their backward passes written out.

Both behave differently while training and when evaluating (``training``, set by
:meth:`cnnlab.scratch.Network.train` and ``eval``):

- inverted dropout (Srivastava et al., 2014) keeps each unit with probability 1 - p and
  scales it by 1 / (1 - p) while training, so evaluation is the identity;
- batch normalisation (Ioffe and Szegedy, 2015) normalises with the batch's mean and
  (biased) variance while training and keeps running averages (momentum 0.1, the unbiased
  variance, as PyTorch) for evaluation; then y = gamma x_hat + beta.
"""

from __future__ import annotations

import numpy as np

from cnnlab.errors import ModelError
from cnnlab.scratch.layers import Layer


class Dropout(Layer):
    def __init__(self, p: float, rng: np.random.Generator):
        super().__init__()
        if not 0 <= p < 1:
            raise ModelError(f"Dropout: p must be in [0, 1), found {p}")
        self.p, self.rng, self.training = p, rng, True

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0:
            self.mask = None
            return x
        self.mask = (self.rng.random(x.shape) >= self.p) / (1 - self.p)
        return x * self.mask

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad if self.mask is None else grad * self.mask


class BatchNorm(Layer):
    """Over (N, F) features or (N, C, H, W) maps (per channel, over batch and positions)."""

    def __init__(self, features: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.params = {"weight": np.ones(features), "bias": np.zeros(features)}
        self.running_mean, self.running_var = np.zeros(features), np.ones(features)
        self.momentum, self.eps, self.training = momentum, eps, True

    def axes_and_shape(self, x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
        features = len(self.params["weight"])
        if x.ndim not in (2, 4) or x.shape[1] != features:
            raise ModelError(
                f"BatchNorm: expected (N, {features}) or (N, {features}, H, W) input, found "
                f"{tuple(x.shape)}"
            )
        return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))

    def forward(self, x: np.ndarray) -> np.ndarray:
        axes, shape = self.axes_and_shape(x)
        if self.training:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            count = x.size // len(mean)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            unbiased = var * count / max(count - 1, 1)
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * unbiased
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = (1.0 / np.sqrt(var + self.eps)).reshape(shape)
        self.x_hat = (x - mean.reshape(shape)) * self.inv_std
        self.axes, self.shape = axes, shape
        return self.params["weight"].reshape(shape) * self.x_hat + self.params["bias"].reshape(
            shape
        )

    def backward(self, grad: np.ndarray) -> np.ndarray:
        axes, shape = self.axes, self.shape
        self.grads = {
            "weight": (grad * self.x_hat).sum(axis=axes),
            "bias": grad.sum(axis=axes),
        }
        grad_x_hat = grad * self.params["weight"].reshape(shape)
        if not self.training:  # the statistics are constants
            return grad_x_hat * self.inv_std
        # the batch's mean and variance depend on every input: the two correction terms
        count = grad.size // grad_x_hat.shape[1]
        mean_grad = grad_x_hat.sum(axis=axes, keepdims=True) / count
        mean_proj = (grad_x_hat * self.x_hat).sum(axis=axes, keepdims=True) / count
        return self.inv_std * (grad_x_hat - mean_grad - self.x_hat * mean_proj)
