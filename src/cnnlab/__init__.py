"""cnnlab: the classic convolutional networks as their papers describe them, sound training,
and tools to look inside."""

from cnnlab.version import __version__

__all__ = ["Run", "__version__", "summary"]


def __getattr__(name: str):
    # ``cnnlab.summary(model, input_shape)`` and ``cnnlab.Run.open(path)`` without importing
    # torch on ``import cnnlab``.
    if name == "summary":
        from cnnlab.inspect import summary

        return summary
    if name == "Run":
        from cnnlab.train.run import Run

        return Run
    raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")
