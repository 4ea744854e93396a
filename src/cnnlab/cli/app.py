"""The ``cnnlab`` command-line application that every command module adds itself to."""

import typer

app = typer.Typer(
    name="cnnlab",
    help="A workbench for convolutional neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
