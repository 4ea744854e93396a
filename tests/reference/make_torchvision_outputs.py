"""Write torchvision_outputs.json: the logits of torchvision's models with known weights.

Run once, in a virtual environment that has torchvision (cnnlab never depends on it)::

    /tmp/ref/bin/python tests/reference/make_torchvision_outputs.py

Every state_dict entry is filled by :func:`fill_state_dict`, a pure function of the
entry's name and shape, so a test can fill cnnlab's model of the same architecture
with the same numbers and compare logits. Everything runs in float64: the reference
is then exact to far below the tests' 1e-5 tolerance, whatever the summation order.
"""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
INPUT_SHAPE = (2, 3, 64, 64)  # batch 2; 64x64 is enough for every model's pooling
INPUT_SEED = 20260101
SIGNIFICANT_DIGITS = 10  # of float64 logits: far finer than the tests' tolerance


def fill_tensor(name: str, shape: tuple[int, ...]) -> torch.Tensor:
    """A deterministic float64 tensor for the state_dict entry ``name``.

    Weights get 1/sqrt(fan_in) normals (activations neither vanish nor explode),
    batch-norm scales 1 + small noise, biases and running means small normals and
    running variances uniform in [0.5, 1.5), so that eval-mode batch norm is not the
    identity and a wrong buffer name shows up in the logits.
    """
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "running_var":
        return 0.5 + torch.rand(shape, generator=gen, dtype=torch.float64)
    values = torch.randn(shape, generator=gen, dtype=torch.float64)
    if len(shape) >= 2:
        return values / math.sqrt(math.prod(shape[1:]))
    if leaf == "weight":
        return 1.0 + 0.1 * values
    return 0.1 * values  # biases, running means and anything else one-dimensional


def fill_state_dict(model: torch.nn.Module) -> torch.nn.Module:
    """Fill every parameter and buffer of ``model`` in place (float64) and return it."""
    model.double()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(fill_tensor(name, tuple(tensor.shape)))
            else:
                tensor.zero_()  # num_batches_tracked: unused in eval mode
    return model


def reference_input() -> torch.Tensor:
    gen = torch.Generator().manual_seed(INPUT_SEED)
    return torch.randn(INPUT_SHAPE, generator=gen, dtype=torch.float64)


def main() -> None:
    import torchvision

    names = json.loads((HERE / "torchvision_state_dicts.json").read_text())["models"]
    x = reference_input()
    outputs = {}
    for name in names:
        kwargs = {"aux_logits": True, "init_weights": False} if name == "googlenet" else {}
        model = fill_state_dict(torchvision.models.get_model(name, weights=None, **kwargs).eval())
        with torch.no_grad():
            logits = model(x)
        outputs[name] = [
            [float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in row] for row in logits.tolist()
        ]
        print(name, tuple(logits.shape), f"max |logit| {logits.abs().max().item():.4g}")
    doc = {
        "generated_with": f"torchvision {torchvision.__version__}, torch {torch.__version__}",
        "input": {"shape": list(INPUT_SHAPE), "seed": INPUT_SEED, "dtype": "float64"},
        "note": "eval-mode logits (1000 classes) with every state_dict entry set by fill_tensor()",
        "fill_check": {
            "name": "features.0.weight",
            "shape": [64, 3, 11, 11],
            "sum": fill_tensor("features.0.weight", (64, 3, 11, 11)).sum().item(),
        },
        "outputs": outputs,
    }
    lines = ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in doc.items())
    (HERE / "torchvision_outputs.json").write_text("{\n" + lines + "\n}\n")


if __name__ == "__main__":
    main()
