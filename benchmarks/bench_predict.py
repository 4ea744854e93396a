"""Images per second of ``cnnlab predict`` over a folder of 10,000 MNIST test PNG files
against a plain loop over the same files: Pillow opens each, the pixels go through the
same padding and normalisation, and the model classifies it, one image at a time.

cnnlab decodes and fits the files in DataLoader worker processes (``BENCH_WORKERS``,
default: cnnlab's own choice, 2 on 2 cores) and classifies batches of 256. Both sides use
the shipped LeNet-5 (``cnnlab:lenet5-mnist``) with ``BENCH_THREADS`` torch threads (default
1); each runs ``BENCH_REPEATS`` times (default 3), alternating, and its best rate counts.
The top-1 classes of the two must agree on every file. Prints one JSON line. Target:
ratio >= 1.5.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from cnnlab import Run
from cnnlab.predict import predict_files

IMAGES = int(os.environ.get("BENCH_IMAGES", "10000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
WORKERS = os.environ.get("BENCH_WORKERS")
MODEL = os.environ.get("BENCH_MODEL", "cnnlab:lenet5-mnist")  # or a run folder of LeNet-5
DATA_DIR = os.environ.get(
    "CNNLAB_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
)


def write_pngs(run: Run, folder: Path) -> list[Path]:
    """The first IMAGES MNIST test images as 28x28 grey PNG files, unpadded as published."""
    images = run.dataset("test").images[:IMAGES, 0, 2:-2, 2:-2].numpy()  # the run pads by 2
    paths = [folder / f"{i:05d}.png" for i in range(len(images))]
    for path, image in zip(paths, images, strict=True):
        Image.fromarray(image).save(path)
    return paths


@torch.no_grad()
def plain_loop(run: Run, paths: list[Path]) -> list[int]:
    """What a learner writes: open, to tensor, pad to 32x32, normalise, classify."""
    mean, std = run.preprocess.mean[0], run.preprocess.std[0]
    classes = []
    for path in paths:
        with Image.open(path) as image:
            pixels = torch.from_numpy(np.asarray(image.convert("L"), dtype=np.float32))
        x = F.pad(pixels / 255, [2, 2, 2, 2]).view(1, 1, 32, 32)
        classes.append(int(run.model((x - mean) / std).argmax(1)))
    return classes


def cnnlab_predict(run: Run, folder: Path) -> list[int]:
    workers = int(WORKERS) if WORKERS else None
    rows = predict_files(run, [folder], top=1, invert="no", workers=workers).rows
    return [run.classes.index(row.top[0][0]) for row in rows]


def main() -> None:
    torch.set_num_threads(THREADS)
    os.environ["CNNLAB_DATA"] = DATA_DIR
    run = Run.open(MODEL)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_pngs(run, Path(tmp))
        best = {"cnnlab": 0.0, "plain": 0.0}
        found = {}
        for _ in range(REPEATS):
            for name, call in (("cnnlab", lambda: cnnlab_predict(run, Path(tmp))),
                               ("plain", lambda: plain_loop(run, paths))):  # fmt: skip
                start = time.perf_counter()
                found[name] = call()
                best[name] = max(best[name], len(paths) / (time.perf_counter() - start))
    agree = float(np.mean(np.array(found["cnnlab"]) == np.array(found["plain"])))
    print(
        json.dumps(
            {
                "benchmark": "predict_folder",
                "date": datetime.datetime.now().isoformat(timespec="seconds"),
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "torch": torch.__version__,
                "model": MODEL,
                "images": len(paths),
                "threads": THREADS,
                "workers": WORKERS or "default",
                "repeats": REPEATS,
                "cnnlab_img_s": round(best["cnnlab"]),
                "plain_loop_img_s": round(best["plain"]),
                "ratio": round(best["cnnlab"] / best["plain"], 2),
                "top1_agreement": agree,
            }
        )
    )


if __name__ == "__main__":
    main()
