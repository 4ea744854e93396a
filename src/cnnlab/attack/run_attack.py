"""``cnnlab attack``'s measurement of a run: robust accuracy on the first n test images,
the sanity checks, and the files that record them (a JSON holding the whole specification
beside every number, the accuracy-against-eps curve, example adversarials)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from cnnlab.atomic import atomic_write_text
from cnnlab.attack.pictures import plot_curve, plot_examples
from cnnlab.attack.robustness import Robustness, RobustnessSpec, robustness
from cnnlab.attack.sanity import Check, sanity_checks
from cnnlab.train.run import Run


@dataclass
class RunRobustness:
    run: Run
    result: Robustness
    checks: list[Check]
    transfer_from: str | None  # the run whose adversarials were transferred, if any

    @property
    def name(self) -> str:
        """The files' stem: attack-pgd-linf, attack-fgsm-l2..."""
        return f"attack-{self.result.spec.method}-{self.result.spec.norm}"

    def record(self) -> dict:
        """Everything measured, each number beside the specification it was measured with."""
        result = self.result
        return {
            "run": str(self.run.path),
            "specification": {**result.spec.as_dict(), "n": result.count},
            "transfer_from": self.transfer_from,
            "clean_accuracy": result.clean_accuracy,
            "rows": [asdict(row) for row in result.rows],
            "checks": [asdict(check) for check in self.checks],
        }

    def save(self, folder: Path | None = None) -> list[Path]:
        """Write NAME.json, NAME-curve.png and NAME-examples.png into ``folder`` (default:
        the run's plots folder); the paths written."""
        folder = Path(folder) if folder is not None else self.run.folder.plots
        text = json.dumps(self.record(), indent=2) + "\n"
        spec = self.result.spec
        title = f"{spec.method} {spec.norm}, {spec.loss} loss, {self.result.count} images"
        return [
            atomic_write_text(folder / f"{self.name}.json", text),
            plot_curve(self.result, title, folder / f"{self.name}-curve.png"),
            self.examples(folder / f"{self.name}-examples.png"),
        ]

    def examples(self, path: Path) -> Path:
        """Example adversarials at the largest eps, captioned with class and confidence."""
        images, adversarial = self.result.examples["images"], self.result.examples["adversarial"]
        eps = self.result.spec.eps[-1]
        before, after = (self.captions(batch) for batch in (images, adversarial))
        return plot_examples(images, adversarial, before, after, f"eps {eps:g}", path)

    @torch.no_grad()
    def captions(self, images: torch.Tensor) -> list[str]:
        confidence, classes = self.run.scoring_model()(images).float().softmax(1).max(1)
        return [
            f"{self.run.classes[c]} {p:.0%}"
            for c, p in zip(classes.tolist(), confidence.tolist(), strict=True)
        ]


def attack_run(
    run: Run, spec: RobustnessSpec, *, transfer_from: Run | None = None
) -> RunRobustness:
    """Robust accuracy of ``run`` on the first ``spec.n`` test images at every eps of
    ``spec``, attacked through the run's preprocessing on 0..1 pixels, with the checks."""
    model = run.scoring_model()
    other = transfer_from.scoring_model() if transfer_from is not None else None
    test = run.dataset("test")
    images = run.view(test.images[: spec.n])
    labels = test.labels[: spec.n].to(run.device)
    result = robustness(model, images, labels, spec, transfer_from=other)
    name = str(transfer_from.path) if transfer_from is not None else None
    return RunRobustness(run, result, sanity_checks(result), name)
