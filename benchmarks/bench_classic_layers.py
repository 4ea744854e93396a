"""Speed of cnnlab.nn's layers against the plain PyTorch (or naive) way, in one process.

Prints one JSON line: for each layer, its time per forward and the ratio to its
reference (below 1 is faster than the reference).
"""

from __future__ import annotations

import json
import time

import torch
import torch.nn.functional as F

from cnnlab.nn import LocallyConnected2d, LocalResponseNorm, TFConv2d


def seconds_per_call(fn, repeats: int = 20) -> float:
    with torch.no_grad():
        fn()  # warm up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return best


def locally_connected_loop(layer: LocallyConnected2d, x: torch.Tensor) -> torch.Tensor:
    """The per-position reference: one small matrix product per output position."""
    k = layer.kernel_size
    out_h, out_w = layer.output_size
    out = x.new_empty(x.shape[0], layer.out_channels, out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, :, i : i + k, j : j + k].reshape(x.shape[0], -1)
            out[:, :, i, j] = patch @ layer.weight[i * out_w + j].T + layer.bias[:, i, j]
    return out


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    results = {}

    lc = LocallyConnected2d(3, 16, (32, 32), 3)
    x = torch.randn(32, 3, 32, 32)
    ours, ref = (
        seconds_per_call(lambda: lc(x)),
        seconds_per_call(lambda: locally_connected_loop(lc, x), 3),
    )
    results["locally_connected_vs_loop"] = {
        "ms": round(ours * 1e3, 3),
        "ratio": round(ours / ref, 4),
    }

    tf_conv = TFConv2d(64, 64, 3, stride=1, padding="SAME")
    conv = torch.nn.Conv2d(64, 64, 3, padding=1)
    x = torch.randn(16, 64, 56, 56)
    ours, ref = seconds_per_call(lambda: tf_conv(x)), seconds_per_call(lambda: conv(x))
    results["tf_same_conv_vs_conv2d"] = {"ms": round(ours * 1e3, 3), "ratio": round(ours / ref, 4)}

    lrn = LocalResponseNorm(5, 1e-4, 0.75, 2.0)
    x = torch.randn(16, 96, 55, 55)
    ours = seconds_per_call(lambda: lrn(x))
    ref = seconds_per_call(lambda: F.local_response_norm(x, 5, 5e-4, 0.75, 2.0))
    results["paper_lrn_vs_torch_lrn"] = {"ms": round(ours * 1e3, 3), "ratio": round(ours / ref, 4)}

    print(json.dumps({"benchmark": "classic_layers", "threads": 1, **results}))


if __name__ == "__main__":
    main()
