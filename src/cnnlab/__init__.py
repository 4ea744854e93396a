"""cnnlab: the classic convolutional networks as their papers describe them, sound training,
and tools to look inside."""

__version__ = "0.1.0"
