"""A class-score map in one pass of the convolutionized network against sliding the original
network over the image window by window.

LeNet-5 (random weights; speed does not depend on them) at its 32x32 training size on a
larger image, windows 4 pixels apart. Prints one JSON line: each way's best time of a few
runs, how many times faster the one pass is than the loop (and than the windows cropped
and run in batches of 256), and the largest difference between the maps.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from datetime import date

import torch

from cnnlab.localise import class_map, sliding_scores
from cnnlab.models import create

SIDES = (96, 160)  # image sides: 17x17 and 33x33 windows
BATCH = 256  # cropped windows per forward pass, for the batched reference


def best_seconds(fn: Callable[[], torch.Tensor], repeats: int = 3) -> tuple[float, torch.Tensor]:
    result = fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def batched_windows(model: torch.nn.Module, image: torch.Tensor, stride: int) -> torch.Tensor:
    crops = image.unfold(2, 32, stride).unfold(3, 32, stride)  # (1, 1, rows, columns, 32, 32)
    rows, columns = crops.shape[2:4]
    flat = crops.permute(0, 2, 3, 1, 4, 5).reshape(-1, 1, 32, 32)
    with torch.no_grad():
        scores = torch.cat([model(chunk) for chunk in flat.split(BATCH)])
    return scores.T.reshape(-1, rows, columns)


def run_case(model: torch.nn.Module, side: int) -> dict:
    image = torch.rand(1, 1, side, side, generator=torch.Generator().manual_seed(0))
    one_pass, dense = best_seconds(lambda: class_map(model, (1, 32, 32), image).scores)
    loop, slid = best_seconds(lambda: sliding_scores(model, image, (32, 32), 4))
    batched, windows = best_seconds(lambda: batched_windows(model, image, 4))
    return {
        "windows": f"{dense.shape[1]}x{dense.shape[2]}",
        "one_pass_s": round(one_pass, 4),
        "loop_s": round(loop, 4),
        "batched_s": round(batched, 4),
        "speedup_vs_loop": round(loop / one_pass, 1),
        "speedup_vs_batched": round(batched / one_pass, 2),
        "max_abs_diff": float(max((dense - slid).abs().max(), (dense - windows).abs().max())),
    }


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = create("lenet5", num_classes=10).eval()
    results = {f"lenet5_{side}x{side}": run_case(model, side) for side in SIDES}
    print(
        json.dumps(
            {
                "benchmark": "classmap",
                "date": date.today().isoformat(),
                "machine": f"{platform.machine()}, torch {torch.__version__}",
                "threads": 1,
                **results,
            }
        )
    )


if __name__ == "__main__":
    main()
