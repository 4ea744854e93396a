"""The in-memory loader: seeded shuffles, augmentation of the training batches, layout."""

import torch

from cnnlab import data
from cnnlab.data.augment import parse_augment
from cnnlab.data.preprocess import fit_preprocess


def epoch(loader, number):
    loader.set_epoch(number)
    xs, ys = zip(*loader, strict=True)
    return torch.cat(xs), torch.cat(ys)


def test_augmented_epochs_repeat_for_the_same_seed_and_epoch_and_differ_otherwise():
    dataset = data.load("digits", "val")
    augment = parse_augment("flip,crop:4,elastic:alpha=8:sigma=3")
    kwargs = dict(shuffle=True, seed=3, augment=augment, preprocess=fit_preprocess("mean", dataset))
    first = data.InMemoryLoader(dataset, 32, **kwargs)
    second = data.InMemoryLoader(dataset, 32, **kwargs)
    x1, y1 = epoch(first, 1)
    x2, y2 = epoch(second, 1)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)  # a resumed run sees the same batches
    x3, y3 = epoch(first, 2)
    assert not torch.equal(y1, y3) and not torch.equal(x1, x3)
    assert torch.equal(torch.sort(y1).values, torch.sort(dataset.labels).values)


def test_unaugmented_batches_are_the_preprocessed_images_in_order():
    dataset = data.load("digits", "val")
    preprocess = fit_preprocess("standardize", dataset)
    loader = data.InMemoryLoader(dataset, 100, preprocess=preprocess, channels_last=True)
    x, y = next(iter(loader))
    assert x.dtype == torch.float32 and x.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(x, preprocess(dataset.images[:100].float() / 255))
    assert torch.equal(y, dataset.labels[:100])
    plain, _ = next(iter(data.InMemoryLoader(dataset, 100)))
    assert torch.equal(plain, dataset.images[:100].float() / 255)


def test_the_trainer_augments_the_training_split_only(tmp_path):
    from cnnlab.train import TrainConfig, Trainer

    config = TrainConfig(
        model="smallcnn_bn",
        data="digits",
        augment="crop:pad=2:size=28,flip",
        preprocess="mean",
        out=str(tmp_path),
    )
    trainer = Trainer(config)
    train, val = trainer.loaders["train"].loader, trainer.loaders["val"]
    assert train.augment.spec == "crop:pad=2:size=28,flip"
    assert trainer.input_shape == (1, 28, 28) and trainer.preprocess["kind"] == "mean"
    x_val, _ = next(iter(val))
    images = val.images[: len(x_val), :, 2:30, 2:30].float() / 255  # the centre crop
    assert torch.allclose(x_val, images - torch.tensor(trainer.preprocess["mean"]))
    x_train, _ = next(iter(train))
    assert x_train.shape[1:] == (1, 28, 28)
