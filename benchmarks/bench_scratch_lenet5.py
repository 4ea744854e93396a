"""One training epoch of LeNet-5 in cnnlab's NumPy engine against PyTorch's CPU kernels.

The same network (``cnnlab.scratch.lenet5`` is ``models.create("lenet5")`` weight for
weight), the same digits training images (1,293 at 32x32 after the 10% validation split),
batch 32, Adam at 1e-3, in one process. PyTorch runs in float32 (its usual CPU path) and
in float64 (the engine's precision). Prints one JSON line: seconds per epoch (best of
``REPEATS``) and the ratios to PyTorch (above 1: the engine is slower).
"""

from __future__ import annotations

import json
import platform
import time
from datetime import date

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab import data, models
from cnnlab.scratch import fit, lenet5

REPEATS = 2
BATCH = 32


def scratch_epoch(x: np.ndarray, y: np.ndarray) -> float:
    history = fit(lenet5(1, 32, 10, seed=0), (x, y), (x[:1], y[:1]), optimizer="adam",
                  lr=1e-3, epochs=1, batch_size=BATCH)  # fmt: skip
    return history[0].seconds


def torch_epoch(x: np.ndarray, y: np.ndarray, dtype: torch.dtype) -> float:
    torch.manual_seed(0)
    model = models.create("lenet5").to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images, labels = torch.from_numpy(x).to(dtype), torch.from_numpy(y)
    order = torch.randperm(len(images))
    start = time.perf_counter()
    for i in range(0, len(images), BATCH):
        batch = order[i : i + BATCH]
        optimizer.zero_grad()
        F.cross_entropy(model(images[batch]), labels[batch]).backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    train = data.load("digits", "train", seed=0, val_split=0.1)
    x, y = train.images.numpy() / 255.0, train.labels.numpy()
    scratch = min(scratch_epoch(x, y) for _ in range(REPEATS))
    float32 = min(torch_epoch(x, y, torch.float32) for _ in range(REPEATS))
    float64 = min(torch_epoch(x, y, torch.float64) for _ in range(REPEATS))
    print(
        json.dumps(
            {
                "benchmark": "scratch_lenet5_epoch",
                "date": date.today().isoformat(),
                "machine": f"{platform.machine()} {torch.get_num_threads()} torch threads",
                "images": len(x),
                "batch": BATCH,
                "scratch_s": round(scratch, 3),
                "torch_float32_s": round(float32, 3),
                "torch_float64_s": round(float64, 3),
                "ratio_vs_float32": round(scratch / float32, 2),
                "ratio_vs_float64": round(scratch / float64, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
