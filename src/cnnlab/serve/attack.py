"""Break it: an L-infinity FGSM or PGD attack on the current image, away from the class the
model gives it, with :mod:`cnnlab.train.attacks` on the run's pixel model (so ``eps`` is
in 0..1 pixel units)."""

from __future__ import annotations

import torch

from cnnlab.serve.analysis import top_classes
from cnnlab.serve.lab import Fitted, Lab
from cnnlab.serve.pictures import image_url
from cnnlab.train.attacks import Attack

SEED = 0  # PGD's random start: the same image and settings give the same answer


def perturbation_picture(delta: torch.Tensor, eps: float) -> torch.Tensor:
    """The (C, H, W) change as an image: grey is no change, black -eps, white +eps."""
    return 0.5 + delta / (2 * eps) if eps > 0 else torch.full_like(delta, 0.5)


def attack(lab: Lab, fitted: Fitted, method: str, eps: float, steps: int) -> dict:
    """The adversarial image, the change, and the top classes before and after."""
    settings = Attack(method=method, eps=eps, steps=steps)
    x = lab.view(fitted)
    generator = torch.Generator(device=x.device).manual_seed(SEED)
    with lab.lock:
        with torch.no_grad():
            before = lab.model(x).float().softmax(dim=1)[0]
        label = before.argmax()[None]
        adversarial = settings(lab.model, x, label, generator=generator)
        with torch.no_grad():
            after = lab.model(adversarial).float().softmax(dim=1)[0]
    return {
        "eps": eps,
        "method": method,
        "steps": steps if method == "pgd" else 1,
        "adversarial": image_url(adversarial[0]),
        "perturbation": image_url(perturbation_picture(adversarial[0] - x[0], eps)),
        "before": top_classes(before, lab.run.classes),
        "after": top_classes(after, lab.run.classes),
        "flipped": bool(after.argmax() != before.argmax()),
    }
