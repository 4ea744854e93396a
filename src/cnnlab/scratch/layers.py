"""Layers with an explicit forward and backward pass, in NumPy.

Each layer keeps what its backward pass needs from the forward pass and, given
dE/d(output), returns dE/d(input) and fills ``grads`` for its parameters: the chain rule of
Rumelhart et al. (1986) written out, one layer at a time. Convolution and pooling work on
sliding windows of the input (``sliding_window_view``), so the loops run over the kernel's
positions, not over the image.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnlab.errors import ModelError


class Layer:
    """A step of the network: ``forward`` then ``backward`` on the same batch."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"

    def expect(self, x: np.ndarray, ndim: int, axis: int, size: int, what: str) -> None:
        if x.ndim != ndim or x.shape[axis] != size:
            raise ModelError(
                f"{type(self).__name__}: expected input of {ndim} dimensions with {size} "
                f"{what} on axis {axis}, found shape {tuple(x.shape)}"
            )


class Linear(Layer):
    """a_j = sum_i w_ji x_i + b_j; weights drawn N(0, 1/fan_in) (LeCun's scale)."""

    def __init__(self, fan_in: int, fan_out: int, rng: np.random.Generator):
        super().__init__()
        self.params = {
            "weight": rng.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_out, fan_in)),
            "bias": np.zeros(fan_out),
        }

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.expect(x, 2, 1, self.params["weight"].shape[1], "features")
        self.x = x
        return x @ self.params["weight"].T + self.params["bias"]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        self.grads = {"weight": grad.T @ self.x, "bias": grad.sum(axis=0)}  # dE/dw_ji = delta_j x_i
        return grad @ self.params["weight"]


class Sigmoid(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = 1.0 / (1.0 + np.exp(-x))
        return self.y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.y * (1.0 - self.y)  # dy/dx = y (1 - y)


class Tanh(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (1.0 - self.y**2)


class ReLU(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.positive = x > 0
        return np.where(self.positive, x, 0.0)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.positive, grad, 0.0)


class Flatten(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.shape)


class Conv2d(Layer):
    """out[n, o] = sum_c (x[n, c] * w[o, c]) + b[o]: cross-correlation, as every CNN library."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int,
        rng: np.random.Generator,
        *,
        stride: int = 1,
        padding: int = 0,
    ):
        super().__init__()
        fan_in = in_channels * kernel * kernel
        self.params = {
            "weight": rng.normal(
                0.0, 1.0 / np.sqrt(fan_in), (out_channels, in_channels, kernel, kernel)
            ),
            "bias": np.zeros(out_channels),
        }
        self.stride, self.padding = stride, padding

    def forward(self, x: np.ndarray) -> np.ndarray:
        weight = self.params["weight"]
        self.expect(x, 4, 1, weight.shape[1], "channels")
        k, s, p = weight.shape[-1], self.stride, self.padding
        if min(x.shape[2:]) + 2 * p < k:
            raise ModelError(
                f"Conv2d: a {k}x{k} kernel does not fit an input of {x.shape[2]}x{x.shape[3]} "
                f"pixels with padding {p}"
            )
        self.padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        # (N, C, Ho, Wo, k, k): every window the kernel visits, without copying the input
        self.windows = sliding_window_view(self.padded, (k, k), axis=(2, 3))[:, :, ::s, ::s]
        out = np.einsum("nchwij,ocij->nohw", self.windows, weight, optimize=True)
        return out + self.params["bias"][None, :, None, None]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        weight = self.params["weight"]
        k, s, p = weight.shape[-1], self.stride, self.padding
        self.grads = {
            "weight": np.einsum("nchwij,nohw->ocij", self.windows, grad, optimize=True),
            "bias": grad.sum(axis=(0, 2, 3)),
        }
        out_h, out_w = grad.shape[2:]
        grad_padded = np.zeros_like(self.padded)
        for i in range(k):  # each kernel offset sends the gradient back to the pixels it read
            for j in range(k):
                grad_padded[:, :, i : i + s * out_h : s, j : j + s * out_w : s] += np.einsum(
                    "nohw,oc->nchw", grad, weight[:, :, i, j], optimize=True
                )
        height, width = self.padded.shape[2] - 2 * p, self.padded.shape[3] - 2 * p
        return grad_padded[:, :, p : p + height, p : p + width]


class MaxPool2d(Layer):
    """The largest value of each ``size`` x ``size`` window; the gradient flows back to the
    position that held it (the first one, on ties)."""

    def __init__(self, size: int, stride: int | None = None):
        super().__init__()
        self.size, self.stride = size, stride or size

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4:
            raise ModelError(f"MaxPool2d: expected (N, C, H, W) input, found {tuple(x.shape)}")
        k, s = self.size, self.stride
        windows = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
        flat = windows.reshape(*windows.shape[:4], k * k)
        self.argmax = flat.argmax(axis=-1)
        self.input_shape = x.shape
        return np.take_along_axis(flat, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        k, s = self.size, self.stride
        out_h, out_w = grad.shape[2:]
        grad_in = np.zeros(self.input_shape)
        for i in range(k):
            for j in range(k):
                routed = np.where(self.argmax == i * k + j, grad, 0.0)
                grad_in[:, :, i : i + s * out_h : s, j : j + s * out_w : s] += routed
        return grad_in


class AvgPool2d(Layer):
    """The mean of each ``size`` x ``size`` window; the gradient is shared equally among the
    window's inputs."""

    def __init__(self, size: int, stride: int | None = None):
        super().__init__()
        self.size, self.stride = size, stride or size

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4:
            raise ModelError(f"AvgPool2d: expected (N, C, H, W) input, found {tuple(x.shape)}")
        k, s = self.size, self.stride
        self.input_shape = x.shape
        return sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s].mean(axis=(-2, -1))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        k, s = self.size, self.stride
        out_h, out_w = grad.shape[2:]
        grad_in = np.zeros(self.input_shape)
        for i in range(k):
            for j in range(k):
                grad_in[:, :, i : i + s * out_h : s, j : j + s * out_w : s] += grad / (k * k)
        return grad_in
