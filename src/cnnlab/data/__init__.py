"""Datasets in memory as uint8 NCHW tensors, and the batch loader that feeds them."""

from cnnlab.data import digits, mnist  # noqa: F401  (register the datasets)
from cnnlab.data.dataset import Dataset, stratified_split
from cnnlab.data.loader import InMemoryLoader
from cnnlab.data.registry import dataset_names, default_data_dir, load, register_dataset

__all__ = [
    "Dataset",
    "InMemoryLoader",
    "dataset_names",
    "default_data_dir",
    "load",
    "register_dataset",
    "stratified_split",
]
