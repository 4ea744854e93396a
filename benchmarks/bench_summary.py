"""Summarising ResNet-152 at 3x224x224 with MACs: cnnlab.summary against torchinfo.summary.

Both summarise the same model (real weights on the CPU) with per-layer output shapes,
parameters and multiply-adds. cnnlab runs its pass on the meta device; torchinfo runs
a real forward pass. Each is warmed up once, then timed ``RUNS`` times in this process;
the JSON line gives both medians and the ratio (cnnlab / torchinfo, below 1 is faster).
"""

from __future__ import annotations

import json
import statistics
import time

import torch
import torchinfo

from cnnlab import models
from cnnlab.inspect import summary

RUNS = 5
SHAPE = (3, 224, 224)


def median_seconds(fn, runs: int = RUNS) -> float:
    fn()  # warm up: first-use imports and allocations
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    torch.manual_seed(0)
    model = models.create("resnet152").eval()
    ours = summary(model, SHAPE)
    theirs = torchinfo.summary(
        model,
        input_size=(1, *SHAPE),
        col_names=("output_size", "num_params", "mult_adds"),
        depth=3,
        verbose=0,
    )
    cnnlab_s = median_seconds(lambda: summary(model, SHAPE))
    torchinfo_s = median_seconds(
        lambda: torchinfo.summary(
            model,
            input_size=(1, *SHAPE),
            col_names=("output_size", "num_params", "mult_adds"),
            depth=3,
            verbose=0,
        )
    )
    print(
        json.dumps(
            {
                "benchmark": "summary_resnet152",
                "input": "x".join(map(str, SHAPE)),
                "runs": RUNS,
                "threads": torch.get_num_threads(),
                "cnnlab_s": round(cnnlab_s, 4),
                "torchinfo_s": round(torchinfo_s, 4),
                "ratio": round(cnnlab_s / torchinfo_s, 4),
                "cnnlab_gmacs": round(ours.total_macs / 1e9, 2),
                "torchinfo_gmacs": round(theirs.total_mult_adds / 1e9, 2),
                "params": ours.total_params,
            }
        )
    )


if __name__ == "__main__":
    main()
