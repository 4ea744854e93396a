"""The reference for ``bench_train_process.py``: what ``cnnlab train lenet5 --data mnist --pad 2
--epochs 1 --optimizer momentum`` does, written by hand with plain PyTorch and NumPy.

Reads MNIST's four IDX files, holds out a stratified 10% of the training images for
validation, pads 28x28 to 32x32 as LeCun et al. (1998) did, standardises with the training
split's mean and standard deviation, trains LeNet-5 (the ReLU/max-pooling table, 61,706
parameters) for one epoch of SGD with momentum 0.9 at lr 0.01 in batches of 64, measures
validation and test accuracy and saves the weights. The splits are held as float32 tensors,
standardised once, as the PyTorch tutorials do.

Usage: ``python train_process_reference.py DATA_DIR OUT_DIR``; prints the two accuracies.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BATCH, LR, MOMENTUM, VAL_SHARE, SEED = 64, 0.01, 0.9, 0.1, 0


def read_idx(path: Path) -> np.ndarray:
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def stratified_split(labels: np.ndarray, share: float, rng: np.random.Generator):
    held = []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        held.append(members[: round(share * len(members))])
    held = np.sort(np.concatenate(held))
    keep = np.setdiff1d(np.arange(len(labels)), held)
    return keep, held


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    correct = sum(
        int((model(x[i : i + BATCH]).argmax(1) == y[i : i + BATCH]).sum())
        for i in range(0, len(y), BATCH)
    )
    return correct / len(y)


def main(data_dir: Path, out: Path) -> None:
    torch.manual_seed(SEED)
    folder = data_dir / "mnist"
    train_x, train_y, test_x, test_y = (
        read_idx(folder / f"{name}-ubyte.gz")
        for name in (
            "train-images-idx3",
            "train-labels-idx1",
            "t10k-images-idx3",
            "t10k-labels-idx1",
        )
    )
    keep, held = stratified_split(train_y, VAL_SHARE, np.random.default_rng(SEED))
    padded = [np.pad(x, ((0, 0), (2, 2), (2, 2))) for x in (train_x[keep], train_x[held], test_x)]
    mean, std = padded[0].mean() / 255, padded[0].std() / 255
    xs = [((torch.from_numpy(x).float() / 255 - mean) / std).unsqueeze(1) for x in padded]
    ys = [torch.from_numpy(y.astype(np.int64)) for y in (train_y[keep], train_y[held], test_y)]
    (x, x_val, x_test), (y, y_val, y_test) = xs, ys

    model = lenet5()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    model.train()
    order = torch.randperm(len(y))
    for start in range(0, len(y), BATCH):
        index = order[start : start + BATCH]
        loss = F.cross_entropy(model(x[index]), y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    val, test = accuracy(model, x_val, y_val), accuracy(model, x_test, y_test)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "lenet5.pt")
    print(f"val accuracy {val:.4f}  test accuracy {test:.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
