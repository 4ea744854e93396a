"""Running sums for loss and top-k accuracy, and the confusion matrix."""

from __future__ import annotations

import torch


class RunningMetrics:
    """Sums kept as tensors on the batch's device so the loop never waits on a `.item()`."""

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
        return [self.loss_sum, self.top1, self.top5, self.seen, self.confusion]

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
        self.loss_sum, self.top1, self.top5, self.seen, self.confusion = tensors

    def state_dict(self) -> dict[str, torch.Tensor]:
        return dict(zip(("loss", "top1", "top5", "seen", "confusion"), self.tensors(), strict=True))

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.load(state[k] for k in ("loss", "top1", "top5", "seen", "confusion"))

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
