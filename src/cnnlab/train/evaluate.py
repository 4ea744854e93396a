"""Evaluation: loss, top-1/top-5 accuracy and confusion matrix of a model on a split."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.data.augment import crop_pad
from cnnlab.data.preprocess import Preprocess
from cnnlab.data.tta import TTA_MODES, unseen_views
from cnnlab.data.tta import predict as tta_predict
from cnnlab.errors import ConfigError
from cnnlab.train.losses import Loss, build_loss
from cnnlab.train.metrics import RunningMetrics, task_metrics
from cnnlab.train.run import Run

EVAL_BATCH_SIZE = 256


@dataclass
class EvalResult:
    split: str
    loss: float
    accuracy: float  # multi-digit: whole-sequence accuracy
    top5: float | None  # None for a multi-digit reader, which has no top-5
    count: int
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    classes: list[str]
    per_class: list[float]  # accuracy of each class (recall)
    tta: str = "none"  # the test-time augmentation averaged
    warnings: list[str] = field(default_factory=list)  # e.g. TTA views training never showed
    task: str = "classify"  # classify, localise or sequence
    # the task's own figures: mean_iou and iou_50 (localise); digit_accuracy and
    # length_accuracy (sequence)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """What files of this evaluation are called: ``confusion`` for the plain test split,
        else with the split and TTA mode (``confusion-test-tta-10crop``), so evaluating
        another way never overwrites the plain test plot."""
        return confusion_name(self.split, self.tta)

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def headline(self) -> str:
        """The figures in one line: loss, accuracy and top-5, then the task's own
        (classification error, mean IoU and the share with IoU >= 0.5; or sequence, digit
        and length accuracy)."""
        split, extra = self.split, self.extra
        if self.task == "sequence":
            return (
                f"{split} loss {self.loss:.4f}  sequence accuracy {self.accuracy:.4f}  "
                f"digit accuracy {extra['digit_accuracy']:.4f}  length accuracy "
                f"{extra['length_accuracy']:.4f} ({self.count} images)"
            )
        line = (
            f"{split} loss {self.loss:.4f}  {split} accuracy {self.accuracy:.4f} "
            f"({self.count} images)  top-5 {self.top5:.4f}"
        )
        if self.task == "localise":
            line += (
                f"  classification error {100 * (1 - self.accuracy):.2f}%  mean IoU "
                f"{extra['mean_iou']:.4f}  IoU >= 0.5 {100 * extra['iou_50']:.2f}%"
            )
        return line

    @classmethod
    def from_metrics(
        cls, split: str, metrics: RunningMetrics, classes: list[str], task: str = "classify"
    ) -> EvalResult:
        summary = metrics.summary()
        return cls(
            split=split,
            loss=summary["loss"],
            accuracy=summary["accuracy"],
            top5=summary.get("top5"),
            count=metrics.count,
            confusion=metrics.confusion.tolist(),
            classes=classes,
            per_class=metrics.per_class_accuracy(),
            task=task,
            extra={k: v for k, v in summary.items() if k not in ("loss", "accuracy", "top5")},
        )


def confusion_name(split: str, tta: str = "none") -> str:
    """``confusion``, ``confusion-val``, ``confusion-test-tta-10crop``: a name per way of
    evaluating."""
    if (split, tta) == ("test", "none"):
        return "confusion"
    return f"confusion-{split}" + ("" if tta == "none" else f"-tta-{tta}")


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    num_classes: int,
    loss_fn: Loss = F.cross_entropy,
    task: str = "classify",
    kept: list[torch.Tensor] | None = None,
) -> RunningMetrics:
    """Loss (the run's own loss, so validation and training report the same quantity),
    accuracy and confusion matrix of ``model`` over ``loader``, and the figures of
    ``task`` (:func:`~cnnlab.train.metrics.task_metrics`). Each batch's raw output is
    appended to ``kept`` (on the CPU) when given."""
    model.eval()
    metrics = task_metrics(task, num_classes, confusion=True)
    for x, y in loader:
        logits = model(x)
        metrics.update(loss_fn(logits, y), logits, y)
        if kept is not None:
            kept.append(logits.float().cpu())
    return metrics


@dataclass
class TestTimeAugment:
    mode: str  # flip, 10crop, rotate or multiscale
    size: int  # the model's input size (square)
    pad: int  # what 10-crop pads images no larger than the input by
    preprocess: Preprocess


@torch.no_grad()
def evaluate_tta(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    num_classes: int,
    tta: TestTimeAugment,
) -> RunningMetrics:
    """Like :func:`evaluate` on a loader of 0..1 batches (no preprocessing), averaging the
    softmax outputs of the test-time views; the loss is the NLL of the averaged output."""
    model.eval()
    metrics = RunningMetrics(num_classes, confusion=True)
    for x, y in loader:
        probs = tta_predict(
            model, x, tta.mode, size=tta.size, preprocess=tta.preprocess, pad=tta.pad
        )
        log_probs = probs.clamp_min(1e-12).log()
        metrics.update(F.nll_loss(log_probs, y), log_probs, y)
    return metrics


def evaluate_run_outputs(run: Run, split: str = "test") -> tuple[EvalResult, torch.Tensor]:
    """:func:`evaluate_run` without test-time augmentation, and the model's raw outputs
    over ``split`` in its order: what a caller reads the images' predictions from without a
    second pass over the split."""
    kept: list[torch.Tensor] = []
    metrics = run_metrics(run, split, kept)
    return EvalResult.from_metrics(split, metrics, run.classes, run.task), torch.cat(kept)


def run_metrics(run: Run, split: str, kept: list[torch.Tensor] | None = None) -> RunningMetrics:
    """:func:`evaluate` of the run's model on ``split`` with the run's own loss and task."""
    loss_fn = build_loss(run.config, run.task)
    return evaluate(run.model, run.loader(split), len(run.classes), loss_fn, run.task, kept)


def evaluate_run(
    run_path: str | Path | Run, split: str = "test", which: str = "last", tta: str = "none"
) -> EvalResult:
    """Evaluate a run on ``split`` exactly as training did (its preprocessing and its
    augment spec's centre crop), or with test-time augmentation ``tta``; the result warns
    when ``tta`` averages views the run's training augmentation never showed it."""
    run = run_path if isinstance(run_path, Run) else Run.open(run_path, which)
    if tta == "none":
        metrics = run_metrics(run, split)
    else:
        if run.task != "classify":
            raise ConfigError(
                f"test-time augmentation averages class probabilities; run {run.path} "
                f"trains task {run.task!r}: use --tta none"
            )
        if tta not in TTA_MODES:
            raise ConfigError(
                f"unknown test-time augmentation {tta!r}: expected one of {', '.join(TTA_MODES)}"
            )
        _, height, width = run.input_shape
        spec = TestTimeAugment(
            tta, min(height, width), crop_pad(run.config.augmentation), run.preprocess
        )
        batches = run.loader(split, prepared=False)
        metrics = evaluate_tta(run.model, batches, len(run.classes), spec)
    result = EvalResult.from_metrics(split, metrics, run.classes, run.task)
    result.tta = tta
    warning = unseen_views(tta, run.config.augmentation)
    result.warnings = [warning] if warning else []
    return result
