"""cnnlab: the classic convolutional networks as their papers describe them, sound training,
and tools to look inside."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``cnnlab.summary(model, input_shape)`` without importing torch on ``import cnnlab``.
    if name == "summary":
        from cnnlab.inspect import summary

        return summary
    raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")
