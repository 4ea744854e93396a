"""The 8x8 handwritten digits that ship with scikit-learn, upscaled to 32x32 for LeNet-5."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from cnnlab.data.dataset import Dataset, stratified_split

if TYPE_CHECKING:  # the catalogue's row names this builder
    from cnnlab.data.catalogue import CatalogueEntry

TEST_FRACTION = 0.2  # digits has no official test split; hold out a stratified fifth
DIGIT_CLASSES = [str(d) for d in range(10)]


def build_digits(entry: CatalogueEntry, data_dir: Path, seed: int) -> dict[str, Dataset]:
    """scikit-learn's copy (nothing to download); the test split is a stratified fifth."""
    from sklearn.datasets import load_digits  # slow to import: on first use

    bunch = load_digits()
    pixels = torch.as_tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0  # 0..16 ink
    upscaled = F.interpolate(pixels, size=(32, 32), mode="bilinear", align_corners=False)
    images = (upscaled.clamp(0, 1) * 255).round().to(torch.uint8)
    full = Dataset("digits", images, torch.as_tensor(bunch.target), DIGIT_CLASSES)
    train, test = stratified_split(full, TEST_FRACTION, seed)
    return {"train": train, "test": test}
