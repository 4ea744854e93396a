"""Input preprocessing fitted on the training split and applied identically everywhere after.

Kinds (``TrainConfig.preprocess``, ``--preprocess``):

    none         the 0..1 pixels as they are
    mean         subtract the per-channel mean ("center your data")
    standardize  subtract the per-channel mean, divide by the per-channel standard deviation
    pca          PCA whitening of whole images: rotate the centred pixel vector onto the
                 eigenvectors of the training covariance, divide each coordinate by
                 sqrt(eigenvalue + eps). The result is laid out in the image's shape but its
                 positions are principal components, not pixels (so it suits models without
                 spatial structure; ``zca`` is the whitening for convolutional networks).
    zca          ZCA whitening: PCA whitening rotated back (U diag(1/sqrt(l + eps)) U^T), the
                 whitened image closest to the original; edges stand out

``pca`` and ``zca`` take an optional ``:eps=VALUE`` (default 0.01 on the 0..1 pixel scale),
which keeps the tiny eigenvalues of the covariance from amplifying noise. A run folder
stores the fit in ``preprocess.json`` (kind, per-channel mean/std, eps) and, for whitening,
the eigenvectors and eigenvalues in ``preprocess.safetensors`` beside it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from cnnlab.atomic import atomic_write
from cnnlab.data.dataset import Dataset
from cnnlab.errors import ConfigError, RunError
from cnnlab.files import read_text

KINDS = ("none", "mean", "standardize", "pca", "zca")
WHITENING = ("pca", "zca")
DEFAULT_EPS = 0.01
MIN_STD = 1e-6  # on the 0..1 scale: a channel this flat is constant
MAX_WHITEN_FEATURES = 4096  # C*H*W; the covariance is a (D, D) matrix
TENSORS_FILE = "preprocess.safetensors"
View = Callable[[torch.Tensor, torch.Generator], torch.Tensor]  # the evaluation crop, if any


@dataclass
class Preprocess:
    kind: str
    mean: list[float]  # per channel, on the 0..1 scale
    std: list[float]  # per channel
    eps: float = DEFAULT_EPS  # whitening: added to every eigenvalue
    eigenvalues: torch.Tensor | None = field(default=None, repr=False)  # (D,) whitening only
    eigenvectors: torch.Tensor | None = field(default=None, repr=False)  # (D, D), columns
    pixel_mean: torch.Tensor | None = field(default=None, repr=False)  # (D,) whitening only
    cache: dict[str, torch.Tensor] = field(default_factory=dict, repr=False)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """A float batch on 0..1 (N, C, H, W) as the model's input."""
        if self.kind == "none":
            return x
        if self.kind in WHITENING:
            forward, _ = self.matrices(x)
            flat = x.flatten(1) - self.tensor("pixel_mean", x)
            return (flat @ forward).view(x.shape)
        if self.kind == "mean":
            return x - self.tensor("mean", x).view(1, -1, 1, 1)
        scale = self.tensor("std", x).reciprocal().view(1, -1, 1, 1)
        return torch.addcmul(-self.tensor("mean", x).view(1, -1, 1, 1) * scale, x, scale)

    def invert(self, z: torch.Tensor) -> torch.Tensor:
        """A preprocessed batch back on the 0..1 scale (for drawing), unclamped."""
        if self.kind == "none":
            return z
        if self.kind in WHITENING:
            _, backward = self.matrices(z)
            return (z.flatten(1) @ backward + self.tensor("pixel_mean", z)).view(z.shape)
        if self.kind == "standardize":
            z = z * self.tensor("std", z).view(1, -1, 1, 1)
        return z + self.tensor("mean", z).view(1, -1, 1, 1)

    def tensor(self, name: str, like: torch.Tensor) -> torch.Tensor:
        """``name`` on ``like``'s device and dtype, kept so a loader does not copy per batch."""
        key = f"{name}/{like.device}/{like.dtype}"
        if key not in self.cache:
            value = getattr(self, name)
            value = torch.as_tensor(value, dtype=torch.float64)
            self.cache[key] = value.to(like.device, like.dtype)
        return self.cache[key]

    def matrices(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The whitening matrix (D, D) and its inverse, for row vectors."""
        key = f"matrices/{like.device}/{like.dtype}"
        if key not in self.cache:
            if self.eigenvectors is None or self.eigenvalues is None:
                raise RunError(f"{self.kind} preprocessing has no fitted eigenvectors")
            vectors, scale = self.eigenvectors.double(), (self.eigenvalues.double() + self.eps)
            forward, backward = vectors / scale.sqrt(), vectors.T * scale.sqrt().view(-1, 1)
            if self.kind == "zca":
                forward, backward = forward @ vectors.T, vectors @ backward
            self.cache[key] = torch.stack([forward, backward]).to(like.device, like.dtype)
        forward, backward = self.cache[key]
        if forward.shape[0] != like[0].numel():
            raise ConfigError(
                f"{self.kind} whitening was fitted on images of {forward.shape[0]} values "
                f"(C*H*W), found images of shape {tuple(like.shape[1:])}"
            )
        return forward, backward

    def as_dict(self) -> dict[str, Any]:
        """What ``preprocess.json`` holds (the whitening tensors go to their own file)."""
        values: dict[str, Any] = {"kind": self.kind, "mean": self.mean, "std": self.std}
        if self.kind in WHITENING:
            values.update(eps=self.eps, tensors=TENSORS_FILE)
        return values

    def save(self, folder: str | Path) -> None:
        """Write ``preprocess.json`` (and the whitening tensors) into ``folder``."""
        folder = Path(folder)
        self.save_tensors(folder)
        text = json.dumps(self.as_dict(), indent=2, sort_keys=True)
        atomic_write(folder / "preprocess.json", lambda tmp: tmp.write_text(text, "utf-8"))

    def save_tensors(self, folder: str | Path) -> None:
        if self.kind not in WHITENING:
            return
        tensors = {
            "eigenvalues": self.eigenvalues,
            "eigenvectors": self.eigenvectors,
            "pixel_mean": self.pixel_mean,
        }
        tensors = {k: v.contiguous() for k, v in tensors.items()}
        atomic_write(Path(folder) / TENSORS_FILE, lambda tmp: save_file(tensors, str(tmp)))

    @classmethod
    def from_dict(cls, values: dict[str, Any], folder: str | Path) -> Preprocess:
        """Read what :meth:`as_dict` wrote; old files holding only mean/std are standardize."""
        kind = values.get("kind", "standardize")
        if kind not in KINDS or "mean" not in values or "std" not in values:
            raise RunError(
                f"{Path(folder) / 'preprocess.json'}: expected a kind in {', '.join(KINDS)} with "
                f"mean and std, found {sorted(values)} (kind {kind!r})"
            )
        preprocess = cls(kind, values["mean"], values["std"], values.get("eps", DEFAULT_EPS))
        if kind in WHITENING:
            path = Path(folder) / values.get("tensors", TENSORS_FILE)
            try:
                tensors = load_file(str(path))
            except (FileNotFoundError, SafetensorError, OSError) as exc:
                raise RunError(f"{path}: cannot read the {kind} whitening tensors ({exc})") from exc
            for name in ("eigenvalues", "eigenvectors", "pixel_mean"):
                if name not in tensors:
                    raise RunError(f"{path}: expected a tensor {name!r}, found {sorted(tensors)}")
                setattr(preprocess, name, tensors[name])
        return preprocess


def load_preprocess(folder: str | Path) -> Preprocess:
    """The preprocessing stored in a run folder."""
    path = Path(folder) / "preprocess.json"
    if not path.exists() and not path.is_symlink():
        raise RunError(f"run folder {folder} has no preprocess.json")
    try:
        values = json.loads(read_text(path, 1 << 20))
    except json.JSONDecodeError as exc:
        raise RunError(f"{path} cannot be read as JSON: {exc}") from exc
    if not isinstance(values, dict):
        raise RunError(f"{path}: expected a JSON object with kind, mean and std")
    return Preprocess.from_dict(values, folder)


def parse_preprocess(spec: str) -> tuple[str, float]:
    """``kind`` or ``pca:eps=0.1`` / ``zca:eps=0.1`` as (kind, eps); a ConfigError if bad
    (eps must be a finite number > 0, given at most once)."""
    kind, *options = spec.split(":")
    if kind not in KINDS:
        raise ConfigError(f"unknown preprocess {spec!r}: expected one of {', '.join(KINDS)}")
    if len(options) > 1:
        raise ConfigError(
            f"preprocess {spec!r}: {len(options)} options given; only pca and zca take one, "
            "eps=E (e.g. zca:eps=0.1)"
        )
    eps = DEFAULT_EPS
    for option in options:
        key, _, text = option.partition("=")
        try:
            eps = float(text) if key == "eps" and kind in WHITENING else -1.0
        except ValueError:
            eps = -1.0
        if not (math.isfinite(eps) and eps > 0):
            raise ConfigError(
                f"preprocess {spec!r}: bad option {option!r}; only pca and zca take one, "
                "eps=E with E a finite number > 0 (e.g. zca:eps=0.1)"
            )
    return kind, eps


def fit_preprocess(spec: str, train: Dataset, view: View | None = None) -> Preprocess:
    """Fit the preprocessing ``spec`` names on the training split. Whitening is fitted on the
    images as the model receives them, ``view`` (the evaluation crop) applied, so its
    matrices match the model's input size."""
    kind, eps = parse_preprocess(spec)
    mean, std = train.channel_stats()
    # a channel that never varies (solid colours) has std 0: centre it, do not divide by 0
    std = [value if value > MIN_STD else 1.0 for value in std]
    preprocess = Preprocess(kind, mean, std, eps)
    if kind in WHITENING:
        pixel_mean, covariance = pixel_covariance(train, view)
        values, vectors = torch.linalg.eigh(covariance)
        preprocess.eigenvalues = values.clamp(min=0).flip(0).float()
        preprocess.eigenvectors = vectors.flip(1).float()
        preprocess.pixel_mean = pixel_mean.float()
    return preprocess


def pixel_covariance(
    train: Dataset, view: View | None = None, chunk: int = 2048
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (D,) and covariance (D, D) of the training images (through ``view``) as vectors
    on the 0..1 scale."""

    def viewed(images: torch.Tensor) -> torch.Tensor:
        x = images.float() / 255
        return (view(x, torch.Generator()) if view else x).flatten(1)

    features = viewed(train.images[:1]).shape[1]
    if features > MAX_WHITEN_FEATURES:
        raise ConfigError(
            f"pca/zca whitening of {train.name!r}: images of shape {train.image_shape} have "
            f"{features} values, more than the {MAX_WHITEN_FEATURES} a (D, D) covariance "
            "allows; use mean or standardize"
        )
    total = torch.zeros(features, dtype=torch.float64)
    for start in range(0, len(train.images), chunk):
        total += viewed(train.images[start : start + chunk]).double().sum(dim=0)
    mean = total / max(1, len(train.images))
    covariance = torch.zeros(features, features, dtype=torch.float64)
    for start in range(0, len(train.images), chunk):
        part = viewed(train.images[start : start + chunk]) - mean.float()
        covariance += (part.T @ part).double()
    return mean, covariance / max(1, len(train.images) - 1)
