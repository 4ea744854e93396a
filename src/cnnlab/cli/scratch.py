"""``cnnlab scratch``: train a network of the NumPy engine, every gradient written out.

The options are :class:`cnnlab.scratch.config.ScratchConfig`'s fields: each flag's help is
the field's declared help and valid values, and the config checks them all before any data
is read.
"""

from __future__ import annotations

import dataclasses

import typer
from rich.console import Console
from rich.markup import escape

from cnnlab.cli.app import app
from cnnlab.fields import help_line
from cnnlab.scratch.config import ScratchConfig

FIELDS = {f.name: f for f in dataclasses.fields(ScratchConfig)}


def flag(name: str) -> typer.models.OptionInfo:
    """The option of field ``name``: its default and its declared help."""
    field = FIELDS[name]
    return typer.Option(field.default, help=escape(help_line(field)))


@app.command("scratch")
def scratch_command(
    net: str = flag("net"),
    data: str = flag("data"),
    data_dir: str | None = flag("data_dir"),
    hidden: int = flag("hidden"),
    activation: str = flag("activation"),
    loss: str = flag("loss"),
    lr: float = flag("lr"),
    epochs: int = flag("epochs"),
    batch_size: int = flag("batch_size"),
    seed: int = flag("seed"),
) -> None:
    """Train a small network written in NumPy (explicit forward and backward passes) and
    print its loss and accuracy per epoch."""
    from cnnlab import data as datasets
    from cnnlab.scratch import fit, mlp, small_cnn
    from cnnlab.scratch.network import EpochRecord

    config = ScratchConfig(
        net, data, data_dir, hidden, activation, loss, lr, epochs, batch_size, seed
    )  # every value checked before any data is read
    train = datasets.load(config.data, "train", data_dir=config.data_dir, seed=config.seed)
    test = datasets.load(config.data, "test", data_dir=config.data_dir, seed=config.seed)
    channels, height, width = train.image_shape
    if config.net == "mlp":
        sizes = [channels * height * width, config.hidden, train.num_classes]
        squash = config.loss == "squared_error"
        network = mlp(sizes, config.activation, squash_output=squash, seed=config.seed)
    else:
        network = small_cnn(channels, height, train.num_classes, seed=config.seed)
    console = Console(highlight=False)
    console.print(repr(network))

    def report(record: EpochRecord) -> None:
        console.print(
            f"epoch {record.epoch:3d}/{config.epochs}  loss {record.loss:.4f}  "
            f"train accuracy {record.train_accuracy:.4f}  test accuracy {record.test_accuracy:.4f}"
        )

    fit(
        network,
        (train.images.numpy() / 255.0, train.labels.numpy()),
        (test.images.numpy() / 255.0, test.labels.numpy()),
        loss=config.loss,
        lr=config.lr,
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        on_epoch=report,
    )
