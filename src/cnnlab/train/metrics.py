"""Running sums for loss and top-k accuracy, and the confusion matrix."""

from __future__ import annotations

import torch


class RunningMetrics:
    """Sums kept as tensors on the batch's device so the loop never waits on a `.item()`.
    ``sums`` names them; a task's metrics add their own."""

    sums: tuple[str, ...] = ("loss_sum", "top1", "top5", "seen", "confusion")

    def __init__(self, num_classes: int, *, confusion: bool = False):
        self.num_classes = num_classes
        self.track_confusion = confusion
        self.reset()

    def reset(self) -> None:
        self.loss_sum = torch.zeros((), dtype=torch.float64)
        self.top1 = torch.zeros((), dtype=torch.int64)
        self.top5 = torch.zeros((), dtype=torch.int64)
        self.seen = torch.zeros((), dtype=torch.int64)
        self.confusion = torch.zeros(self.num_classes, self.num_classes, dtype=torch.int64)

    @property
    def count(self) -> int:
        return int(self.seen)

    def tensors(self) -> list[torch.Tensor]:
        return [getattr(self, name) for name in self.sums]

    def update(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        if self.loss_sum.device != logits.device:
            self.load(t.to(logits.device) for t in self.tensors())
        n = labels.numel()
        self.loss_sum += loss.detach().double() * n
        k = min(5, logits.shape[1])
        top = logits.detach().topk(k, dim=1).indices
        hits = top == labels.unsqueeze(1)
        self.top1 += hits[:, 0].sum()
        self.top5 += hits.any(dim=1).sum()
        self.seen += n
        if self.track_confusion:
            pairs = labels * self.num_classes + top[:, 0]
            counts = torch.bincount(pairs, minlength=self.num_classes**2)
            self.confusion += counts.view(self.num_classes, self.num_classes)

    def load(self, tensors) -> None:
        for name, tensor in zip(self.sums, tensors, strict=True):
            setattr(self, name, tensor)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {state_key(name): getattr(self, name) for name in self.sums}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.load(state[state_key(name)] for name in self.sums)

    def per_class_accuracy(self) -> list[float]:
        """Recall of each class: the diagonal of the confusion matrix over its row sums."""
        confusion = self.confusion.double().cpu()
        return (confusion.diagonal() / confusion.sum(dim=1).clamp_min(1)).tolist()

    def summary(self) -> dict[str, float]:
        count = max(self.count, 1)
        return {
            "loss": self.loss_sum.item() / count,
            "accuracy": self.top1.item() / count,
            "top5": self.top5.item() / count,
        }


def state_key(name: str) -> str:
    """The name a sum is saved under (checkpoints have called the loss sum ``loss``)."""
    return "loss" if name == "loss_sum" else name


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Intersection over union of each pair of boxes (N, 4) x, y, w, h (any one unit)."""
    left = torch.maximum(a[:, 0], b[:, 0])
    top = torch.maximum(a[:, 1], b[:, 1])
    right = torch.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    bottom = torch.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = (right - left).clamp_min(0) * (bottom - top).clamp_min(0)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return inter / union.clamp_min(1e-12)


IOU_HIT = 0.5  # the IoU from which a box counts as found (PASCAL VOC's rule)


class BoxMetrics(RunningMetrics):
    """Classification sums on the class scores, plus the summed IoU of the predicted and
    true boxes and how many reach ``IOU_HIT``. The output is a localisation head's
    (scores, then the box); ``targets`` (N, 5) label then box (cnnlab.data.targets)."""

    sums = (*RunningMetrics.sums, "iou_sum", "iou_hits")

    def reset(self) -> None:
        super().reset()
        self.iou_sum = torch.zeros((), dtype=torch.float64)
        self.iou_hits = torch.zeros((), dtype=torch.int64)

    def update(self, loss: torch.Tensor, output: torch.Tensor, targets: torch.Tensor) -> None:
        scores, boxes = output[:, :-4], output[:, -4:]
        super().update(loss, scores, targets[:, 0].long())
        iou = box_iou(boxes.detach().float(), targets[:, 1:])
        self.iou_sum += iou.double().sum()
        self.iou_hits += (iou >= IOU_HIT).sum()

    def summary(self) -> dict[str, float]:
        count = max(self.count, 1)
        return {
            **super().summary(),
            "mean_iou": self.iou_sum.item() / count,
            "iou_50": self.iou_hits.item() / count,
        }


class SequenceMetrics(RunningMetrics):
    """For a multi-digit head: ``accuracy`` is whole-sequence accuracy (the length and every
    digit right), ``digit_accuracy`` the share of true digits read right at their
    position, ``length_accuracy`` the share of lengths right; the confusion matrix counts
    true against read digits. ``targets`` (N, 1 + positions): length, then digits."""

    sums = (*RunningMetrics.sums, "digit_hits", "digits_seen", "length_hits")

    def reset(self) -> None:
        super().reset()
        self.digit_hits = torch.zeros((), dtype=torch.int64)
        self.digits_seen = torch.zeros((), dtype=torch.int64)
        self.length_hits = torch.zeros((), dtype=torch.int64)

    def update(self, loss: torch.Tensor, output: torch.Tensor, targets: torch.Tensor) -> None:
        if self.loss_sum.device != output.device:
            self.load(t.to(output.device) for t in self.tensors())
        positions = targets.shape[1] - 1
        lengths, digits = output[:, : positions + 2], output[:, positions + 2 :]
        read = digits.detach().unflatten(1, (positions, -1)).argmax(2)  # (N, positions)
        length = lengths.detach().argmax(1)
        true_length, true_digits = targets[:, 0], targets[:, 1:]
        present = true_digits >= 0
        read = torch.where(torch.arange(positions, device=read.device) < length[:, None], read, -1)
        n = len(targets)
        self.loss_sum += loss.detach().double() * n
        self.top1 += (read == true_digits).all(1).sum()
        self.seen += n
        self.length_hits += (length == true_length).sum()
        self.digit_hits += ((read == true_digits) & present).sum()
        self.digits_seen += present.sum()
        if self.track_confusion:
            best = digits.detach().unflatten(1, (positions, -1)).argmax(2)[present]
            pairs = true_digits[present] * self.num_classes + best
            counts = torch.bincount(pairs, minlength=self.num_classes**2)
            self.confusion += counts.view(self.num_classes, self.num_classes)

    def summary(self) -> dict[str, float]:
        count = max(self.count, 1)
        return {
            "loss": self.loss_sum.item() / count,
            "accuracy": self.top1.item() / count,
            "digit_accuracy": self.digit_hits.item() / max(int(self.digits_seen), 1),
            "length_accuracy": self.length_hits.item() / count,
        }


def task_metrics(task: str, num_classes: int, *, confusion: bool = False) -> RunningMetrics:
    """The running sums of ``task``: classify, localise or sequence."""
    kind = {"localise": BoxMetrics, "sequence": SequenceMetrics}.get(task, RunningMetrics)
    return kind(num_classes, confusion=confusion)
