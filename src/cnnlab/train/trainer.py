"""The training loop: ``fit()`` -> ``train_one_epoch()`` -> ``step()``, in one readable file."""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cnnlab import data, models
from cnnlab.errors import TrainingError
from cnnlab.train.checkpoint import save_state, save_weights
from cnnlab.train.config import TrainConfig
from cnnlab.train.evaluate import EvalResult, evaluate
from cnnlab.train.metrics import RunningMetrics
from cnnlab.train.run import RunFolder
from cnnlab.viz.plots import plot_confusion, plot_curves


def build_optimizer(config: TrainConfig, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = model.parameters()
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)


class Trainer:
    def __init__(self, config: TrainConfig, *, console: Console | None = None):
        self.config = config
        self.console = console or Console(stderr=True)
        self.run = RunFolder(config.out)
        torch.manual_seed(config.seed)
        splits = {
            split: data.load(
                config.data,
                split,
                data_dir=config.data_dir,
                seed=config.seed,
                val_split=config.val_split,
            )
            for split in data.registry.SPLITS
        }
        train_set = splits["train"]
        mean, std = train_set.channel_stats()
        self.preprocess = {"mean": mean, "std": std}
        self.classes = train_set.classes
        self.model_args = {
            "num_classes": train_set.num_classes,
            "in_channels": train_set.image_shape[0],
            **config.model_args,
        }
        self.model = models.create(config.model, **self.model_args).to(config.device)
        self.optimizer = build_optimizer(config, self.model)
        self.loaders = {
            split: data.InMemoryLoader(
                dataset,
                config.batch_size,
                mean=mean,
                std=std,
                shuffle=split == "train",
                seed=config.seed,
                device=config.device,
            )
            for split, dataset in splits.items()
        }
        self.global_step = 0

    def fit(self) -> EvalResult:
        """Train for ``config.epochs``, checkpointing each epoch; return the test evaluation."""
        run, config = self.run, self.config
        run.path.mkdir(parents=True, exist_ok=True)
        run.write_config(config)
        run.write_json(run.preprocess_path, self.preprocess)
        run.metrics_path.unlink(missing_ok=True)
        for epoch in range(1, config.epochs + 1):
            started = time.perf_counter()
            train = self.train_one_epoch(epoch)
            val = self.evaluate_split("val").summary()
            row = {
                "epoch": epoch,
                "step": self.global_step,
                "lr": self.optimizer.param_groups[0]["lr"],
                "seconds": round(time.perf_counter() - started, 3),
                **{f"train_{k}": v for k, v in train.items()},
                **{f"val_{k}": v for k, v in val.items()},
            }
            run.append_metrics(row)
            self.save_checkpoint(epoch)
            self.console.print(
                f"epoch {epoch:>3}/{config.epochs}  train loss {train['loss']:.4f} "
                f"acc {train['accuracy']:.4f}  val loss {val['loss']:.4f} acc {val['accuracy']:.4f}"
            )
        plot_curves(run.metrics(), run.plots / "curves.png")
        return self.finish()

    def train_one_epoch(self, epoch: int) -> dict[str, float]:
        loader = self.loaders["train"]
        loader.set_epoch(epoch)
        self.model.train()
        metrics = RunningMetrics(len(self.classes))
        started, seen = time.perf_counter(), 0
        with self.progress() as progress:
            task = progress.add_task(f"epoch {epoch}", total=len(loader), stats="")
            for x, y in loader:
                loss, logits = self.step(x, y)
                metrics.update(loss, logits, y)
                seen += len(y)
                if not math.isfinite(loss.item()):
                    raise TrainingError(
                        f"the loss became {loss.item()} at step {self.global_step} "
                        f"(epoch {epoch}); "
                        f"the learning rate {self.config.lr} may be too large. The last good "
                        f"checkpoint is kept in {self.run.checkpoints}"
                    )
                rate = seen / max(time.perf_counter() - started, 1e-9)
                summary = metrics.summary()
                progress.update(
                    task,
                    advance=1,
                    stats=f"loss {summary['loss']:.4f} acc {summary['accuracy']:.3f} "
                    f"{rate:,.0f} img/s",
                )
        return metrics.summary()

    def step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.model(x)
        loss = F.cross_entropy(logits, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.global_step += 1
        return loss.detach(), logits.detach()

    def evaluate_split(self, split: str) -> RunningMetrics:
        return evaluate(self.model, self.loaders[split], len(self.classes))

    def save_checkpoint(self, epoch: int) -> None:
        meta = {"model": self.config.model, "model_args": self.model_args, "epoch": epoch}
        save_weights(self.model, self.run.weights_path("last"), meta)
        state = {
            "optimizer": self.optimizer.state_dict(),
            "epoch": epoch,
            "step": self.global_step,
            "torch_rng": torch.get_rng_state(),
        }
        save_state(state, self.run.state_path("last"))

    def finish(self) -> EvalResult:
        metrics = self.evaluate_split("test")
        summary = metrics.summary()
        result = EvalResult(
            split="test",
            loss=summary["loss"],
            accuracy=summary["accuracy"],
            top5=summary["top5"],
            count=metrics.count,
            confusion=metrics.confusion.tolist(),
            classes=self.classes,
        )
        self.run.write_json(self.run.results_path, result.as_dict())
        plot_confusion(metrics.confusion.numpy(), self.classes, self.run.plots / "confusion.png")
        return result

    def progress(self) -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )


def fit(config: TrainConfig, *, console: Console | None = None) -> EvalResult:
    """Train ``config.model`` on ``config.data`` into the run folder ``config.out``."""
    return Trainer(config, console=console).fit()
