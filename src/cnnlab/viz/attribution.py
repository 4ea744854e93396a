"""Which pixels decide a prediction: saliency, occlusion and Grad-CAM maps.

Each function takes a model and a batch ``images`` of shape (N, C, H, W) in the
model's input space (wrap the model in :class:`~cnnlab.train.run.PixelModel` to pass
0..1 pixels) and returns one map per image. ``target`` is the class to explain: None
for each image's predicted class, an int for the same class everywhere, or a tensor of
N classes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.errors import ConfigError, ModelError
from cnnlab.viz.probes import cam_layer, find_layer, frozen, recording

Target = int | torch.Tensor | None


def resolve_target(logits: torch.Tensor, target: Target) -> torch.Tensor:
    """The (N,) classes to explain; a ModelError if one is not among the model's outputs."""
    num_classes = logits.shape[1]
    if target is None:
        return logits.argmax(dim=1)
    classes = torch.as_tensor(target, device=logits.device).long().expand(logits.shape[0])
    bad = classes[(classes < 0) | (classes >= num_classes)]
    if bad.numel():
        raise ModelError(
            f"target class {int(bad[0])} is out of range: the model has {num_classes} "
            f"classes (0..{num_classes - 1})"
        )
    return classes


def class_scores(model: nn.Module, images: torch.Tensor, target: Target) -> torch.Tensor:
    """The (N,) raw scores (logits) of the target classes, with their graph."""
    logits = model(images)
    classes = resolve_target(logits.detach(), target)
    return logits.gather(1, classes[:, None]).squeeze(1)


def saliency(model: nn.Module, images: torch.Tensor, target: Target = None) -> torch.Tensor:
    """(N, H, W): |d score / d pixel|, the largest over colour channels (Simonyan et al., 2014).

    A large value marks a pixel whose small change moves the class score most.
    """
    with frozen(model):
        x = images.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(class_scores(model, x, target).sum(), x)
    return saliency_map(grad)


def saliency_map(grad: torch.Tensor) -> torch.Tensor:
    """(N, H, W) saliency from d score / d images (N, C, H, W)."""
    return grad.abs().amax(dim=1)


def gradcam(
    model: nn.Module, images: torch.Tensor, target: Target = None, layer: str | None = None
) -> torch.Tensor:
    """(N, H, W): Grad-CAM (Selvaraju et al., 2017) of ``layer``, upsampled to the input size.

    ReLU(sum_k a_k A^k), where A^k is the layer's k-th map and a_k the mean over positions
    of d score / d A^k. ``layer`` defaults to the layer the model declares (``cam_layer``).
    """
    with frozen(model):
        name = layer or cam_layer(model)
        with recording(find_layer(model, name)) as outputs:
            scores = class_scores(model, images, target)
        maps = outputs[-1]
        if maps.ndim != 4:
            raise ModelError(
                f"layer {name!r} outputs shape {tuple(maps.shape)}; Grad-CAM needs (N, C, H, W)"
            )
        (grads,) = torch.autograd.grad(scores.sum(), maps)
    return gradcam_map(maps, grads, images.shape[-2:])


def gradcam_map(maps: torch.Tensor, grads: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, H, W) Grad-CAM at ``size`` from a layer's maps (N, C, h, w) and d score / d maps."""
    weights = grads.mean(dim=(2, 3), keepdim=True)  # (N, C, 1, 1)
    cam = F.relu((weights * maps.detach()).sum(dim=1, keepdim=True))  # (N, 1, h, w)
    cam = F.interpolate(cam, size=tuple(size), mode="bilinear", align_corners=False)
    return cam.squeeze(1)


