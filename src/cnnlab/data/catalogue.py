"""The dataset table: one row per dataset, with everything cnnlab knows about it.

A row lists the official mirrors (tried in order), the files with their published MD5
checksums, the facts a user checks a download against (image shape, class names and
split sizes) and the builder that reads the files into the official splits, so a name
cannot be downloadable but not loadable, or the other way round. ``cnnlab data list``,
``cnnlab data get`` and :func:`cnnlab.data.load` all read this one table.

Rows are frozen; a test or a user with a local mirror makes a changed copy with
:func:`dataclasses.replace` or passes ``mirrors=`` to :func:`cnnlab.data.download`;
:func:`add_dataset` adds a row.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.data import cifar
from cnnlab.data.digits import build_digits
from cnnlab.data.mnist import MNIST_FILES, build_emnist, build_idx_dataset
from cnnlab.data.multi_mnist import SIZES as MULTI_SIZES
from cnnlab.data.multi_mnist import build_multi
from cnnlab.data.placed_mnist import build_cluttered, build_translated
from cnnlab.data.svhn import build_svhn
from cnnlab.errors import UnknownNameError

if TYPE_CHECKING:
    from cnnlab.data.dataset import Dataset

# reads a row's files under the data folder into its official "train" and "test" splits
Builder = Callable[["CatalogueEntry", Path, int], "dict[str, Dataset]"]


@dataclass(frozen=True)
class RemoteFile:
    name: str  # file name on every mirror and in the local folder
    md5: str  # published checksum of the file as the mirrors serve it


@dataclass(frozen=True)
class CatalogueEntry:
    name: str  # the name `cnnlab.data.load` takes
    title: str  # what the dataset is and who made it
    folder: str  # sub-folder of the data directory that holds the files
    mirrors: tuple[str, ...]  # base URLs, each ending in "/", tried in order
    files: tuple[RemoteFile, ...]  # what `cnnlab data get` downloads (empty: bundled)
    image_shape: tuple[int, int, int]  # (C, H, W) of every image
    classes: tuple[str, ...]  # class names, by label
    split_sizes: dict[str, int]  # images in each official split
    build: Builder = field(repr=False)  # (row, data folder, seed) -> {"train", "test"}

    @property
    def bundled(self) -> bool:
        """Shipped with an installed package: nothing to download."""
        return not self.files


DIGITS = tuple(str(d) for d in range(10))
SVHN_URL = ("http://ufldl.stanford.edu/housenumbers/",)
EMNIST_BALANCED = DIGITS + tuple(string.ascii_uppercase) + tuple("abdefghnqrt")
FASHION = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR10 = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
CIFAR100_COARSE = (
    "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
    "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
    "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
    "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
    "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
)  # fmt: skip
CIFAR100_FINE = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
    "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
    "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
    "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
    "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
    "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom",
    "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road",
    "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
    "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
    "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe",
    "whale", "willow_tree", "wolf", "woman", "worm",
)  # fmt: skip


def _idx_files(*md5s: str) -> tuple[RemoteFile, ...]:
    names = [name for pair in MNIST_FILES for name in pair]
    return tuple(RemoteFile(n, m) for n, m in zip(names, md5s, strict=True))


def _entry(name, title, folder, mirrors, files, shape, classes, sizes, build) -> CatalogueEntry:
    return CatalogueEntry(name, title, folder, mirrors, files, shape, classes, sizes, build)


MNIST_SIZES = {"train": 60_000, "test": 10_000}
MNIST_MD5 = (
    "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
    "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c",
)  # fmt: skip
EMNIST_ZIP = (RemoteFile("gzip.zip", "58c8d27c78d21e728a6bc7b3cc06412e"),)
EMNIST_MIRRORS = (
    "https://biometrics.nist.gov/cs_links/EMNIST/",
    "http://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
)
CIFAR_MIRRORS = ("https://www.cs.toronto.edu/~kriz/", "https://cave.cs.toronto.edu/kriz/")
CIFAR_SIZES = {"train": 50_000, "test": 10_000}
CIFAR10_TAR = (RemoteFile("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"),)
CIFAR100_TAR = (RemoteFile("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"),)
SVHN_TRAIN_TEST = (
    RemoteFile("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"),
    RemoteFile("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"),
)
SVHN_EXTRA = RemoteFile("extra_32x32.mat", "a93ce644f1a588dc4d68dda5feec44a7")

CATALOGUE: dict[str, CatalogueEntry] = {
    entry.name: entry
    for entry in (
        _entry(
            "digits", "UCI handwritten digits, 8x8 upscaled to 32x32 (bundled with scikit-learn)",
            "", (), (), (1, 32, 32), DIGITS, {"train": 1_437, "test": 360}, build_digits,
        ),
        _entry(
            "mnist", "MNIST handwritten digits (LeCun, Cortes, Burges)", "mnist",
            ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
            _idx_files(*MNIST_MD5),
            (1, 28, 28), DIGITS, MNIST_SIZES, build_idx_dataset,
        ),
        _entry(
            "translated-mnist", "MNIST digits placed at random on a 60x60 canvas, with boxes",
            "mnist", ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                      "http://yann.lecun.com/exdb/mnist/"),
            _idx_files(*MNIST_MD5), (1, 60, 60), DIGITS, MNIST_SIZES, build_translated,
        ),
        _entry(
            "cluttered-mnist", "translated MNIST over 8 fragments of other digits (Jaderberg "
            "et al., 2015), with boxes", "mnist", ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                                                   "http://yann.lecun.com/exdb/mnist/"),
            _idx_files(*MNIST_MD5), (1, 60, 60), DIGITS, MNIST_SIZES, build_cluttered,
        ),
        _entry(
            "multi-mnist", "1 to 5 MNIST digits in a row on a 64x160 canvas, the sequence as "
            "label (after Goodfellow et al., 2014), with boxes", "mnist",
            ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
            _idx_files(*MNIST_MD5), (1, 64, 160), DIGITS, MULTI_SIZES, build_multi,
        ),
        _entry(
            "fashion-mnist", "Fashion-MNIST clothing images (Xiao, Rasul, Vollgraf; Zalando)",
            "fashion-mnist",
            (
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
            ),
            _idx_files(
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310",
            ),
            (1, 28, 28), FASHION, MNIST_SIZES, build_idx_dataset,
        ),
        _entry(
            "kmnist", "Kuzushiji-MNIST cursive Japanese hiragana (Clanuwat et al.)", "kmnist",
            ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
            _idx_files(
                "bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
                "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134",
            ),
            (1, 28, 28), ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
            MNIST_SIZES, build_idx_dataset,
        ),
        _entry(
            "emnist-balanced", "EMNIST balanced: 47 digit and letter classes (Cohen et al.)",
            "emnist", EMNIST_MIRRORS, EMNIST_ZIP, (1, 28, 28), EMNIST_BALANCED,
            {"train": 112_800, "test": 18_800}, build_emnist,
        ),
        _entry(
            "emnist-letters", "EMNIST letters: 26 classes, upper and lower case merged",
            "emnist", EMNIST_MIRRORS, EMNIST_ZIP, (1, 28, 28), tuple(string.ascii_lowercase),
            {"train": 124_800, "test": 20_800}, build_emnist,
        ),
        _entry(
            "cifar10", "CIFAR-10 tiny colour images (Krizhevsky, 2009), binary version",
            "cifar10", CIFAR_MIRRORS, CIFAR10_TAR, (3, 32, 32), CIFAR10, CIFAR_SIZES,
            cifar.builder(cifar.CIFAR10),
        ),
        _entry(
            "cifar100", "CIFAR-100 with its 100 fine labels, binary version",
            "cifar100", CIFAR_MIRRORS, CIFAR100_TAR, (3, 32, 32), CIFAR100_FINE, CIFAR_SIZES,
            cifar.builder(cifar.CIFAR100_FINE),
        ),
        _entry(
            "cifar100-coarse", "CIFAR-100 with its 20 coarse labels (superclasses)",
            "cifar100", CIFAR_MIRRORS, CIFAR100_TAR, (3, 32, 32), CIFAR100_COARSE, CIFAR_SIZES,
            cifar.builder(cifar.CIFAR100_COARSE),
        ),
        _entry(
            "svhn", "SVHN street-view house numbers, cropped digits (Netzer et al.)",
            "svhn", SVHN_URL, SVHN_TRAIN_TEST, (3, 32, 32), DIGITS,
            {"train": 73_257, "test": 26_032}, build_svhn,
        ),
        _entry(
            "svhn-extra", "SVHN cropped digits, training split with the 531,131 extra images",
            "svhn", SVHN_URL, (*SVHN_TRAIN_TEST, SVHN_EXTRA), (3, 32, 32), DIGITS,
            {"train": 604_388, "test": 26_032}, build_svhn,
        ),
    )
}  # fmt: skip


def catalogue_entry(name: str) -> CatalogueEntry:
    """The row of dataset ``name`` (an UnknownNameError suggests close names)."""
    if name not in CATALOGUE:
        raise UnknownNameError("dataset", name, CATALOGUE)
    return CATALOGUE[name]


def add_dataset(entry: CatalogueEntry) -> CatalogueEntry:
    """Add a row to the table (a ValueError if its name is taken)."""
    if entry.name in CATALOGUE:
        raise ValueError(f"dataset {entry.name!r} is registered twice")
    CATALOGUE[entry.name] = entry
    return entry
