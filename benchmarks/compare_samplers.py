"""TPE against random search on the same budget, over several seeds (a study, not a speed
benchmark: about 2 minutes per study on a quiet 2-core machine, so `make bench` leaves it
out; run it by hand).

For each seed, two studies of ``--trials`` LeNet-5 trials on the digits
(recipes/spaces/lenet5-digits.toml with its ``seed`` set: the sampler's seed and the
trials' training seed and validation split), one per sampler, each with ``--workers``
processes. Prints one JSON line per study (best validation accuracy, the mean of the
five best, the best trial's test accuracy on the 360 held-out digits, wall and CPU
seconds) and a last line comparing the samplers' means.
``--val-split F`` holds out that fraction of the training split for validation instead of
the recipe's 10% (144 images, where one image is 0.7 points), so that the score can tell
two configurations apart at the same cost per trial.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import statistics
import time
from datetime import date
from pathlib import Path

from cnnlab.experiments.tune import tune
from cnnlab.train.run import Run

SPACE = Path(__file__).resolve().parent.parent / "recipes" / "spaces" / "lenet5-digits.toml"
SAMPLERS = ("random", "tpe")


def space_with_seed(seed: int, folder: Path, val_split: float | None) -> Path:
    fixed = f"seed = {seed}" + ("" if val_split is None else f"\nval_split = {val_split}")
    text, count = re.subn(r"(?m)^seed = \d+$", fixed, SPACE.read_text())
    if count != 1:
        raise SystemExit(f"{SPACE}: expected one 'seed = N' line, found {count}")
    path = folder / f"space-seed{seed}.toml"
    path.write_text(text)
    return path


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_study(
    sampler: str, seed: int, trials: int, workers: int, out: Path, val_split: float | None
) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    space = space_with_seed(seed, out.parent, val_split)
    cpu_before, start = children_cpu_seconds(), time.perf_counter()
    study = out / f"{sampler}-seed{seed}"
    result = tune(space, trials, study, sampler=sampler, workers=workers)
    wall = time.perf_counter() - start
    best_run = Run.open(study / f"trial-{result.best_trial:04d}")
    values = sorted((row.value for row in result.rows if row.value is not None), reverse=True)
    return {
        "study": "tune_samplers",
        "sampler": sampler,
        "seed": seed,
        "trials": result.completed,
        "workers": workers,
        "val_split": 0.1 if val_split is None else val_split,
        "best_val_accuracy": round(result.best_value, 5),
        "top5_mean_val_accuracy": round(statistics.fmean(values[:5]), 5),
        "best_trial_test_accuracy": round(best_run.results()["accuracy"], 5),
        "best_params": result.best_params,
        "wall_s": round(wall, 1),
        "cpu_s": round(children_cpu_seconds() - cpu_before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("runs/compare-samplers"))
    parser.add_argument("--val-split", type=float, default=None)
    args = parser.parse_args()
    lines = []
    for seed in range(args.seeds):
        for sampler in SAMPLERS:
            study = run_study(sampler, seed, args.trials, args.workers, args.out, args.val_split)
            lines.append(study)
            print(json.dumps(lines[-1]), flush=True)
    summary = {"study": "tune_samplers_summary", "date": date.today().isoformat()}
    summary["machine"] = f"{platform.machine()}, {platform.processor() or 'cpu'}"
    print(json.dumps(summary | summarise(lines)), flush=True)


def summarise(lines: list[dict]) -> dict:
    """Each sampler's mean and spread over the seeds of the best and of the top-5 mean
    validation accuracy and of the best trial's test accuracy, and on how many seeds TPE's
    figure beats random search's."""
    figures = {}
    for key in ("best_val_accuracy", "top5_mean_val_accuracy", "best_trial_test_accuracy"):
        values = {
            name: [line[key] for line in lines if line["sampler"] == name] for name in SAMPLERS
        }
        for name, column in values.items():
            spread = statistics.stdev(column) if len(column) > 1 else 0.0
            figures[f"{name}_{key}"] = {
                "mean": round(statistics.fmean(column), 5),
                "sd": round(spread, 5),
            }
        pairs = list(zip(values["tpe"], values["random"], strict=True))
        figures[f"tpe_wins_{key}"] = sum(t > r for t, r in pairs)
        figures[f"ties_{key}"] = sum(t == r for t, r in pairs)
    return figures


if __name__ == "__main__":
    main()
