"""``cnnlab scratch``: train a network of the NumPy engine, every gradient written out."""

from __future__ import annotations

import typer
from rich.console import Console

from cnnlab import data as datasets
from cnnlab.cli.app import app
from cnnlab.errors import UnknownNameError
from cnnlab.scratch import fit, mlp, small_cnn
from cnnlab.scratch.network import EpochRecord

NETS = ("mlp", "cnn")


@app.command("scratch")
def scratch_command(
    net: str = typer.Option(
        "mlp", help="mlp (input -> hidden -> classes) or cnn (conv 5x5, ReLU, pool 2, FC)."
    ),
    data: str = typer.Option("digits", help="Registered dataset."),
    data_dir: str | None = typer.Option(None, help="Dataset folder (default: $CNNLAB_DATA)."),
    hidden: int = typer.Option(64, help="mlp: hidden units."),
    activation: str = typer.Option("sigmoid", help="mlp: sigmoid, tanh or relu."),
    loss: str = typer.Option(
        "cross_entropy",
        help="cross_entropy, hinge (multiclass SVM) or squared_error (sigmoid outputs, "
        "as Rumelhart et al. 1986).",
    ),
    lr: float = typer.Option(0.5, help="Learning rate of plain gradient descent."),
    epochs: int = typer.Option(10, help="Passes over the training split."),
    batch_size: int = typer.Option(32, help="Images per step."),
    seed: int = typer.Option(0, help="Seeds the weights and the shuffle order."),
) -> None:
    """Train a small network written in NumPy (explicit forward and backward passes) and
    print its loss and accuracy per epoch."""
    if net not in NETS:
        raise UnknownNameError("scratch network", net, NETS)
    train = datasets.load(data, "train", data_dir=data_dir, seed=seed)
    test = datasets.load(data, "test", data_dir=data_dir, seed=seed)
    channels, height, width = train.image_shape
    if net == "mlp":
        sizes = [channels * height * width, hidden, train.num_classes]
        network = mlp(sizes, activation, squash_output=loss == "squared_error", seed=seed)
    else:
        network = small_cnn(channels, height, train.num_classes, seed=seed)
    console = Console(highlight=False)
    console.print(repr(network))

    def report(record: EpochRecord) -> None:
        console.print(
            f"epoch {record.epoch:3d}/{epochs}  loss {record.loss:.4f}  "
            f"train accuracy {record.train_accuracy:.4f}  test accuracy {record.test_accuracy:.4f}"
        )

    fit(
        network,
        (train.images.numpy() / 255.0, train.labels.numpy()),
        (test.images.numpy() / 255.0, test.labels.numpy()),
        loss=loss,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        on_epoch=report,
    )
