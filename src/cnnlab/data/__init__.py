"""Datasets in memory as uint8 NCHW tensors, the dataset table and downloads, the loaders."""

from cnnlab.data.catalogue import (
    CATALOGUE,
    CatalogueEntry,
    RemoteFile,
    add_dataset,
    catalogue_entry,
)
from cnnlab.data.dataset import Dataset, per_class_subset, stratified_split
from cnnlab.data.download import download
from cnnlab.data.folder import load_folder
from cnnlab.data.folder_loader import ImageFolderLoader
from cnnlab.data.loader import InMemoryLoader
from cnnlab.data.registry import dataset_names, default_data_dir, load, load_splits

__all__ = [
    "CATALOGUE",
    "CatalogueEntry",
    "Dataset",
    "ImageFolderLoader",
    "InMemoryLoader",
    "RemoteFile",
    "add_dataset",
    "catalogue_entry",
    "dataset_names",
    "default_data_dir",
    "download",
    "load",
    "load_folder",
    "load_splits",
    "per_class_subset",
    "stratified_split",
]
