"""One epoch of LeNet-5 on MNIST (padded 28->32 as LeCun did), batch 128, on the CPU:
cnnlab's Trainer against a minimal hand-written PyTorch loop over the same in-memory
tensors and, if installed (the `bench` extra), PyTorch Lightning on the same model and
batches. Runs alternate within one process; the median of each is reported.

Prints one JSON line. Target: cnnlab / hand-written <= 1.05; Lightning slower than cnnlab.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from cnnlab import models
from cnnlab.train import TrainConfig, Trainer

REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
DATA_DIR = os.environ.get(
    "CNNLAB_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
)


def make_trainer(out: str) -> Trainer:
    config = TrainConfig(
        model="lenet5", data="mnist", data_dir=DATA_DIR, pad=2, batch_size=128, epochs=1,
        optimizer="momentum", lr=0.01, tensorboard=False, out=out,
    )  # fmt: skip
    return Trainer(config)


def time_cnnlab(trainer: Trainer) -> float:
    trainer.epoch, trainer.batch = 0, 0
    with trainer.progress() as bar:
        task = bar.add_task("", total=len(trainer.loaders["train"]), stats="")
        started = time.perf_counter()
        trainer.train_one_epoch(bar, task)
        return time.perf_counter() - started


def time_hand(trainer: Trainer) -> float:
    """The loop a person writes by hand: shuffle, slice, normalise, forward, backward, step."""
    loader = trainer.loaders["train"].loader
    images, labels, preprocess = loader.images, loader.labels, loader.preprocess
    model = models.create("lenet5")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    started = time.perf_counter()
    order = torch.randperm(len(labels))
    for start in range(0, len(labels), 128):
        index = order[start : start + 128]
        x = preprocess(images[index].float().div_(255))  # the run's standardisation
        loss = F.cross_entropy(model(x), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started


def lightning_runner(trainer: Trainer):
    """Lightning's fit on the same model and the same in-memory batches, or None."""
    try:
        import lightning as L
    except ImportError:
        return None

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = models.create("lenet5")

        def training_step(self, batch, batch_idx):
            x, y, _ = batch
            return F.cross_entropy(self.net(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.9)

    batches = trainer.loaders["train"]

    def run() -> float:
        fitter = L.Trainer(
            max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
        )  # fmt: skip
        started = time.perf_counter()
        fitter.fit(Module(), train_dataloaders=batches)
        return time.perf_counter() - started

    return run


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        trainer = make_trainer(out)
        lightning = lightning_runner(trainer)
        times: dict[str, list[float]] = {"cnnlab": [], "hand": [], "lightning": []}
        time_hand(trainer)  # warm-up: first-touch allocations and kernels
        for _ in range(REPEATS):
            times["cnnlab"].append(time_cnnlab(trainer))
            times["hand"].append(time_hand(trainer))
            if lightning:
                times["lightning"].append(lightning())
    median = {k: statistics.median(v) for k, v in times.items() if v}
    result = {
        "benchmark": "trainer_epoch",
        "model": "lenet5",
        "data": "mnist (54000 train images, padded to 32x32)",
        "batch_size": 128,
        "repeats": REPEATS,
        "torch_threads": torch.get_num_threads(),
        "seconds": {k: round(v, 3) for k, v in median.items()},
        "ratio_cnnlab_vs_hand": round(median["cnnlab"] / median["hand"], 4),
    }
    if "lightning" in median:
        result["ratio_lightning_vs_cnnlab"] = round(median["lightning"] / median["cnnlab"], 4)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
