"""Write timm_seresnet_state_dicts.json: timm's SE-ResNet state_dict names and shapes.

Run once in a separate environment that has timm (never a cnnlab dependency):
    /tmp/ref/bin/python tests/reference/make_timm_seresnet_manifest.py
The models are built on the meta device, so nothing is downloaded or allocated.
"""

import json
from pathlib import Path

import timm
import torch

OUT = Path(__file__).with_name("timm_seresnet_state_dicts.json")


def main() -> None:
    manifest = {"generated_with": f"timm {timm.__version__}, torch {torch.__version__}"}
    manifest["models"] = {}
    for name in ("seresnet50", "seresnet101", "seresnet152"):
        with torch.device("meta"):
            model = timm.create_model(name, pretrained=False)
        entries = [[key, list(value.shape)] for key, value in model.state_dict().items()]
        params = sum(p.numel() for p in model.parameters())
        manifest["models"][name] = {"params": params, "state_dict": entries}
    OUT.write_text(render(manifest))


def render(manifest: dict) -> str:
    """JSON with one state_dict entry per line, so diffs stay readable."""
    lines = ["{", f'"generated_with": {json.dumps(manifest["generated_with"])},', '"models": {']
    for i, (name, row) in enumerate(manifest["models"].items()):
        entries = ",\n".join(f"  {json.dumps(entry)}" for entry in row["state_dict"])
        comma = "," if i < len(manifest["models"]) - 1 else ""
        head = f'"{name}": {{"params": {row["params"]}, "state_dict": ['
        lines.append(f"{head}\n{entries}\n]}}{comma}")
    lines += ["}", "}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
