"""Training-step time of ResNet-110 with stochastic depth (p_L = 0.5) over plain ResNet-110.

Huang et al. report that stochastic depth shortens training because a dropped
block's branch is never computed: with linear decay to 0.5 the expected share of
block work is the mean survival probability, about 0.75. Both networks train on the
same random CIFAR-shaped batches in this process, interleaved, and the script
prints the ratio of their median step times beside that expected share.
"""

from __future__ import annotations

import json
import statistics
import time

import torch
import torch.nn.functional as F

from cnnlab import models
from cnnlab.nn.stochastic_depth import linear_survival_probabilities

BATCH = 32  # CIFAR-shaped images per step
STEPS = 8  # timed steps per network, after 2 warm-up steps


def step_time(model: torch.nn.Module, opt: torch.optim.Optimizer, x, y) -> float:
    start = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()
    return time.perf_counter() - start


def main() -> None:
    torch.manual_seed(0)
    names = ("resnet110", "resnet110_stochastic_depth")
    nets = {name: models.create(name).train() for name in names}
    opts = {name: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for name, m in nets.items()}
    x, y = torch.randn(BATCH, 3, 32, 32), torch.randint(0, 10, (BATCH,))
    times = {name: [] for name in nets}
    for i in range(STEPS + 2):
        for name, model in nets.items():
            elapsed = step_time(model, opts[name], x, y)
            if i >= 2:
                times[name].append(elapsed)
    full, sd = (statistics.median(times[n]) for n in nets)
    expected = statistics.mean(linear_survival_probabilities(54, 0.5))
    print(
        json.dumps(
            {
                "bench": "stochastic_depth_train_step",
                "device": "cpu",
                "threads": torch.get_num_threads(),
                "batch": BATCH,
                "resnet110_s": round(full, 4),
                "resnet110_stochastic_depth_s": round(sd, 4),
                "ratio": round(sd / full, 3),
                "expected_block_share": round(expected, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
