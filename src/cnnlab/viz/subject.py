"""What an attribution or adversarial picture looks at: a run's pixel model, one image of
it (a file or an image of a split) on 0..1, and the class explained."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.train.run import PixelModel, Run
from cnnlab.viz.attribution import resolve_target


@dataclass
class Subject:
    run: Run
    model: PixelModel
    image: torch.Tensor  # (1, C, H, W) on 0..1, on the run's device
    source: str  # the file, or test[INDEX]
    label: int | None  # the true class, for an image of a split
    target: int  # the class explained

    @property
    def classes(self) -> list[str]:
        return self.run.classes

    def describe(self, what: str) -> str:
        """A title: the kind of picture, the class with its score and probability, the image."""
        with torch.no_grad():
            logits = self.model(self.image)[0]
        prob = logits.softmax(dim=0)[self.target].item()
        truth = f", true class {self.classes[self.label]!r}" if self.label is not None else ""
        return (
            f"{what} of class {self.classes[self.target]!r} (score {logits[self.target]:.2f}, "
            f"p {prob:.3f}) for {self.source}{truth}"
        )

    def plot_path(self, kind: str) -> Path | None:
        """RUN/plots/KIND-IMAGE.png, IMAGE the file's stem or the split and index (None for
        weights without a run folder)."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "", Path(self.source).stem) or "image"
        return self.run.plot_path(f"{kind}-{stem}.png")


def open_subject(
    run: Run,
    image: str | Path | None = None,
    index: int = 0,
    target: int | None = None,
    split: str = "test",
) -> Subject:
    """The image file ``image``, else image ``index`` of ``split``, and the class to explain:
    ``target``, else the predicted one (a class out of range fails before any work)."""
    picked = run.pick(image, index, split)
    model = run.scoring_model()
    pixels = run.view(picked.pixels)
    with torch.no_grad():
        chosen = int(resolve_target(model(pixels), target)[0])
    return Subject(run, model, pixels, picked.source, picked.label, chosen)
