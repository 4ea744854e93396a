"""A task whose answer sits at a known place: in a 16x16 noise image, a 4x4 patch at PATCH
is black (class 0) or white (class 1), or, with three classes, left as noise (class 2).

Tiny CNNs trained on it for a second or two must look there, so their attribution maps
must peak inside PATCH. Two heads: the plain one flattens its last feature maps into a
linear layer (it knows where things are, as LeNet-5 does); the pooled one averages
them first (as ResNet does), the head Grad-CAM is made for.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

SIZE = 16
PATCH = (slice(3, 7), slice(9, 13))  # rows 3..6, columns 9..12


def patch_images(count: int, seed: int, classes: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """(count, 1, 16, 16) uniform noise on 0..1 with the deciding patch, and the labels."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(count, 1, SIZE, SIZE, generator=generator)
    labels = torch.randint(0, classes, (count,), generator=generator)
    marked = labels < 2
    images[marked, 0, PATCH[0], PATCH[1]] = labels[marked].float()[:, None, None]
    return images, labels


def inside_patch(row: int, col: int) -> bool:
    return PATCH[0].start <= row < PATCH[0].stop and PATCH[1].start <= col < PATCH[1].stop


class TinyNet(nn.Module):
    def __init__(self, num_classes: int, pooled: bool) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),  # (N, 8, 16, 16)
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 16, 3, padding=1),  # (N, 16, 16, 16)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # (N, 16, 8, 8)
            nn.Conv2d(16, 16, 3, padding=1),  # (N, 16, 8, 8)
            nn.ReLU(inplace=True),
        )
        pool = nn.AdaptiveAvgPool2d(1) if pooled else nn.Identity()
        width = 16 if pooled else 16 * 8 * 8
        self.classifier = nn.Sequential(pool, nn.Flatten(), nn.Linear(width, num_classes))

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


def train_tiny(classes: int, pooled: bool) -> TinyNet:
    """Three epochs of Adam on 1,024 images."""
    torch.manual_seed(0)
    images, labels = patch_images(1024, seed=1, classes=classes)
    model = TinyNet(classes, pooled)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _epoch in range(3):
        for start in range(0, len(images), 32):
            batch = slice(start, start + 32)
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    test_images, test_labels = patch_images(256, seed=2, classes=classes)
    with torch.no_grad():
        accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
    assert accuracy > 0.97, f"the patch model did not learn the task: accuracy {accuracy}"
    return model


@functools.cache
def trained_patch_model(pooled: bool = False) -> TinyNet:
    """Trained once per test session. Pooled: two classes (black or white patch), global
    average pooling before the linear head. Not pooled: three classes (black patch, white
    patch, no patch), a position-aware linear head."""
    return train_tiny(classes=2 if pooled else 3, pooled=pooled)
