"""``cnnlab serve MODEL``: the web lab, a trained network to draw on and look inside."""

from __future__ import annotations

import typer

from cnnlab.cli.app import app


@app.command("serve")
def serve_command(
    model: str = typer.Argument(
        ...,
        help="Run folder, shipped weights (cnnlab:NAME, see `cnnlab weights`) or a "
        ".safetensors file written by `cnnlab export --format safetensors`.",
    ),
    host: str = typer.Option(
        "127.0.0.1",
        help="Address to listen on. Anything but the loopback address lets other machines "
        "in (a warning says so).",
    ),
    port: int = typer.Option(8000, help="Port to listen on (0: any free port)."),
    max_upload: str = typer.Option(
        "5MB", help="Largest request body (an uploaded image), e.g. 5MB, 512KB."
    ),
    which: str = typer.Option("last", help="Which checkpoint of a run folder: last or best."),
    threads: int = typer.Option(
        None, min=1, help="Torch threads for the model's work (default: one per core)."
    ),
) -> None:
    """Serve the web lab: draw or upload an image, see the top classes, every layer's
    activations, a unit's arithmetic, attributions and attacks, in the browser.

    The model is chosen here and nothing a page sends can change it.
    """
    from cnnlab.serve import serve
    from cnnlab.serve.server import parse_size
    from cnnlab.train import Run

    size = parse_size(max_upload)
    run = Run.open(model, which)
    serve(run, host=host, port=port, max_upload=size, threads=threads, announce=typer.echo)
