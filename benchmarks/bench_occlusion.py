"""cnnlab's occlusion map against captum's Occlusion, on the same model and image.

Both compute the mean drop of the class probability over the positions of a grey square
covering each pixel, evaluating the occluded copies in batches of the same size. Prints
one JSON line: per case, each library's best time of a few runs, the ratio (cnnlab's time
over captum's; below 1 is faster) and the largest difference between the two maps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import torch
from captum.attr import Occlusion

from cnnlab.models import create
from cnnlab.viz.attribution import occlusion_map

CASES = {  # model, input shape, square size, stride
    "lenet5_32x32": ("lenet5", (1, 32, 32), 6, 2),
    "resnet18_64x64": ("resnet18", (3, 64, 64), 16, 4),
}
BATCH = 64  # occluded copies per forward pass, for both libraries


def best_seconds(fn: Callable[[], torch.Tensor], repeats: int) -> tuple[float, torch.Tensor]:
    result = fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_case(name: str, shape: tuple[int, int, int], size: int, stride: int) -> dict:
    torch.manual_seed(0)
    model = create(name, num_classes=10, in_channels=shape[0]).eval()
    image = torch.rand(1, *shape)
    target = int(model(image).argmax())
    ours, our_map = best_seconds(
        lambda: occlusion_map(
            model, image, target, size=size, stride=stride, fill=0.5, batch_size=BATCH
        ),
        repeats=3,
    )
    occlusion = Occlusion(lambda x: model(x).softmax(dim=1))
    theirs, their_map = best_seconds(
        lambda: occlusion.attribute(
            image,
            sliding_window_shapes=(shape[0], size, size),
            strides=(shape[0], stride, stride),
            baselines=0.5,
            target=target,
            perturbations_per_eval=BATCH,
        ),
        repeats=3,
    )
    return {
        "cnnlab_s": round(ours, 4),
        "captum_s": round(theirs, 4),
        "ratio": round(ours / theirs, 3),
        "max_abs_diff": float((our_map[:, None] - their_map).abs().max()),
        "map_max": float(their_map.abs().max()),  # the size of what is compared
    }


def main() -> None:
    torch.set_num_threads(1)
    with torch.no_grad():
        results = {case: run_case(*spec) for case, spec in CASES.items()}
    print(json.dumps({"benchmark": "occlusion", "threads": 1, "batch": BATCH, **results}))


if __name__ == "__main__":
    main()
