"""The training loop: ``fit()`` -> ``train_one_epoch()`` -> ``step()``, in one readable file.

Hook points (see callbacks.py): ``on_fit_start``, ``on_step_end``, ``on_epoch_end``,
``on_fit_end``. Nothing in the loop waits on the device: losses are checked for
NaN/inf every ``check_every`` steps on the accumulated tensors (and before every
checkpoint, so no checkpoint ever holds weights that saw a bad step).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.nn.parallel import DistributedDataParallel

from cnnlab import data, models
from cnnlab.data.augment import build_augment, eval_transform, training_size
from cnnlab.data.preprocess import fit_preprocess
from cnnlab.data.targets import task_targets
from cnnlab.errors import TrainingError, write_fault
from cnnlab.train import distributed
from cnnlab.train.adversarial import (
    adversarial_batch,
    catastrophic_overfitting,
    robust_accuracy,
    training_attack,
)
from cnnlab.train.callbacks import BestAndEarlyStop, Callback
from cnnlab.train.checkpoint import checkpoint_folders, save_checkpoint
from cnnlab.train.checks import (
    check_device,
    check_input_fits,
    check_model_options,
    check_validation,
)
from cnnlab.train.config import TrainConfig
from cnnlab.train.ema import EMA
from cnnlab.train.evaluate import EvalResult, evaluate
from cnnlab.train.init import init_weights, set_dropout
from cnnlab.train.losses import build_loss, with_auxiliary
from cnnlab.train.metrics import task_metrics
from cnnlab.train.optim import build_optimizer, l1_penalty, split_decay
from cnnlab.train.pretrained import load_pretrained
from cnnlab.train.resume import (
    Loaded,
    load_newest,
    provenance,
    remove_unfinished_writes,
    rng_state,
    seed_everything,
    set_rng_state,
)
from cnnlab.train.run_folder import RunFolder
from cnnlab.train.schedules import Schedule
from cnnlab.train.signals import first_sigint_calls
from cnnlab.train.splits import fit_sample, folder_files, load_splits, stream_loader
from cnnlab.train.tasks import resolve_task, task_columns
from cnnlab.train.tensorboard import TensorBoardLog
from cnnlab.weights import freeze, hold_statistics, save_weights, weight_tensors

MAX_WEIGHT = 1e8  # larger weights (or running statistics) mean training has diverged
Batch = tuple[torch.Tensor, torch.Tensor, float]  # images, labels, weight of the mean loss


class TrainingInterrupted(TrainingError):
    """Ctrl-C: a checkpoint was saved and the run can be resumed."""

    exit_code = 130


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        *,
        console: Console | None = None,
        callbacks: Sequence[Callback] = (),
        resuming: bool = False,
    ):
        self.config = config
        check_device(config)
        check_validation(config)
        check_model_options(config)
        self.world = distributed.join(config.device, config.batch_size)
        self.console = console or Console(stderr=True)
        self.run = RunFolder(config.out)
        seed_everything(config.seed, config.deterministic)
        self.setup_data()
        self.setup_model(load_pretrained_weights=not resuming)
        self.optimizer = build_optimizer(config, self.model)
        self.decayed = split_decay(self.model, config.decay_all)[0]
        self.schedule = Schedule(config, self.schedule_length())
        self.loss_fn = build_loss(config, self.task)
        self.scaler = torch.amp.GradScaler("cuda") if config.amp == "fp16" else None
        self.adversary = training_attack(config)
        monitor = "val_robust_accuracy" if self.adversary else config.monitor
        self.callbacks = [BestAndEarlyStop(monitor, config.early_stopping), *callbacks]
        self.history: list[dict[str, Any]] = []  # this session's epoch rows
        self.train_metrics = task_metrics(self.task, len(self.classes))
        self.epoch = 0  # completed epochs
        self.batch = 0  # batches of the current epoch already trained
        self.global_step = 0  # optimiser steps taken
        self.pending: list[tuple[int, torch.Tensor]] = []  # losses not yet checked
        self.stop_reason: str | None = None
        self.interrupted = False
        self.tensorboard: TensorBoardLog | None = None
        self.epoch_clock = (time.perf_counter(), 0)  # (when, batch) the epoch (re)started

    def setup_data(self) -> None:
        """Load the splits; fit the preprocessing (and PCA lighting) on the training split;
        augment the training split only; evaluation splits get the spec's centre crop.

        A streamed image folder (``config.stream``) is split by file; its batches are decoded
        by DataLoader workers, and the preprocessing is fitted on a seeded sample of the
        training images (``evaluate.FIT_SAMPLE``; the whole split when it is smaller)."""
        config = self.config
        if config.stream:
            files = folder_files(config)
            fit_on = fit_sample(config, files)
            self.task = resolve_task(config, None)
        else:
            splits = load_splits(config)
            fit_on = splits["train"]
            self.task = resolve_task(config, fit_on)
        self.preprocessor = fit_preprocess(
            config.preprocess, fit_on, eval_transform(config.augmentation)
        )
        self.preprocess = self.preprocessor.as_dict()
        self.classes = fit_on.classes
        self.image_shape = fit_on.image_shape  # as stored and padded, before any crop
        augment = build_augment(config.augmentation, fit_on)
        eval_crop = eval_transform(config.augmentation)
        self.input_shape = (
            fit_on.image_shape[0],
            *training_size(config.augmentation, fit_on.image_shape[1:]),
        )
        self.loaders: dict[str, Any] = {}
        for split in data.registry.SPLITS:
            transform = augment if split == "train" else eval_crop
            if config.stream:
                self.loaders[split] = stream_loader(
                    config, files, split, config.batch_size,
                    preprocess=self.preprocessor, augment=transform,
                )  # fmt: skip
                continue
            self.loaders[split] = data.InMemoryLoader(
                splits[split],
                config.batch_size,
                preprocess=self.preprocessor,
                shuffle=split == "train",
                seed=config.seed,
                device=config.device,
                augment=transform,
                channels_last=config.channels_last,
                targets=task_targets(splits[split], self.task),
            )
        self.loaders["train"] = distributed.ShardedLoader(self.loaders["train"], self.world)

    def setup_model(self, load_pretrained_weights: bool) -> None:
        """Build the model; ``load_pretrained_weights``: copy ``config.pretrained`` into it
        (not when resuming, where the checkpoint holds the weights)."""
        config = self.config
        self.model_args = {
            "num_classes": len(self.classes),
            **models.input_args(config.model, self.input_shape),
            **config.model_args,
        }
        # At the registry row's own image size (tests run every row there) the model fits;
        # the meta-device pass would only add its first-use import cost (about a second).
        if config.model_args or self.input_shape[1:] != tuple(
            models.get_model_info(config.model).input_shape[1:]
        ):
            with torch.device("meta"):
                check_input_fits(
                    config, models.create(config.model, **self.model_args), self.input_shape
                )
        model = models.create(config.model, **self.model_args)
        if self.task != "classify":
            channels = models.feature_channels(model, self.input_shape)
            model = models.attach_head(
                model, self.task, in_channels=channels, num_classes=len(self.classes)
            )
        check_model_options(config, model)
        init_weights(model, config.init)
        if config.pretrained and load_pretrained_weights:
            report = load_pretrained(model, config.pretrained)
            self.console.print(report.summary(), markup=False, highlight=False, soft_wrap=True)
        if config.freeze:
            frozen = freeze(model, config.freeze)
            self.console.print(
                f"frozen: {', '.join(config.freeze)} ({frozen:,} parameters)", highlight=False
            )
        if config.dropout is not None:
            set_dropout(model, config.dropout)
        memory_format = torch.channels_last if config.channels_last else torch.preserve_format
        self.model = model.to(config.device, memory_format=memory_format)
        self.ema = EMA(self.model, config.ema) if config.ema else None
        forward = self.model
        if self.world.distributed:
            forward = DistributedDataParallel(forward)
        self.forward_model = torch.compile(forward) if config.compile else forward

    def schedule_length(self) -> int:
        if self.config.schedule_unit == "epoch":
            return self.config.epochs
        per_epoch = -(-len(self.loaders["train"]) // self.config.accumulate)
        return self.config.max_steps or self.config.epochs * per_epoch

    @property
    def eval_model(self) -> torch.nn.Module:
        """The weights that are evaluated and saved: the moving average when EMA is on."""
        return self.ema.model if self.ema else self.model

    # -- the loop -----------------------------------------------------------------------------

    def fit(self, *, resumed: bool = False) -> EvalResult:
        """Train until ``config.epochs`` (or ``max_steps``, or early stopping); return the test
        evaluation. ``resumed``: continue from the state :meth:`restore` loaded."""
        self.prepare_run_folder(resumed)
        for callback in self.callbacks:
            callback.on_fit_start(self)
        with self.progress() as bar, first_sigint_calls(self.request_interrupt):
            task = bar.add_task("", total=len(self.loaders["train"]), stats="")
            while self.epoch < self.config.epochs and not self.stop_reason:
                train = self.train_one_epoch(bar, task)
                self.end_epoch(train, bar.console)
        if self.stop_reason:
            self.console.print(self.stop_reason, markup=False, soft_wrap=True)
        return self.finish()

    def train_one_epoch(self, bar: Progress, task: Any) -> dict[str, float]:
        config, loader = self.config, self.loaders["train"]
        loader.set_epoch(self.epoch + 1)
        self.forward_model.train()
        hold_statistics(self.model, config.freeze)
        if self.batch == 0:
            self.train_metrics.reset()
        bar.reset(
            task, total=len(loader), completed=self.batch, description=f"epoch {self.epoch + 1}"
        )
        self.epoch_clock = (time.perf_counter(), self.batch)
        for group in self.groups(itertools.islice(iter(loader), self.batch, None), len(loader)):
            self.step(group)
            self.batch += len(group)
            if self.global_step % config.check_every == 0:
                self.check_finite()
                bar.update(task, completed=self.batch, stats=self.progress_stats())
            for callback in self.callbacks:
                callback.on_step_end(self)
            if config.checkpoint_every and self.global_step % config.checkpoint_every == 0:
                self.save_checkpoint()
            if self.interrupted:
                self.save_checkpoint()
                where = f"step {self.global_step} (epoch {self.epoch + 1})"
                raise TrainingInterrupted(self.resume_hint(f"Interrupted at {where}; saved"))
            if config.max_steps and self.global_step >= config.max_steps:
                self.stop_reason = f"stopped after max_steps={config.max_steps} optimiser steps"
                break
        self.check_finite()
        distributed.all_sum(self.world, *self.train_metrics.tensors())
        return self.train_metrics.summary()

    def groups(self, batches: Iterator[Batch], total: int) -> Iterator[list[Batch]]:
        """The batches of one optimiser step each: ``accumulate`` of them, fewer at the end."""
        group: list[Batch] = []
        for position, batch in enumerate(batches, start=self.batch + 1):
            group.append(batch)
            if len(group) == self.config.accumulate or position == total:
                yield group
                group = []

    def step(self, group: list[Batch]) -> None:
        """One optimiser step over ``group`` (gradient accumulation when it holds several)."""
        config = self.config
        lr = self.schedule.lr(self.global_step, self.epoch)
        for param_group in self.optimizer.param_groups:
            param_group["lr"] = lr
        device_type = torch.device(config.device).type
        for x, y, weight in group:
            if self.adversary:
                x = adversarial_batch(self.forward_model, self.preprocessor, x, y, self.adversary)
            if config.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            dtype = torch.bfloat16 if config.amp == "bf16" else torch.float16
            with torch.autocast(device_type, dtype=dtype, enabled=config.amp != "none"):
                logits, loss, total = with_auxiliary(self.loss_fn, self.forward_model(x), y)
            total = total + config.l1 * l1_penalty(self.decayed) if config.l1 else total
            scaled = total * (weight / len(group))
            (self.scaler.scale(scaled) if self.scaler else scaled).backward()
            self.train_metrics.update(loss, logits, y)
            self.pending.append((self.global_step + 1, loss.detach()))
        if config.clip_grad:
            if self.scaler:
                self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.clip_grad)
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.ema:
            self.ema.update(self.model, self.global_step)
        self.global_step += 1

    def validate(self) -> dict[str, Any]:
        """The validation columns of the epoch's row; none when ``val_split`` is 0."""
        if len(self.loaders["val"]) == 0:
            return {}
        val = evaluate(
            self.eval_model, self.loaders["val"], len(self.classes), self.loss_fn, self.task
        )
        columns = {
            **{f"val_{k}": v for k, v in val.summary().items()},
            "val_per_class_accuracy": val.per_class_accuracy(),
        }
        if self.adversary:
            columns["val_robust_accuracy"] = robust_accuracy(
                self.eval_model, self.preprocessor, self.loaders["val"], self.config.adv_eps
            )
        return columns

    def end_epoch(self, train: dict[str, float], console: Console) -> None:
        validation = self.validate()
        self.epoch, self.batch = self.epoch + 1, 0
        row = {
            "epoch": self.epoch,
            "step": self.global_step,
            "lr": self.optimizer.param_groups[0]["lr"],
            "seconds": round(time.perf_counter() - self.epoch_clock[0], 3),
            **{f"train_{k}": v for k, v in train.items()},
            **validation,
        }
        if self.config.monitor in row:
            higher_is_better = not self.config.monitor.endswith("loss")
            self.schedule.observe(row[self.config.monitor], higher_is_better)
        if self.world.is_main:
            self.run.append_metrics(row)
            if self.tensorboard:
                try:
                    self.tensorboard.log(row)
                except OSError as exc:
                    raise write_fault(exc, self.run.path / "tb", self.resume_hint("kept")) from exc
        for callback in self.callbacks:
            callback.on_epoch_end(self, row)
        self.history.append(row)
        collapse = catastrophic_overfitting(self.history) if self.adversary else None
        if collapse:
            self.stop(collapse)
        self.save_checkpoint()
        console.print(
            f"epoch {self.epoch:>3}/{self.config.epochs}  lr {row['lr']:.3g}  "
            f"train loss {train['loss']:.4f} acc {train['accuracy']:.4f}"
            + (
                f"  val loss {row['val_loss']:.4f} acc {row['val_accuracy']:.4f}"
                + (f" robust {row['val_robust_accuracy']:.4f}" if self.adversary else "")
                + task_columns(row)
                if validation
                else "  (no validation split)"
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    def request_interrupt(self) -> None:
        """Ctrl-C: checkpoint and stop after the current step."""
        self.interrupted = True

    def stop(self, reason: str) -> None:
        """Ask the loop to stop after this epoch (early stopping calls this)."""
        self.stop_reason = reason

    # -- checks -------------------------------------------------------------------------------

    def check_finite(self) -> None:
        """Raise a TrainingError naming the first step whose loss was NaN or infinite."""
        if not self.pending:
            return
        losses = torch.stack([loss.float() for _, loss in self.pending])
        bad = (~torch.isfinite(losses)).nonzero()
        if len(bad):
            step, value = self.pending[int(bad[0, 0])][0], losses[int(bad[0, 0])].item()
            lr = self.schedule.lr(step - 1, self.epoch)
            cause = self.input_problem() or (
                f"with learning rate {lr:g}: the learning rate may be too large, try a smaller --lr"
            )
            raise TrainingError(
                f"the loss became {value} at step {step} (epoch {self.epoch + 1}) {cause}. "
                f"{self.resume_hint('The last good checkpoint is kept')}"
            )
        self.pending.clear()

    def input_problem(self) -> str | None:
        """Why the inputs, not the step size, could make the loss non-finite: batches that
        are not finite after augmentation and preprocessing."""
        for x, *_ in itertools.islice(iter(self.loaders["train"]), 2):
            if not torch.isfinite(x).all():
                return (
                    "because the training batches are not finite after augmentation and "
                    f"preprocessing ({self.config.augment or 'no augmentation'}, "
                    f"{self.config.preprocess}): check those options and the images"
                )
        return None

    def check_weights(self, tensors: dict[str, torch.Tensor]) -> None:
        """Refuse to save weights that are not finite or have exploded (|w| > MAX_WEIGHT):
        the last checkpoint saved stays the last good one."""
        for name, tensor in tensors.items():
            if not tensor.is_floating_point():
                continue
            largest = tensor.abs().max().item() if tensor.numel() else 0.0
            if not math.isfinite(largest) or largest > MAX_WEIGHT:
                raise TrainingError(
                    f"the weights exploded by step {self.global_step} (epoch {self.epoch + 1}): "
                    f"max |{name}| is {largest:.3g}; the learning rate may be too large, try "
                    f"a smaller --lr. {self.resume_hint('The last good checkpoint is kept')}"
                )

    def resume_hint(self, what: str) -> str:
        if not self.run.state_path("last").exists():
            return f"{what}; no checkpoint had been written yet in {self.run.checkpoints}"
        return (
            f"{what} in {self.run.checkpoints}; resume with: cnnlab train --resume {self.run.path}"
        )

    def progress_stats(self) -> str:
        summary = self.train_metrics.summary()
        started, first_batch = self.epoch_clock
        images = (self.batch - first_batch) * self.config.batch_size
        rate = images / max(time.perf_counter() - started, 1e-9)
        return f"loss {summary['loss']:.4f} acc {summary['accuracy']:.3f} {rate:,.0f} img/s"

    # -- checkpoints and the run folder -------------------------------------------------------

    def weights_meta(self) -> dict[str, Any]:
        flags = {k: getattr(self.config, k) for k in ("deterministic", "amp", "compile", "device")}
        flags["channels_last"] = self.config.channels_last
        meta = provenance(self.config.seed, flags)
        shapes = {"classes": list(self.classes), "image_shape": list(self.image_shape)}
        head = {"head": self.model.head_args} if isinstance(self.model, models.HeadedModel) else {}
        names = {"model": self.config.model, "model_args": self.model_args, "task": self.task}
        return {**names, **head, **shapes, **meta}

    def save_checkpoint(self) -> None:
        self.check_finite()
        if not self.world.is_main:
            return
        state = {
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "rng": rng_state(),
            "epoch": self.epoch,
            "batch": self.batch,
            "step": self.global_step,
            "train_metrics": self.train_metrics.state_dict(),
            "callbacks": [callback.state_dict() for callback in self.callbacks],
        }
        if self.scaler:
            state["scaler"] = self.scaler.state_dict()
        if self.ema:
            state["model"] = weight_tensors(self.model)
        meta = {**self.weights_meta(), "epoch": self.epoch, "step": self.global_step}
        tensors = weight_tensors(self.eval_model)
        self.check_weights(tensors)
        save_checkpoint(
            self.run.checkpoints, tensors, meta, state, keep=self.config.keep_checkpoints
        )

    def save_best(self) -> None:
        if self.world.is_main:
            self.check_weights(weight_tensors(self.eval_model))
            meta = {**self.weights_meta(), "epoch": self.epoch, "step": self.global_step}
            save_weights(self.eval_model, self.run.weights_path("best"), meta)

    def restore(self, loaded: Loaded) -> None:
        """Continue from a checkpoint: weights, optimiser, schedule, RNG and loader position."""
        state = loaded.state
        self.model.load_state_dict(state["model"] if self.ema else loaded.tensors)
        if self.ema:
            self.ema.model.load_state_dict(loaded.tensors)
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        if self.scaler and "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])
        for callback, saved in zip(self.callbacks, state["callbacks"], strict=False):
            callback.load_state_dict(saved)
        self.train_metrics.load_state_dict(state["train_metrics"])
        self.epoch, self.batch, self.global_step = state["epoch"], state["batch"], state["step"]
        set_rng_state(state["rng"])

    def prepare_run_folder(self, resumed: bool) -> None:
        if not self.world.is_main:
            return
        self.run.prepare(
            self.config, self.preprocess, resumed_epoch=self.epoch if resumed else None
        )
        if not resumed:
            self.preprocessor.save_tensors(self.run.path)  # whitening matrices, if any
            meta = {**self.weights_meta(), "epoch": 0, "step": 0}
            save_weights(self.eval_model, self.run.weights_path("init"), meta)
        if self.config.tensorboard:
            purge = self.epoch if resumed else None
            try:
                self.tensorboard = TensorBoardLog(self.run.path / "tb", purge_after=purge)
            except OSError as exc:
                raise write_fault(exc, self.run.path / "tb", "nothing was trained") from exc

    def finish(self) -> EvalResult:
        metrics = evaluate(
            self.eval_model, self.loaders["test"], len(self.classes), self.loss_fn, self.task
        )
        result = EvalResult.from_metrics("test", metrics, self.classes, self.task)
        self.result = result
        if self.world.is_main:
            self.run.write_json(self.run.results_path, result.as_dict())
        for callback in self.callbacks:
            callback.on_fit_end(self)
        if self.tensorboard:
            self.tensorboard.close()
        return result

    def progress(self) -> Progress:
        """One bar for the whole run: epoch lines print above it, with no blank lines between.
        Logs (no terminal) get the epoch lines only."""
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=not (self.world.is_main and self.console.is_terminal),
        )


def fit(
    config: TrainConfig,
    *,
    console: Console | None = None,
    callbacks: Sequence[Callback] = (),
) -> EvalResult:
    """Train ``config.model`` on ``config.data`` into the run folder ``config.out``."""
    trainer = Trainer(config, console=console, callbacks=callbacks)
    try:
        return trainer.fit()
    finally:
        distributed.leave(trainer.world)


def resume(
    run_path: str | os.PathLike,
    overrides: dict[str, Any] | None = None,
    *,
    console: Console | None = None,
    callbacks: Sequence[Callback] = (),
) -> EvalResult:
    """Continue the run in ``run_path`` from its newest checkpoint that verifies.

    ``overrides`` replace stored config fields (``{"epochs": 20}`` trains longer).
    """
    run = RunFolder.open(run_path)
    values = {**dataclasses.asdict(run.config()), **(overrides or {}), "out": str(run.path)}
    config = TrainConfig.from_dict(values)
    remove_unfinished_writes(run.checkpoints)
    if not checkpoint_folders(run.checkpoints):
        (console or Console(stderr=True)).print(
            f"{run.path} has no checkpoint yet (training stopped before its first one): "
            "starting it again from its config.json",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return fit(config, console=console, callbacks=callbacks)
    trainer = Trainer(config, console=console, callbacks=callbacks, resuming=True)
    try:
        loaded = load_newest(run.checkpoints, trainer.model.state_dict(), trainer.console)
        trainer.restore(loaded)
        trainer.console.print(
            f"resuming {run.path} from {loaded.path.name}: epoch {trainer.epoch + 1}, "
            f"batch {trainer.batch}, step {trainer.global_step}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return trainer.fit(resumed=True)
    finally:
        distributed.leave(trainer.world)
