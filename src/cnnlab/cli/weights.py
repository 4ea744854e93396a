"""``cnnlab weights``: the weights that ship with cnnlab, usable as cnnlab:NAME."""

from __future__ import annotations

from cnnlab.cli.app import app


@app.command("weights")
def weights_command() -> None:
    """List the shipped weights: model, data, test accuracy, file size, sha256, and the
    command that trained them."""
    from rich.console import Console
    from rich.table import Table

    from cnnlab.weights.shipped import PREFIX, SHIPPED

    table = Table(title="shipped weights (use as MODEL, or with --pretrained)")
    for name in ("name", "model", "data", "input", "test accuracy", "size", "sha256", "command"):
        table.add_column(name, justify="right" if name in ("test accuracy", "size") else "left")
    for entry in SHIPPED.values():
        table.add_row(
            f"{PREFIX}{entry.name}",
            entry.model,
            entry.dataset,
            "x".join(map(str, entry.image_shape)),
            f"{100 * entry.accuracy:.2f}% of {entry.test_images:,}",
            f"{entry.size / 1024:.0f} KiB",
            entry.sha256[:12],
            entry.command,
        )
    Console(soft_wrap=True).print(table)
