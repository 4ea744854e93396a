"""Weights: safetensors and state-dict I/O, shipped and published weights, starting a model from
learned weights, freezing."""

from cnnlab.weights.create import create_model, weights_names
from cnnlab.weights.freeze import freeze, hold_statistics
from cnnlab.weights.io import read_weights, save_weights, weight_tensors
from cnnlab.weights.pretrained import TransferReport, load_pretrained, read_state_dict
from cnnlab.weights.shipped import SHIPPED, load_shipped

__all__ = [
    "SHIPPED",
    "TransferReport",
    "create_model",
    "freeze",
    "hold_statistics",
    "load_pretrained",
    "load_shipped",
    "read_state_dict",
    "read_weights",
    "save_weights",
    "weight_tensors",
    "weights_names",
]
