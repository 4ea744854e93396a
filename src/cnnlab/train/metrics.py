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
        self.count = 0
        self.confusion = torch.zeros(self.num_classes, self.num_classes, dtype=torch.int64)

    def update(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        if self.loss_sum.device != logits.device:
            self.loss_sum = self.loss_sum.to(logits.device)
            self.top1, self.top5 = self.top1.to(logits.device), self.top5.to(logits.device)
        n = labels.numel()
        self.loss_sum += loss.detach().double() * n
        k = min(5, logits.shape[1])
        top = logits.detach().topk(k, dim=1).indices
        hits = top == labels.unsqueeze(1)
        self.top1 += hits[:, 0].sum()
        self.top5 += hits.any(dim=1).sum()
        self.count += n
        if self.track_confusion:
            pairs = labels.cpu() * self.num_classes + top[:, 0].cpu()
            counts = torch.bincount(pairs, minlength=self.num_classes**2)
            self.confusion += counts.view(self.num_classes, self.num_classes)

    def summary(self) -> dict[str, float]:
        count = max(self.count, 1)
        return {
            "loss": self.loss_sum.item() / count,
            "accuracy": self.top1.item() / count,
            "top5": self.top5.item() / count,
        }
