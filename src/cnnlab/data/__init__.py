"""Datasets in memory as uint8 NCHW tensors, the catalogue and downloads, and the loaders."""

from cnnlab.data import cifar, digits, mnist, svhn  # noqa: F401  (register the datasets)
from cnnlab.data.catalogue import CATALOGUE, CatalogueEntry, RemoteFile, catalogue_entry
from cnnlab.data.dataset import Dataset, per_class_subset, stratified_split
from cnnlab.data.download import download
from cnnlab.data.folder import load_folder
from cnnlab.data.folder_loader import ImageFolderLoader
from cnnlab.data.loader import InMemoryLoader
from cnnlab.data.registry import dataset_names, default_data_dir, load, register_dataset

__all__ = [
    "CATALOGUE",
    "CatalogueEntry",
    "Dataset",
    "ImageFolderLoader",
    "InMemoryLoader",
    "RemoteFile",
    "catalogue_entry",
    "dataset_names",
    "default_data_dir",
    "download",
    "load",
    "load_folder",
    "per_class_subset",
    "register_dataset",
    "stratified_split",
]
