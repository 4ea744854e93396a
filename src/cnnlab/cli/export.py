"""``cnnlab export MODEL --format onnx|torchscript|safetensors``: a verified, described file."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnlab.cli.app import app

SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt", "safetensors": ".safetensors"}


@app.command("export")
def export_command(
    model: str = typer.Argument(
        ...,
        help="Run folder, shipped weights (cnnlab:NAME, see `cnnlab weights`) or a "
        ".safetensors file written by `cnnlab export --format safetensors`.",
    ),
    format: str = typer.Option("onnx", "--format", help="onnx, torchscript or safetensors."),
    out: Path = typer.Option(
        None, help="The file to write (default: RUN/export/model.onnx, .pt or .safetensors)."
    ),
    with_preprocess: bool = typer.Option(
        False,
        "--with-preprocess",
        help="Bake /255, the evaluation crop and the normalisation in: the file takes uint8 "
        "pixels (onnx, torchscript).",
    ),
    opset: int = typer.Option(17, help="ONNX opset."),
    checkpoint: str = typer.Option("last", help="Which checkpoint: last or best."),
) -> None:
    """Write the model, run the file against PyTorch on the test split and print the
    difference; the model card and the verification go to FILE.json."""
    from cnnlab.errors import ConfigError
    from cnnlab.export import FORMATS, export_run
    from cnnlab.train import Run

    if format not in FORMATS:
        raise ConfigError(f"--format: expected one of {', '.join(FORMATS)}, found {format!r}")
    run = Run.open(model, checkpoint)
    if out is None:
        if not run.path.is_dir():
            raise ConfigError(f"--out: expected the file to write for {model}, found none")
        out = run.path / "export" / f"model{SUFFIXES[format]}"
    report = export_run(run, format, out, with_preprocess=with_preprocess, opset=opset)
    typer.echo(f"{format} model: {report.path} (sha256 {report.sha256[:16]}...)")
    typer.echo(report.verification.line())
    typer.echo(f"model card: {report.card_path}")
