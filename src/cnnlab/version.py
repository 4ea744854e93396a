"""cnnlab's version, in a module of its own so anything may read it without importing more."""

__version__ = "0.1.0"
