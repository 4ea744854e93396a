"""Speed of cnnlab's gradient check against torch.autograd.gradcheck, in one process.

Both check a LeNet-5-sized block (conv, ReLU, max pool, linear) in float64 on the
same input. cnnlab compares a sample of coordinates per tensor (20, the default);
torch builds the full numerical Jacobian of every input and parameter. Prints one
JSON line: seconds of each and their ratio (below 1: cnnlab is faster).
"""

from __future__ import annotations

import json
import platform
import time
from datetime import date

import torch
from torch import nn

from cnnlab.inspect.gradcheck import gradcheck


def block() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6 * 6 * 6, 10)
    )


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    module, x = block(), torch.randn(2, 1, 16, 16)
    ours = seconds(lambda: gradcheck(module, x))
    reference = module.double()
    inputs = x.double().requires_grad_()
    params = tuple(reference.parameters())

    def functional(inp, *weights):
        state = dict(zip((n for n, _ in reference.named_parameters()), weights, strict=True))
        return torch.func.functional_call(reference, state, (inp,))

    theirs = seconds(lambda: torch.autograd.gradcheck(functional, (inputs, *params)))
    print(
        json.dumps(
            {
                "benchmark": "gradcheck",
                "date": date.today().isoformat(),
                "machine": f"{platform.machine()} {torch.get_num_threads()} threads",
                "cnnlab_s": round(ours, 3),
                "torch_gradcheck_s": round(theirs, 3),
                "ratio": round(ours / theirs, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
