"""One analysis of one image: the top classes, every shown layer's feature maps, and the
attribution maps of the top class drawn over the input.

Saliency (Simonyan et al., 2014) and Grad-CAM (Selvaraju et al., 2017) are the maps of
:mod:`cnnlab.viz.attribution`, computed from the one forward pass that also records the
feature maps and the one backward pass that gives both gradients (d score / d pixels for
saliency, d score / d the Grad-CAM layer's maps): the same numbers as calling
``saliency`` and ``gradcam`` one after the other, for a third of the work. Occlusion
(Zeiler and Fergus, 2014) slides a grey square an eighth of the image wide, half its
width at a time: a 32x32 digit costs 225 small passes, a 224x224 photograph 225 full ones,
so the page asks for it only when it is shown.
"""

from __future__ import annotations

from contextlib import ExitStack

import torch

from cnnlab.errors import ConfigError, shown
from cnnlab.serve.lab import Fitted, Lab, recorded
from cnnlab.serve.pictures import feature_grid, image_url, overlay_url
from cnnlab.viz.attribution import gradcam_map, occlusion_map, saliency_map
from cnnlab.viz.probes import recording

TOP = 5
ATTRIBUTIONS = ("saliency", "gradcam", "occlusion")
GRADIENT_MAPS = ("saliency", "gradcam")  # from the one backward pass


def occlusion(lab: Lab, x: torch.Tensor, target: int) -> torch.Tensor:
    """(H, W): the mean drop of the target's probability under the square at each pixel."""
    size = max(2, min(x.shape[-2:]) // 8)
    return occlusion_map(lab.model, x, target, size=size, stride=max(1, size // 2))[0]


def parse_attributions(text: str) -> list[str]:
    """``saliency,gradcam`` as a list of known names, in the order given, once each."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in ATTRIBUTIONS:
            raise ConfigError(
                f"attribution: expected a comma-separated list of {', '.join(ATTRIBUTIONS)}, "
                f"found {shown(name)[:40]!r}"
            )
    return list(dict.fromkeys(names))


def top_classes(probabilities: torch.Tensor, classes: list[str], k: int = TOP) -> list[dict]:
    """The ``k`` most probable classes of a (classes,) vector, most probable first."""
    values, indices = probabilities.float().cpu().topk(min(k, len(probabilities)))
    return [
        {"index": int(i), "class": classes[int(i)], "probability": float(p)}
        for p, i in zip(values, indices, strict=True)
    ]


def layer_rows(lab: Lab, outputs: dict[str, torch.Tensor]) -> list[dict]:
    """Each shown layer's maps as one grid PNG; a vector (K,) is K maps of 1x1."""
    rows = []
    for layer in lab.layers:
        output = outputs[layer.name][0]
        maps = output if output.ndim == 3 else output[:, None, None]
        grid, low, high = feature_grid(maps)
        rows.append(
            {
                "name": layer.name,
                "type": layer.kind,
                "shape": list(layer.shape),
                "grid": grid,
                "min": low,
                "max": high,
            }
        )
    return rows


def one_pass(
    lab: Lab, x: torch.Tensor, layers: bool, wanted: list[str]
) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Probabilities (classes,), the shown layers' outputs (when ``layers``), and the
    ``wanted`` gradient maps of the top class, from one forward and one backward pass."""
    gradients = [name for name in GRADIENT_MAPS if name in wanted]
    watched = {layer.name: layer.module for layer in lab.layers} if layers else {}
    x = x.detach().clone().requires_grad_(bool(gradients))
    with ExitStack() as stack:
        stack.enter_context(torch.set_grad_enabled(bool(gradients)))
        outputs = stack.enter_context(recorded(watched))
        cam = stack.enter_context(recording(lab.cam_module)) if "gradcam" in gradients else []
        logits = lab.model(x)
    probabilities = logits.detach().float().softmax(dim=1)[0]
    target = int(probabilities.argmax())
    maps: dict[str, torch.Tensor] = {}
    if gradients:
        grads = torch.autograd.grad(logits[0, target], [x, *cam[-1:]])
        if "saliency" in gradients:
            maps["saliency"] = saliency_map(grads[0])[0]
        if "gradcam" in gradients:
            maps["gradcam"] = gradcam_map(cam[-1], grads[1], x.shape[-2:])[0]
    return probabilities, outputs, maps


def analyse(lab: Lab, fitted: Fitted, attributions: list[str], layers: bool = True) -> dict:
    """The top classes of ``fitted``, its feature maps (``layers``) and the named
    attribution maps of the top class, as the JSON the page reads."""
    x = lab.view(fitted)
    with lab.lock:
        probabilities, outputs, maps = one_pass(lab, x, layers, attributions)
        if "occlusion" in attributions:
            maps["occlusion"] = occlusion(lab, x, int(probabilities.argmax()))
    _, height, width = lab.run.input_shape
    return {
        "input": {"png": image_url(x[0]), "width": width, "height": height, "notes": fitted.notes},
        "top": top_classes(probabilities, lab.run.classes),
        "layers": layer_rows(lab, outputs) if layers else [],
        "attribution": {name: overlay_url(x[0], maps[name]) for name in attributions},
    }
