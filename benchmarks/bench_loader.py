"""Images per second of an augmented epoch: cnnlab's in-memory loader (batch operations on
whole batches) against a torch DataLoader over a per-sample Pillow transform pipeline (the
usual torchvision-style path: PIL image, random flip / pad + crop / affine, to tensor,
normalise), on the same data, in one process.

* CIFAR-shaped: random uint8 50000x3x32x32, flip + 4-pixel pad and random crop.
* MNIST (../shared/datasets/mnist, training split): random affine (rotation 10 degrees,
  translation 0.1, scale 0.1, shear 5); cnnlab's elastic + affine is reported beside it.

The Pillow path runs over ``BENCH_REF_IMAGES`` images (default 10000) per case, with
``BENCH_WORKERS`` worker processes (default: one per CPU core); cnnlab runs whole epochs in
the main process on ``BENCH_THREADS`` torch threads (default: as many as the workers, so
both sides use the same cores; on a busy shared CPU, 1 thread can do better, since more
intra-op threads than free cores make every batch operation wait on the others).
Each side runs ``BENCH_REPEATS`` times (default 3), alternating, and its best rate counts,
so a burst of load from other processes on a shared machine does not decide the ratio.
Prints one JSON line with the rates and the ratios. Target: ratio >= 10 on a CPU.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import random
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from torch.utils.data import DataLoader

from cnnlab import data
from cnnlab.data.augment import parse_augment
from cnnlab.data.preprocess import fit_preprocess

BATCH = 128
REF_IMAGES = int(os.environ.get("BENCH_REF_IMAGES", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
THREADS = int(os.environ.get("BENCH_THREADS", str(WORKERS)))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
DATA_DIR = os.environ.get(
    "CNNLAB_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
)
AFFINE = dict(rot=10.0, translate=0.1, scale=0.1, shear=5.0)
AFFINE_SPEC = "affine:rot=10:translate=0.1:scale=0.1:shear=5"


class PillowDataset(torch.utils.data.Dataset):
    """One image at a time: uint8 array -> PIL -> random transforms -> normalised tensor."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform, mean, std):
        self.images, self.labels, self.transform = images, labels, transform
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        array = self.images[index]
        image = Image.fromarray(array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0))
        pixels = np.asarray(self.transform(image), dtype=np.uint8)
        tensor = torch.from_numpy(pixels.copy()).float().div_(255)
        tensor = tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1)
        return (tensor - self.mean) / self.std, int(self.labels[index])


def flip_pad_crop(image: Image.Image, pad: int = 4) -> Image.Image:
    """RandomHorizontalFlip + RandomCrop(32, padding=4), as torchvision does them on PIL."""
    if random.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    padded = ImageOps.expand(image, border=pad, fill=0)
    top, left = random.randint(0, 2 * pad), random.randint(0, 2 * pad)
    return padded.crop((left, top, left + image.width, top + image.height))


def random_affine(image: Image.Image) -> Image.Image:
    """RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5) on a PIL image:
    the inverse matrix about the centre, one Image.transform call."""
    width, height = image.size
    angle = math.radians(random.uniform(-AFFINE["rot"], AFFINE["rot"]))
    shear = math.radians(random.uniform(-AFFINE["shear"], AFFINE["shear"]))
    scale = random.uniform(1 - AFFINE["scale"], 1 + AFFINE["scale"])
    tx = random.uniform(-AFFINE["translate"], AFFINE["translate"]) * width
    ty = random.uniform(-AFFINE["translate"], AFFINE["translate"]) * height
    a, b = math.cos(angle) * scale, (math.sin(angle) + math.cos(angle) * math.tan(shear)) * scale
    c, d = -math.sin(angle) * scale, (math.cos(angle) - math.sin(angle) * math.tan(shear)) * scale
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    cx, cy = width / 2, height / 2
    ox = cx - ia * (cx + tx) - ib * (cy + ty)
    oy = cy - ic * (cx + tx) - id_ * (cy + ty)
    return image.transform(
        image.size, Image.Transform.AFFINE, (ia, ib, ox, ic, id_, oy), Image.Resampling.BILINEAR
    )


def rate_pillow(dataset: data.Dataset, transform) -> float:
    mean, std = dataset.channel_stats()
    count = min(REF_IMAGES, len(dataset))
    pillow = PillowDataset(
        dataset.images[:count].numpy(), dataset.labels[:count].numpy(), transform, mean, std
    )
    loader = DataLoader(
        pillow, batch_size=BATCH, shuffle=True, num_workers=WORKERS,
        persistent_workers=False, generator=torch.Generator().manual_seed(0),
    )  # fmt: skip
    started = time.perf_counter()
    seen = sum(len(y) for _, y in loader)
    return seen / (time.perf_counter() - started)


def rate_cnnlab(dataset: data.Dataset, spec: str) -> float:
    loader = data.InMemoryLoader(
        dataset, BATCH, preprocess=fit_preprocess("standardize", dataset), shuffle=True,
        seed=0, augment=parse_augment(spec),
    )  # fmt: skip
    loader.set_epoch(1)
    started = time.perf_counter()
    seen = sum(len(y) for _, y in loader)
    return seen / (time.perf_counter() - started)


def best_of(cnnlab, pillow) -> tuple[float, float]:
    """The best rate of each side over REPEATS alternating runs."""
    rates = [(cnnlab(), pillow()) for _ in range(REPEATS)]
    return max(r[0] for r in rates), max(r[1] for r in rates)


def main() -> None:
    random.seed(0)
    torch.set_num_threads(THREADS)
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (50_000, 3, 32, 32), dtype=torch.uint8, generator=generator)
    cifar = data.Dataset(
        "cifar-shaped", images, torch.randint(0, 10, (50_000,)), list("0123456789")
    )
    mnist = data.load("mnist", "train", data_dir=DATA_DIR)
    cifar_cnnlab, cifar_pillow = best_of(
        lambda: rate_cnnlab(cifar, "flip,crop:4"), lambda: rate_pillow(cifar, flip_pad_crop)
    )
    mnist_cnnlab, mnist_pillow = best_of(
        lambda: rate_cnnlab(mnist, AFFINE_SPEC), lambda: rate_pillow(mnist, random_affine)
    )
    elastic = max(rate_cnnlab(mnist, "elastic:alpha=34:sigma=4," + AFFINE_SPEC) for _ in range(2))
    result = {
        "benchmark": "loader",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, torch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "pillow_workers": WORKERS,
        "repeats": REPEATS,
        "cifar_flip_crop_cnnlab_img_s": round(cifar_cnnlab),
        "cifar_flip_crop_pillow_img_s": round(cifar_pillow),
        "cifar_ratio": round(cifar_cnnlab / cifar_pillow, 1),
        "mnist_affine_cnnlab_img_s": round(mnist_cnnlab),
        "mnist_affine_pillow_img_s": round(mnist_pillow),
        "mnist_ratio": round(mnist_cnnlab / mnist_pillow, 1),
        "mnist_elastic_affine_cnnlab_img_s": round(elastic),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
