"""A whole training process: ``cnnlab train lenet5 --data mnist --pad 2 --epochs 1`` (SGD with
momentum, TensorBoard and plots on, as by default) against ``train_process_reference.py``, a
hand-written PyTorch/NumPy script doing the same work (read the IDX files, hold out
validation, pad, standardise, one epoch, validation and test accuracy, save the weights).

Each side runs as its own process, alternating, ``BENCH_REPEATS`` times (default 3); the
wall time and the peak resident memory (the child's ``ru_maxrss`` from ``os.wait4``) of
each are the medians. Prints one JSON line. Target: time <= 1.10x, memory <= 1.25x.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
HERE = Path(__file__).resolve().parent
DATA_DIR = os.environ.get("CNNLAB_DATA", str(HERE.parents[1] / "shared" / "datasets"))
CNNLAB = [
    sys.executable, "-m", "cnnlab", "train", "lenet5", "--data", "mnist", "--pad", "2",
    "--epochs", "1", "--optimizer", "momentum", "--lr", "0.01", "--batch-size", "64",
]  # fmt: skip
REFERENCE = [sys.executable, str(HERE / "train_process_reference.py"), DATA_DIR]


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run of ``command`` (which must succeed)."""
    env = {**os.environ, "CNNLAB_DATA": DATA_DIR}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}): {error[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kB


def main() -> None:
    runs: dict[str, list[tuple[float, float]]] = {"cnnlab": [], "reference": []}
    with tempfile.TemporaryDirectory() as out:
        for repeat in range(REPEATS):
            sides = ["cnnlab", "reference"] if repeat % 2 == 0 else ["reference", "cnnlab"]
            for side in sides:
                folder = str(Path(out) / f"{side}-{repeat}")
                command = [*CNNLAB, "--out", folder] if side == "cnnlab" else [*REFERENCE, folder]
                runs[side].append(measure(command))
    seconds = {side: statistics.median(s for s, _ in values) for side, values in runs.items()}
    memory = {side: statistics.median(m for _, m in values) for side, values in runs.items()}
    result = {
        "benchmark": "train_process",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, torch {version('torch')}",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "command": "cnnlab train lenet5 --data mnist --pad 2 --epochs 1 --optimizer momentum",
        "repeats": REPEATS,
        "seconds": {side: round(value, 2) for side, value in seconds.items()},
        "peak_mb": {side: round(value) for side, value in memory.items()},
        "all_seconds": {side: [round(s, 2) for s, _ in values] for side, values in runs.items()},
        "ratio_time": round(seconds["cnnlab"] / seconds["reference"], 3),
        "ratio_memory": round(memory["cnnlab"] / memory["reference"], 3),
    }
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
