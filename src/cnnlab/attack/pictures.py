"""The pictures of a robustness measurement: accuracy against eps, and example images
(original, perturbation magnified, adversarial, with labels and confidences)."""

from __future__ import annotations

from pathlib import Path

import torch

from cnnlab.attack.robustness import Robustness
from cnnlab.figure import save_figure, subplots


def plot_curve(result: Robustness, title: str, path: Path) -> Path:
    """Robust accuracy against eps, beside FGSM, random noise and any transferred attack."""
    fig, ax = subplots(figsize=(6, 4))
    eps = [row.eps for row in result.rows]
    ax.plot(eps, result.accuracies(), "o-", label=f"{result.spec.method} ({result.spec.loss})")
    if result.spec.method == "pgd":
        ax.plot(eps, [row.by_attack["fgsm-ce"] for row in result.rows], "s--", label="fgsm")
    ax.plot(eps, [row.noise for row in result.rows], ":", label="random noise")
    if result.rows[0].transfer is not None:
        ax.plot(eps, [row.transfer for row in result.rows], "^-.", label="transfer")
    ax.set_xlabel(f"eps ({result.spec.norm}, 0..1 pixels)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend()
    return save_figure(fig, path)


def plot_examples(
    originals: torch.Tensor,
    adversarials: torch.Tensor,
    before: list[str],
    after: list[str],
    title: str,
    path: Path,
) -> Path:
    """One column per image: the original, the perturbation scaled to fill grey +- 0.5,
    the adversarial; ``before``/``after`` caption the first and the last."""
    count = len(originals)
    fig, axes = subplots(3, count, figsize=(1.6 * count, 5.4), squeeze=False)
    change = adversarials - originals
    scale = change.abs().amax().clamp_min(1e-12)
    for column in range(count):
        shown = [originals[column], 0.5 + 0.5 * change[column] / scale, adversarials[column]]
        for row, image in enumerate(shown):
            ax = axes[row][column]
            picture = image.permute(1, 2, 0).cpu().numpy()
            gray = picture.shape[2] == 1
            ax.imshow(picture[..., 0] if gray else picture, cmap="gray" if gray else None,
                      vmin=0, vmax=1)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0][column].set_title(before[column], fontsize=7)
        axes[2][column].set_title(after[column], fontsize=7)
    axes[1][0].set_ylabel(f"change x{0.5 / float(scale):.1f}", fontsize=7)
    fig.suptitle(title)
    return save_figure(fig, path)
