"""cnnlab's FGSM and PGD against torchattacks' on the same model and images.

Both attack the shipped LeNet-5 (``cnnlab:lenet5-mnist``, through its real preprocessing
on 0..1 pixels) on the first 1,000 MNIST test images in one batch: FGSM at eps 0.3, and
L-inf PGD at eps 0.3 from a fixed start (the image itself) with 10 steps of 0.03 and
cross-entropy loss, the same for both. Prints one JSON line: each library's success rate
(the share of images whose prediction the attack moves off the label; the two must agree
within 0.5 points), its best time of a few interleaved runs, and the ratio (cnnlab's time
over torchattacks'; target at most 0.8).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torchattacks

from cnnlab.attack import Attack, attack
from cnnlab.train.run import Run

DATA_DIR = os.environ.get(
    "CNNLAB_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
)
IMAGES = 1000
EPS = 0.3
STEPS = 10
STEP_SIZE = 0.03
REPEATS = 3


def timed(fn: Callable[[], torch.Tensor]) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@torch.no_grad()
def success_rate(model: torch.nn.Module, adversarial: torch.Tensor, labels: torch.Tensor) -> float:
    return (model(adversarial).argmax(1) != labels).float().mean().item()


def main() -> None:
    os.environ["CNNLAB_DATA"] = DATA_DIR
    torch.set_num_threads(2)
    run = Run.open("cnnlab:lenet5-mnist")
    test = run.dataset("test")
    images, labels = run.view(test.images[:IMAGES]), test.labels[:IMAGES]
    model = run.pixel_model().eval()
    cases = {
        "fgsm": (
            Attack("fgsm", "linf", EPS),
            torchattacks.FGSM(model, eps=EPS),
        ),
        "pgd": (
            Attack("pgd", "linf", EPS, STEPS, STEP_SIZE, random_start=False),
            torchattacks.PGD(model, eps=EPS, alpha=STEP_SIZE, steps=STEPS, random_start=False),
        ),
    }
    record: dict = {
        "benchmark": "attack",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, torch {torch.__version__}",
        "torchattacks": torchattacks.__version__,
        "model": "cnnlab:lenet5-mnist",
        "images": IMAGES,
        "eps": EPS,
        "pgd_spec": f"{STEPS} steps of {STEP_SIZE}, fixed start, cross-entropy",
        "threads": torch.get_num_threads(),
        "repeats": REPEATS,
    }
    for name, (ours, theirs) in cases.items():
        times: dict[str, list[float]] = {"cnnlab": [], "torchattacks": []}
        for _ in range(REPEATS + 1):  # the first round warms up and is not counted
            ours_s, our_images = timed(
                lambda ours=ours: attack(model, images, labels, ours, batch_size=IMAGES)
            )
            theirs_s, their_images = timed(lambda theirs=theirs: theirs(images, labels))
            times["cnnlab"].append(ours_s)
            times["torchattacks"].append(theirs_s)
        cnnlab_s, theirs_s = min(times["cnnlab"][1:]), min(times["torchattacks"][1:])
        ours_rate = success_rate(model, our_images, labels)
        their_rate = success_rate(model, their_images, labels)
        record[name] = {
            "cnnlab_success": round(ours_rate, 4),
            "torchattacks_success": round(their_rate, 4),
            "success_difference_points": round(100 * abs(ours_rate - their_rate), 2),
            "cnnlab_s": round(cnnlab_s, 4),
            "torchattacks_s": round(theirs_s, 4),
            "ratio": round(cnnlab_s / theirs_s, 3),
        }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
