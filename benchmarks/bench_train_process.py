"""A whole training process: ``cnnlab train lenet5 --data mnist --pad 2 --epochs 1`` (SGD with
momentum, TensorBoard and plots on, as by default) against ``train_process_reference.py``, a
hand-written PyTorch/NumPy script doing the same work (read the IDX files, hold out
validation, pad, standardise, one epoch, validation and test accuracy, save the weights).

Each side runs as its own process, alternating, ``BENCH_REPEATS`` times (default 3); the
wall time, the CPU time (user + system, less disturbed than wall time by other work on a
shared machine) and the peak resident memory (``ru_maxrss``), all from the child's own
``os.wait4`` usage, are the medians. Prints one JSON line. Target: time <= 1.10x, memory
<= 1.25x.

cnnlab's modules are compiled to bytecode first, as an installed package's are, so no run
pays for compiling them (``PYTHONDONTWRITEBYTECODE`` would otherwise make every run do it).
"""

from __future__ import annotations

import importlib.util
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


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MB of one run of ``command`` (which must
    succeed)."""
    env = {**os.environ, "CNNLAB_DATA": DATA_DIR}
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(command)} failed ({child.returncode}): {message}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kB


def compile_cnnlab() -> None:
    """Byte-compile the cnnlab package the children import (found without importing it)."""
    package = Path(importlib.util.find_spec("cnnlab").origin).parent
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=True)


def main() -> None:
    compile_cnnlab()
    runs: dict[str, list[tuple[float, float, float]]] = {"cnnlab": [], "reference": []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as out:
        for repeat in range(REPEATS):
            sides = ["cnnlab", "reference"] if repeat % 2 == 0 else ["reference", "cnnlab"]
            for side in sides:
                folder = str(Path(out) / f"{side}-{repeat}")
                command = [*CNNLAB, "--out", folder] if side == "cnnlab" else [*REFERENCE, folder]
                runs[side].append(measure(command))
    seconds, cpu, memory = (
        {side: statistics.median(run[i] for run in values) for side, values in runs.items()}
        for i in range(3)
    )
    result = {
        "benchmark": "train_process",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, torch {version('torch')}",
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # start, end
        "command": "cnnlab train lenet5 --data mnist --pad 2 --epochs 1 --optimizer momentum",
        "repeats": REPEATS,
        "seconds": {side: round(value, 2) for side, value in seconds.items()},
        "peak_mb": {side: round(value) for side, value in memory.items()},
        "cpu_seconds": {side: round(value, 2) for side, value in cpu.items()},
        "all_seconds": {side: [round(r[0], 2) for r in values] for side, values in runs.items()},
        "ratio_time": round(seconds["cnnlab"] / seconds["reference"], 3),
        "ratio_cpu_time": round(cpu["cnnlab"] / cpu["reference"], 3),
        "ratio_memory": round(memory["cnnlab"] / memory["reference"], 3),
    }
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
