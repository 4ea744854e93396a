"""Looking inside a model: the summary table, receptive fields."""

from cnnlab.inspect.receptive import receptive_field
from cnnlab.inspect.summary import summary

__all__ = ["receptive_field", "summary"]
