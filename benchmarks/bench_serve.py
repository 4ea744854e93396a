"""Latency of one full web-lab analysis (top-5, every layer's feature maps, saliency and
Grad-CAM: ``POST /api/analyse?attribution=saliency,gradcam&layers=1``) through the real
server, against the bare forward pass of the same model in the same process.

The lab runs under uvicorn in a thread of this process on a free loopback port, as
``cnnlab serve`` runs it; an httpx client posts the same image ``BENCH_REQUESTS`` times
(default 50, after 3 warm-up requests), one at a time, each timed until its whole answer
has arrived. Two models: the shipped LeNet-5 (``cnnlab:lenet5-mnist``) with a 280x280
drawing, as the page sends its canvas, and ResNet-18 at 3x224x224 with 1000 classes and
random weights (a weights file with a run's metadata, written to a temporary folder)
with a 224x224 photograph-like image. ``BENCH_THREADS`` torch threads (default 2). The
reference is the median of ``model(prepare(x))`` under ``no_grad``. Besides the wall-clock
percentiles, the median CPU time of the whole process per request (server and client
together) is reported: on a machine busy with other work it moves far less than the wall
time does. Prints one JSON line.
Targets: LeNet-5 p95 < 100 ms, ResNet-18 p95 < 1 s.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import torch
from PIL import Image

from cnnlab import Run, models
from cnnlab.serve import create_app
from cnnlab.serve.server import serving_in_background
from cnnlab.train import TrainConfig
from cnnlab.weights.io import weight_tensors, write_weights_file

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WARM_UP = 3
QUERY = "/api/analyse?attribution=saliency,gradcam&layers=1"
TARGETS_MS = {"lenet5": 100, "resnet18_224": 1000}


def resnet18_file(folder: Path) -> Path:
    """ResNet-18 (He et al., 2016) with random weights as a weights file that opens as a
    run: 1000 classes, 3x224x224 images, ImageNet's mean and std."""
    model = models.create("resnet18", num_classes=1000)
    config = TrainConfig(model="resnet18", data="digits")
    meta = {
        "model": "resnet18",
        "model_args": {"num_classes": 1000},
        "classes": [f"class {i}" for i in range(1000)],
        "image_shape": [3, 224, 224],
        "preprocessing": {
            "normalisation": {
                "kind": "standardize",
                "mean": [0.485, 0.456, 0.406],
                "std": [0.229, 0.224, 0.225],
            }
        },
        "recipe": {k: v for k, v in dataclasses.asdict(config).items() if not k.startswith("_")},
        "border": 120.0,  # photographs: no plain background, so no polarity inversion
    }
    path = folder / "resnet18-random.safetensors"
    write_weights_file(weight_tensors(model), path, meta)
    return path


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def drawing() -> bytes:
    """A "7" drawn on the page's 280x280 canvas: dark strokes on white."""
    canvas = np.full((280, 280), 255, np.uint8)
    canvas[50:70, 60:220] = 0
    for row in range(70, 240):
        column = 200 - (row - 70) * 80 // 170
        canvas[row, column - 10 : column + 10] = 0
    return png(canvas)


def photograph() -> bytes:
    """A 224x224 colour image with smooth gradients and a few shapes."""
    y, x = np.mgrid[0:224, 0:224] / 224
    image = np.stack([x, y, 1 - (x + y) / 2], axis=-1)
    image[60:160, 40:120] = (0.9, 0.2, 0.1)
    image[(y - 0.6) ** 2 + (x - 0.7) ** 2 < 0.02] = (0.1, 0.6, 0.2)
    return png((image * 255).astype(np.uint8))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(run: Run, image: bytes) -> dict:
    latencies, cpu, size = [], [], 0
    with (
        serving_in_background(create_app(run)) as address,
        httpx.Client(base_url=address, timeout=120) as client,
    ):
        files = {"image": ("image.png", image, "image/png")}
        for i in range(WARM_UP + REQUESTS):
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = client.post(QUERY, files=files)
            elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
            answer.raise_for_status()
            size = len(answer.content)
            if i >= WARM_UP:
                latencies.append(elapsed * 1000)
                cpu.append(used * 1000)
    channels, height, width = run.image_shape
    pixels = torch.randint(0, 256, (1, channels, height, width), dtype=torch.uint8)
    forwards = []
    with torch.no_grad():
        for i in range(WARM_UP + REQUESTS):
            start = time.perf_counter()
            run.model(run.prepare(pixels))
            if i >= WARM_UP:
                forwards.append((time.perf_counter() - start) * 1000)
    p95 = percentile(latencies, 0.95)
    forward = statistics.median(forwards)
    return {
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(p95, 1),
        "cpu_ms_median": round(statistics.median(cpu), 1),
        "forward_ms": round(forward, 2),
        "ratio_p95_to_forward": round(p95 / forward, 1),
        "answer_kib": round(size / 1024),
    }


def main() -> None:
    torch.set_num_threads(THREADS)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        runs = {
            "lenet5": (Run.open("cnnlab:lenet5-mnist"), drawing()),
            "resnet18_224": (Run.open(resnet18_file(Path(folder))), photograph()),
        }
        for name, (run, image) in runs.items():
            results[name] = measure(run, image)
            results[name]["target_p95_ms"] = TARGETS_MS[name]
    line = {
        "benchmark": "serve_analysis",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "torch": torch.__version__,
        "threads": THREADS,
        "requests": REQUESTS,
        **results,
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
