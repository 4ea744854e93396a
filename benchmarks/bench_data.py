"""Speed of cnnlab.data's readers against the plain way, in one process.

Prints one JSON line:
- ``idx_vs_whole_read``: :func:`cnnlab.data.idx.read_idx` (header checked first, gzip read in
  bounded chunks) on MNIST's training images, against ``gzip.open().read()`` and
  ``np.frombuffer`` (no checks); needs ``--data-dir`` (or ``CNNLAB_DATA``) holding mnist/.
- ``folder_workers_vs_one_process``: decoding a generated folder of 2,000 32x32 PNGs into
  memory with DataLoader worker processes, against decoding in the main process.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from cnnlab.data import default_data_dir
from cnnlab.data.folder import decode_folder, scan_class_folder
from cnnlab.data.idx import read_idx


def best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_idx(data_dir: Path) -> dict:
    path = data_dir / "mnist" / "train-images-idx3-ubyte.gz"

    def whole_read() -> np.ndarray:
        with gzip.open(path, "rb") as handle:
            return np.frombuffer(handle.read(), np.uint8, offset=16).reshape(-1, 28, 28)

    ours, ref = best_of(lambda: read_idx(path)), best_of(whole_read)
    return {
        "ms": round(ours * 1e3, 1),
        "reference_ms": round(ref * 1e3, 1),
        "ratio": round(ours / ref, 3),
    }


def bench_folder(count: int = 2000) -> dict:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            folder = Path(tmp) / f"c{i % 10}"
            folder.mkdir(exist_ok=True)
            buffer = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buffer, "PNG")
            (folder / f"{i}.png").write_bytes(buffer.getvalue())
        scanned = scan_class_folder(tmp)

        workers = min(4, os.cpu_count() or 1)
        ours = best_of(lambda: decode_folder(scanned, num_workers=workers))
        ref = best_of(lambda: decode_folder(scanned, num_workers=0))
    return {
        "images": count,
        "workers": workers,
        "images_per_s": round(count / ours),
        "ratio": round(ours / ref, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or default_data_dir()
    results = {"benchmark": "data", "cpus": os.cpu_count()}
    if (data_dir / "mnist").is_dir():
        results["idx_vs_whole_read"] = bench_idx(data_dir)
    results["folder_workers_vs_one_process"] = bench_folder()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
