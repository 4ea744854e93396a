"""``cnnlab predict MODEL IMAGES...``: a trained model's classes for image files."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.app import app

PROGRESS_FROM = 512  # images


@app.command("predict")
def predict_command(
    model: str = typer.Argument(
        ...,
        help="Run folder, shipped weights (cnnlab:NAME, see `cnnlab weights`), published "
        "ImageNet weights (torchvision:NAME, downloaded once) or a .safetensors file written "
        "by `cnnlab export --format safetensors`.",
    ),
    images: list[str] = typer.Argument(
        None, help="Image files, folders (searched recursively) or globs."
    ),
    split: str = typer.Option(
        None, help="Predict this split of the run's data instead (train, val, test)."
    ),
    fit: str = typer.Option(
        None,
        help="Size policy: pad (keep the aspect ratio, fill with the border colour), crop "
        "(keep the aspect ratio, cut the centre) or stretch. Default: pad; crop for "
        "torchvision:NAME (the short side to 256, then the centre 224x224).",
    ),
    invert: str = typer.Option(
        "auto",
        help="Polarity: auto inverts an image whose border is the opposite of the training "
        "images' border; yes or no force it.",
    ),
    top: int = typer.Option(3, help="Classes shown per image, most probable first."),
    batch_size: int = typer.Option(256, help="Images per forward pass."),
    tta: str = typer.Option(
        "none", help="Test-time augmentation: none, flip, 10crop, rotate, multiscale."
    ),
    checkpoint: str = typer.Option("last", help="Which checkpoint: last or best."),
    on_bad_image: str = typer.Option(
        "list", help="list: a file that cannot be used is a row of the output; fail: stop."
    ),
    format: str = typer.Option("table", "--format", help="table, csv or json."),
    out: Path = typer.Option(None, help="Write the output to this file instead of printing it."),
) -> None:
    """Print each image's most probable classes (or a split's accuracy, as `cnnlab eval`)."""
    from rich.console import Console
    from rich.progress import Progress

    from cnnlab.atomic import atomic_write_text
    from cnnlab.errors import ConfigError
    from cnnlab.predict import FORMATS, predict_files, predict_split, render
    from cnnlab.train import Run

    if format not in FORMATS:
        raise ConfigError(f"--format: expected one of {', '.join(FORMATS)}, found {format!r}")
    if bool(images) == bool(split):
        raise ConfigError("expected image files, folders or globs, or --split, and not both")
    run = Run.open(model, checkpoint)
    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("predicting", total=None)

    def progress(done: int, total: int) -> None:
        if total >= PROGRESS_FROM:  # a short list finishes before a bar would help
            bar.start()
            bar.update(task, completed=done, total=total)

    options = {"top": top, "batch_size": batch_size, "tta": tta, "progress": progress}
    try:
        if split:
            predictions = predict_split(run, split, **options)
        else:
            predictions = predict_files(
                run, images, fit=fit, invert=invert, on_bad_image=on_bad_image, **options
            )
    finally:
        if bar.live.is_started:
            bar.stop()
    text = render(predictions, format)
    if out is None:
        typer.echo(text, nl=False)
    else:
        atomic_write_text(out, text)
        typer.echo(f"{len(predictions.rows)} predictions written to {out}")
