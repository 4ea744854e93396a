"""The lectures' update rules written out in NumPy, as ``torch.optim`` computes them.

Each optimiser keeps its state per parameter (keyed by the array's position in the list it
is given) and updates the arrays in place from their gradients:

    sgd       w -= lr g
    momentum  v = mu v + g;           w -= lr v          (Polyak's heavy ball, torch's form)
    nesterov  v = mu v + g;           w -= lr (g + mu v) (the look-ahead gradient)
    adagrad   s += g^2;               w -= lr g / (sqrt(s) + eps)        (Duchi et al., 2011)
    rmsprop   s = a s + (1 - a) g^2;  w -= lr g / (sqrt(s) + eps)        (Tieleman, Hinton 2012)
    adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
              w -= lr m_hat / (sqrt(v_hat) + eps), the hats divided by 1 - b^t
                                                                        (Kingma and Ba, 2015)

The tests run each next to its ``torch.optim`` twin for several steps, to 1e-10.
"""

from __future__ import annotations

import numpy as np

from cnnlab.errors import UnknownNameError


class Optimizer:
    """Updates ``params`` in place from ``grads`` (lists of arrays, in the same order)."""

    def __init__(self, lr: float):
        self.lr = lr
        self.state: dict[int, dict[str, np.ndarray]] = {}
        self.steps = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.steps += 1
        for index, (param, grad) in enumerate(zip(params, grads, strict=True)):
            state = self.state.setdefault(index, {})
            param -= self.update(state, grad)

    def update(self, state: dict[str, np.ndarray], grad: np.ndarray) -> np.ndarray:
        """What is subtracted from the parameter."""
        raise NotImplementedError


class SGD(Optimizer):
    def update(self, state, grad):
        return self.lr * grad


class Momentum(Optimizer):
    def __init__(self, lr: float, momentum: float = 0.9, nesterov: bool = False):
        super().__init__(lr)
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, state, grad):
        velocity = state.get("velocity")
        velocity = grad.copy() if velocity is None else self.momentum * velocity + grad
        state["velocity"] = velocity
        return self.lr * (grad + self.momentum * velocity if self.nesterov else velocity)


class AdaGrad(Optimizer):
    def __init__(self, lr: float, eps: float = 1e-10):
        super().__init__(lr)
        self.eps = eps

    def update(self, state, grad):
        state["sum"] = state.get("sum", np.zeros_like(grad)) + grad * grad
        return self.lr * grad / (np.sqrt(state["sum"]) + self.eps)


class RMSProp(Optimizer):
    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__(lr)
        self.alpha, self.eps = alpha, eps

    def update(self, state, grad):
        square = state.get("square", np.zeros_like(grad))
        state["square"] = self.alpha * square + (1 - self.alpha) * grad * grad
        return self.lr * grad / (np.sqrt(state["square"]) + self.eps)


class Adam(Optimizer):
    def __init__(self, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr)
        self.betas, self.eps = betas, eps

    def update(self, state, grad):
        beta1, beta2 = self.betas
        state["m"] = beta1 * state.get("m", np.zeros_like(grad)) + (1 - beta1) * grad
        state["v"] = beta2 * state.get("v", np.zeros_like(grad)) + (1 - beta2) * grad * grad
        m_hat = state["m"] / (1 - beta1**self.steps)
        v_hat = state["v"] / (1 - beta2**self.steps)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": lambda lr: Momentum(lr, nesterov=True),
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, lr: float) -> Optimizer:
    """The optimiser ``name`` with the lectures' (and torch's) default hyper-parameters."""
    if name not in OPTIMIZERS:
        raise UnknownNameError("optimizer", name, OPTIMIZERS)
    return OPTIMIZERS[name](lr)
