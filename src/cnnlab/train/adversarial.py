"""Adversarial training: each training batch replaced by its adversarial examples on the
0..1 pixel scale, through the run's preprocessing. ``fgsm-rs`` is FGSM from a random start
with step 1.25 eps (Wong et al., 2020); ``pgd`` is PGD with ``adv_steps`` steps (Madry et
al., 2018). Each epoch measures robust validation accuracy (PGD on a fixed validation
subset) and watches for catastrophic overfitting: robust accuracy collapsing while clean
accuracy rises, the known failure of FGSM training (Wong et al., 2020); a robust
collapse with clean accuracy falling too stops the run as well."""

from __future__ import annotations

from typing import Any

import torch

from cnnlab.data.preprocess import Preprocess
from cnnlab.train.attacks import Attack, attacking
from cnnlab.train.config import TrainConfig
from cnnlab.train.run import PixelModel

ROBUST_SUBSET = 256  # validation images attacked each epoch
ROBUST_STEPS = 10  # PGD steps of that attack
COLLAPSE = 0.5  # robust accuracy below this share of its best is a collapse
NEVER_ROBUST = 3  # epochs of robust accuracy under FLOOR, clean above CLEAN: never learnt
FLOOR, CLEAN = 0.01, 0.9


def training_attack(config: TrainConfig) -> Attack | None:
    """The attack each training batch gets, or None without adversarial training. Every
    image climbs all its steps: training wants the highest loss, not the first break."""
    if config.adversarial == "none":
        return None
    if config.adversarial == "fgsm-rs":
        step = config.adv_step_size or 1.25 * config.adv_eps
        return Attack("pgd", "linf", config.adv_eps, 1, step, early_stop=False)
    return Attack(
        "pgd", "linf", config.adv_eps, config.adv_steps, config.adv_step_size, early_stop=False
    )


def adversarial_batch(
    model: torch.nn.Module, preprocess: Preprocess, x: torch.Tensor, y: torch.Tensor, attack: Attack
) -> torch.Tensor:
    """The prepared batch ``x`` replaced by ``attack``'s adversarials, prepared again. The
    model is attacked as it trains (train mode), its parameters getting no gradient."""
    pixels = preprocess.invert(x).clamp(0, 1)
    pixel_model = PixelModel(model, preprocess)
    with attacking(pixel_model, eval_mode=False):
        adversarial = attack(pixel_model, pixels, y)
    return preprocess(adversarial)


def robust_accuracy(
    model: torch.nn.Module, preprocess: Preprocess, loader: Any, eps: float
) -> float:
    """Share of the first ROBUST_SUBSET validation images classified correctly both as they
    are and under PGD (L-inf, ``eps``, ROBUST_STEPS steps of 2.5 eps / steps, a seeded
    random start), in eval mode."""
    attack = Attack("pgd", "linf", eps, ROBUST_STEPS)
    pixel_model = PixelModel(model, preprocess)
    generator = None
    correct = total = 0
    with attacking(pixel_model):
        for x, y, *_ in loader:
            x, y = x[: ROBUST_SUBSET - total], y[: ROBUST_SUBSET - total]
            if generator is None:
                generator = torch.Generator(device=x.device).manual_seed(0)
            pixels = preprocess.invert(x).clamp(0, 1)
            adversarial = attack(pixel_model, pixels, y, generator=generator)
            with torch.no_grad():
                clean = pixel_model(pixels).argmax(1) == y
                correct += int((clean & (pixel_model(adversarial).argmax(1) == y)).sum())
            total += len(y)
            if total >= ROBUST_SUBSET:
                break
    return correct / total if total else 0.0


def never_robust(rows: list[dict[str, Any]]) -> bool:
    """NEVER_ROBUST epochs in which the attack broke nearly every validation image while the
    clean ones were learnt: a collapse that happened before robustness could rise."""
    return len(rows) == NEVER_ROBUST and all(
        row["val_robust_accuracy"] < FLOOR and row["val_accuracy"] > CLEAN for row in rows
    )


def catastrophic_overfitting(rows: list[dict[str, Any]]) -> str | None:
    """A message when the newest epoch's robust validation accuracy fell below COLLAPSE of
    its best so far, or stayed near zero for NEVER_ROBUST epochs of good clean accuracy,
    else None. With clean accuracy rising it is catastrophic overfitting
    (Wong et al., 2020); with clean accuracy falling too, the adversarial training itself
    diverged (seen with PGD at a high learning rate). Either way the robust network the
    run wants is the best checkpoint's, so the run stops."""
    robust = [row for row in rows if "val_robust_accuracy" in row]
    if never_robust(robust[-NEVER_ROBUST:]):
        last = robust[-1]
        return (
            f"catastrophic overfitting from the start: robust validation accuracy under "
            f"{FLOOR:.2f} for {NEVER_ROBUST} epochs while clean accuracy reached "
            f"{last['val_accuracy']:.4f} (a smaller --adv-eps or --adv-step-size, or "
            f"--adversarial pgd, may hold it); stopped at epoch {last['epoch']}"
        )
    if len(robust) < 2:
        return None
    best = max(robust[:-1], key=lambda row: row["val_robust_accuracy"])
    last = robust[-1]
    if last["val_robust_accuracy"] >= COLLAPSE * best["val_robust_accuracy"]:
        return None
    fell = (
        f"robust validation accuracy fell from {best['val_robust_accuracy']:.4f} (epoch "
        f"{best['epoch']}) to {last['val_robust_accuracy']:.4f}"
    )
    kept = f"stopped, checkpoints/best keeps epoch {best['epoch']}"
    if last["val_accuracy"] > best["val_accuracy"]:
        return (
            f"catastrophic overfitting at epoch {last['epoch']}: {fell} while clean accuracy "
            f"rose to {last['val_accuracy']:.4f}; {kept}"
        )
    return (
        f"robust accuracy collapsed at epoch {last['epoch']}: {fell} and clean accuracy fell "
        f"too, to {last['val_accuracy']:.4f} (the adversarial training diverged: a lower "
        f"--lr or a smaller --adv-step-size may hold it); {kept}"
    )