def window_starts(length: int, size: int, stride: int) -> list[int]:
    """Top (or left) edges of the occluder: every ``stride`` pixels, the last one clipped at
    the border so that every pixel is covered (the positions captum's Occlusion uses)."""
    count = -(-(length - size) // stride) + 1  # ceil((length - size) / stride) + 1
    return [i * stride for i in range(count)]


def occlusion_masks(height: int, width: int, size: int, stride: int) -> torch.Tensor:
    """(rows * cols, H, W) booleans, True under the square at each position, row-major."""
    if not 1 <= size <= min(height, width):
        raise ConfigError(
            f"occluder size {size} does not fit the {height}x{width} image: "
            f"expected 1..{min(height, width)}"
        )
    if not 1 <= stride <= size:
        raise ConfigError(f"occluder stride {stride} must be between 1 and the size {size}")
    rows, cols = window_starts(height, size, stride), window_starts(width, size, stride)
    masks = torch.zeros(len(rows), len(cols), height, width, dtype=torch.bool)
    for i, top in enumerate(rows):
        for j, left in enumerate(cols):
            masks[i, j, top : top + size, left : left + size] = True
    return masks.flatten(0, 1)


@torch.no_grad()
def occluded_probabilities(
    model: nn.Module,
    images: torch.Tensor,
    target: Target,
    masks: torch.Tensor,
    fill: float,
    batch_size: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N,) probabilities of the target classes, and (N, P) with the square at each of the P
    ``masks``; the occluded copies of each image go through the model ``batch_size`` at a
    time."""
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}")
    with frozen(model):
        logits = model(images)
        classes = resolve_target(logits, target)
        base = logits.softmax(dim=1).gather(1, classes[:, None]).squeeze(1)
        probs = torch.empty(images.shape[0], masks.shape[0], device=images.device)
        for n, image in enumerate(images):
            for start in range(0, masks.shape[0], batch_size):
                chunk = masks[start : start + batch_size, None]  # (B, 1, H, W)
                # Channels-last: oneDNN's CPU convolutions run ~1.4x faster on ResNet-18.
                occluded = torch.where(chunk, fill, image).contiguous(
                    memory_format=torch.channels_last
                )
                probs[n, start : start + len(chunk)] = model(occluded).softmax(dim=1)[:, classes[n]]
    return base, probs


def occlusion(
    model: nn.Module,
    images: torch.Tensor,
    target: Target = None,
    *,
    size: int = 8,
    stride: int = 4,
    fill: float = 0.5,
    batch_size: int = 256,
) -> torch.Tensor:
    """(N, rows, cols): the target's probability with a ``size`` square of ``fill`` at each
    position, ``stride`` pixels apart (Zeiler and Fergus, 2014).

    ``fill`` 0.5 is grey for a :class:`~cnnlab.train.run.PixelModel` model.
    """
    height, width = images.shape[-2:]
    masks = occlusion_masks(height, width, size, stride).to(images.device)
    _, probs = occluded_probabilities(model, images, target, masks, fill, batch_size)
    return probs.view(images.shape[0], len(window_starts(height, size, stride)), -1)


def occlusion_map(
    model: nn.Module,
    images: torch.Tensor,
    target: Target = None,
    *,
    size: int = 8,
    stride: int = 4,
    fill: float = 0.5,
    batch_size: int = 256,
) -> torch.Tensor:
    """(N, H, W): at each pixel, the mean drop of the target's probability over the occluder
    positions that cover it; the same map as captum's ``Occlusion`` on the probability."""
    height, width = images.shape[-2:]
    masks = occlusion_masks(height, width, size, stride).to(images.device)
    base, probs = occluded_probabilities(model, images, target, masks, fill, batch_size)
    return pixel_drops(base, probs, masks)


def pixel_drops(base: torch.Tensor, probs: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """(N, H, W): the mean of ``base - probs`` over the (P, H, W) ``masks`` covering each pixel."""
    flat = masks.flatten(1).to(probs.dtype)  # (P, H * W)
    summed = (base[:, None] - probs) @ flat  # (N, H * W)
    return (summed / flat.sum(dim=0)).view(-1, *masks.shape[1:])
