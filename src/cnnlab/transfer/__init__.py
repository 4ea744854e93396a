"""Transfer learning: start from learned weights (a run or a weight file), freeze layers."""

from cnnlab.transfer.freeze import freeze, hold_statistics
from cnnlab.transfer.weights import TransferReport, load_pretrained, read_state_dict

__all__ = ["TransferReport", "freeze", "hold_statistics", "load_pretrained", "read_state_dict"]
