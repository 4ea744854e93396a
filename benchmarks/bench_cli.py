"""Start-up of the command line: ``cnnlab --help`` and ``cnnlab models`` as processes,
against ``python -c "import torch"`` timed in the same run.

Each of the three is started ``REPEATS`` times, interleaved so that a busy moment of a
shared machine falls on all of them alike; the JSON line gives each median wall time and
the ratios to importing torch (targets: ``--help`` <= 0.5, since it imports no torch at
all; ``models`` <= 1.3, since it reads each model's MACs from the registry).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

REPEATS = 9
SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS = {
    "import_torch": [sys.executable, "-c", "import torch"],
    "cnnlab_help": [sys.executable, "-m", "cnnlab", "--help"],
    "cnnlab_models": [sys.executable, "-m", "cnnlab", "models"],
}


def wall_seconds(command: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    for command in COMMANDS.values():
        wall_seconds(command)  # warm the file cache and the bytecode cache
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(REPEATS):
        for name, command in COMMANDS.items():
            times[name].append(wall_seconds(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    torch_s = medians["import_torch"]
    print(
        json.dumps(
            {
                "benchmark": "cli_startup",
                "date": date.today().isoformat(),
                "machine": f"{platform.machine()} {os.cpu_count()} cores, torch {version('torch')}",
                "repeats": REPEATS,
                "seconds": {name: round(value, 3) for name, value in medians.items()},
                "ratio_help_vs_import_torch": round(medians["cnnlab_help"] / torch_s, 3),
                "ratio_models_vs_import_torch": round(medians["cnnlab_models"] / torch_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
