"""cnnlab: the classic convolutional networks as their papers describe them, sound training,
and tools to look inside."""

from cnnlab.version import __version__

__all__ = ["Run", "__version__", "create_model", "summary"]


def __getattr__(name: str):
    # ``cnnlab.summary(model, input_shape)``, ``cnnlab.Run.open(path)`` and
    # ``cnnlab.create_model(name, weights=...)`` without importing torch on ``import cnnlab``.
    if name == "summary":
        from cnnlab.inspect import summary

        return summary
    if name == "Run":
        from cnnlab.train.run import Run

        return Run
    if name == "create_model":
        from cnnlab.weights import create_model

        return create_model
    raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")
