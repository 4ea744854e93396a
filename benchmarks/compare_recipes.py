"""Two or more recipes judged by k-fold cross-validation over several seeds (a study, not a
speed benchmark; `make bench` leaves it out).

A recipe's validation accuracy on one small hold-out split is a noisy figure (on the digits'
144 validation images one image is 0.7 points), so each recipe is trained K times per
seed, each time validated on another of K folds of the training split, and judged by the
mean of the last epochs' validation accuracies over all folds and seeds. Prints one JSON
line per recipe and seed and a summary line.

    python benchmarks/compare_recipes.py recipes/lenet5-digits.toml studies/lenet5/best.toml
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from cnnlab.train import TrainConfig, fit
from cnnlab.train.config import load_recipe
from cnnlab.train.run import Run


def fold_accuracies(recipe: Path, seed: int, folds: int, root: Path) -> list[float]:
    values = load_recipe(recipe)
    accuracies = []
    for fold in range(folds):
        out = root / f"{recipe.stem}-seed{seed}-fold{fold}"
        fields = {**values, "seed": seed, "folds": folds, "fold": fold, "out": str(out)}
        fit(TrainConfig.from_dict({**fields, "tensorboard": False}))
        accuracies.append(float(Run.open(out).metrics()[-1]["val_accuracy"]))
    return accuracies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    means: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="cnnlab-compare-") as root:
        for seed in range(args.seeds):
            for recipe in args.recipes:
                start = time.perf_counter()
                accuracies = fold_accuracies(recipe, seed, args.folds, Path(root))
                mean = statistics.fmean(accuracies)
                means.setdefault(str(recipe), []).append(mean)
                line = {"study": "compare_recipes", "recipe": str(recipe), "seed": seed}
                line |= {"folds": args.folds, "val_accuracy_per_fold": accuracies}
                line |= {"mean_val_accuracy": round(mean, 5)}
                line |= {"seconds": round(time.perf_counter() - start, 1)}
                print(json.dumps(line), flush=True)
    summary = {"study": "compare_recipes_summary", "date": date.today().isoformat()}
    summary |= {"seeds": args.seeds, "folds": args.folds}
    summary["mean_val_accuracy"] = {
        recipe: round(statistics.fmean(values), 5) for recipe, values in means.items()
    }
    summary["spread_over_seeds"] = {
        recipe: round(statistics.stdev(values), 5) if len(values) > 1 else 0.0
        for recipe, values in means.items()
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
