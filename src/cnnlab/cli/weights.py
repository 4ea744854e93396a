"""``cnnlab weights``: the weights that ship with cnnlab, usable as cnnlab:NAME, and the
published ImageNet weights usable as torchvision:NAME."""

from __future__ import annotations

import typer

from cnnlab.cli.app import app


@app.command("weights")
def weights_command() -> None:
    """List the shipped weights (use each as MODEL, or with --pretrained): model, data,
    test accuracy, file size, sha256, and the commands that trained and exported them; then
    the published ImageNet weights, downloaded on first use."""
    from cnnlab.weights.published import PREFIX as PUBLISHED_PREFIX
    from cnnlab.weights.published import PUBLISHED, default_cache
    from cnnlab.weights.shipped import PREFIX, SHIPPED

    for entry in SHIPPED.values():
        shape = "x".join(map(str, entry.image_shape))
        typer.echo(
            f"{PREFIX}{entry.name}  {entry.model} on {entry.dataset} ({shape}): "
            f"{100 * entry.accuracy:.2f}% of {entry.test_images:,} test images; "
            f"{entry.size / 1024:.0f} KiB, sha256 {entry.sha256}\n"
            f"    trained by: {entry.command}"
        )
    typer.echo(
        f"{PUBLISHED_PREFIX}NAME  ImageNet (1,000 classes; resize 256, centre crop 224), "
        f"downloaded once into {default_cache()}: {', '.join(PUBLISHED)}"
    )
