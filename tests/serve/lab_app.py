"""The web lab on the shipped LeNet-5 (``cnnlab:lenet5-mnist``), as the tests' server serves it."""

from __future__ import annotations


def lenet5_mnist():
    from cnnlab.serve import create_app
    from cnnlab.train.run import Run

    return create_app(Run.open("cnnlab:lenet5-mnist"))
