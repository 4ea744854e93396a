"""A class-score map in one convolutional pass against sliding the network window by window.

The same trained-shape network (random weights suffice for timing) maps a larger image two
ways: :func:`cnnlab.nn.convolutionize` once over the whole image, and the original network
on every window at the network's total stride, one window per forward pass (the loop
:func:`cnnlab.localise.sliding_scores` runs). Prints one JSON line: per case, both best
times of a few runs, the speed-up (loop time over one-pass time) and the largest difference
between the two maps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import torch

from cnnlab.models import create
from cnnlab.nn import convolutionize

CASES = {  # model, training input shape, mapped image side, total stride
    "lenet5_32_on_128": ("lenet5", (1, 32, 32), 128, 4),
    "alexnet_227_on_355": ("alexnet", (3, 227, 227), 355, 32),
}


def best_seconds(fn: Callable[[], torch.Tensor], repeats: int) -> tuple[float, torch.Tensor]:
    result = fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def sliding(model: torch.nn.Module, image: torch.Tensor, side: int, stride: int) -> torch.Tensor:
    count = (image.shape[-1] - side) // stride + 1
    rows = [
        torch.stack(
            [
                model(image[:, :, r * stride : r * stride + side, c * stride : c * stride + side])[
                    0
                ]  # fmt: skip
                for c in range(count)
            ],
            -1,
        )  # fmt: skip
        for r in range(count)
    ]
    return torch.stack(rows, -2)


def run_case(name: str, shape: tuple[int, int, int], size: int, stride: int) -> dict:
    torch.manual_seed(0)
    model = create(name, num_classes=10, in_channels=shape[0]).eval()
    network = convolutionize(model, shape).eval()
    image = torch.rand(1, shape[0], size, size)
    one_pass, mapped = best_seconds(lambda: network(image)[0], repeats=3)
    loop, slid = best_seconds(lambda: sliding(model, image, shape[1], stride), repeats=1)
    return {
        "windows": mapped.shape[-1] * mapped.shape[-2],
        "one_pass_s": round(one_pass, 4),
        "sliding_s": round(loop, 4),
        "speedup": round(loop / one_pass, 1),
        "max_abs_diff": float((mapped - slid).abs().max()),
        "map_max": float(slid.abs().max()),  # the size of what is compared
    }


def main() -> None:
    torch.set_num_threads(1)
    with torch.no_grad():
        results = {case: run_case(*spec) for case, spec in CASES.items()}
    print(json.dumps({"benchmark": "classmap", "threads": 1, **results}))


if __name__ == "__main__":
    main()
