"""Training picks its task from the dataset: a box head on a set with boxes, the
multi-digit head on a set of sequences; the figures of each, by hand and end to end."""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig, fit, resume
from cnnlab.train.evaluate import evaluate_run
from cnnlab.train.losses import build_loss, sequence_loss
from cnnlab.train.metrics import BoxMetrics, SequenceMetrics, box_iou
from cnnlab.train.run import Run
from data.fakes import fake_mnist


def test_iou_of_hand_computed_boxes():
    a = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 4, 4], [2, 3, 4, 5]])
    b = torch.tensor([[5.0, 5, 10, 10], [0, 0, 10, 10], [10, 10, 2, 2], [3, 4, 2, 2]])
    # 25 / (100 + 100 - 25); identical; apart; b inside a: 4 / 20
    expected = torch.tensor([25 / 175, 1.0, 0.0, 4 / 20])
    assert torch.allclose(box_iou(a, b), expected)


def test_box_metrics_count_the_share_of_boxes_with_iou_at_least_a_half():
    metrics = BoxMetrics(3)
    scores = torch.tensor([[5.0, 0, 0], [0, 5.0, 0]])
    boxes = torch.tensor([[0.0, 0, 0.5, 0.5], [0.5, 0.5, 0.2, 0.2]])
    targets = torch.tensor([[0, 0, 0, 0.5, 0.25], [2, 0, 0, 0.2, 0.2]])  # IoU 0.5, then 0
    metrics.update(torch.tensor(1.0), torch.cat([scores, boxes], 1), targets)
    summary = metrics.summary()
    assert summary["accuracy"] == 0.5 and summary["iou_50"] == 0.5
    assert summary["mean_iou"] == pytest.approx(0.25)


def sequence_output(lengths: list[int], digits: torch.Tensor) -> torch.Tensor:
    """Head outputs that read ``lengths`` and the (N, 5) ``digits`` with certainty."""
    length_scores = F.one_hot(torch.tensor(lengths), 7).float() * 20
    digit_scores = F.one_hot(digits.clamp_min(0), 10).float() * 20
    return torch.cat([length_scores, digit_scores.flatten(1)], 1)


def test_sequence_accuracy_needs_the_length_and_every_digit():
    truth = torch.tensor([[3, 1, 2, 3, -1, -1], [2, 4, 5, -1, -1, -1], [1, 7, -1, -1, -1, -1]])
    read = torch.tensor([[1, 2, 3, 0, 0], [4, 6, 0, 0, 0], [7, 0, 0, 0, 0]])
    metrics = SequenceMetrics(10)
    metrics.update(torch.tensor(0.0), sequence_output([3, 2, 2], read), truth)
    summary = metrics.summary()
    assert summary["accuracy"] == 1 / 3  # the second has a wrong digit, the third a wrong length
    assert summary["digit_accuracy"] == 5 / 6
    assert summary["length_accuracy"] == 2 / 3


def test_the_sequence_loss_is_minus_the_log_of_length_and_digit_probabilities():
    output = torch.randn(2, 7 + 50)
    targets = torch.tensor([[2, 4, 9, -1, -1, -1], [1, 0, -1, -1, -1, -1]])
    log_p = output[:, :7].log_softmax(1)
    digits = output[:, 7:].view(2, 5, 10).log_softmax(2)
    by_hand = -(log_p[0, 2] + digits[0, 0, 4] + digits[0, 1, 9] + log_p[1, 1] + digits[1, 0, 0])
    assert sequence_loss(output, targets).item() == pytest.approx(by_hand.item() / 2, rel=1e-6)


def test_label_smoothing_smooths_the_length_and_each_digit_of_a_sequence():
    """With smoothing s each target keeps 1 - s and every class gets s / classes: the loss
    is (1 - s) * the plain loss + s * the mean of -log p over each target's classes."""
    output = torch.randn(2, 7 + 50)
    targets = torch.tensor([[2, 4, 9, -1, -1, -1], [1, 0, -1, -1, -1, -1]])
    log_p = output[:, :7].log_softmax(1)
    digits = output[:, 7:].view(2, 5, 10).log_softmax(2)
    spread = -(log_p.mean(1).sum() + digits[0, :2].mean(1).sum() + digits[1, 0].mean())
    by_hand = 0.9 * sequence_loss(output, targets).item() + 0.1 * spread.item() / 2
    config = TrainConfig(data="multi-mnist", label_smoothing=0.1)
    smoothed = build_loss(config, "sequence")(output, targets)
    assert smoothed.item() == pytest.approx(by_hand, rel=1e-6)


@pytest.fixture
def mnist_root(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fake_mnist(tmp_path / "data" / "mnist", count=20)
    return tmp_path / "data"


def tiny(mnist_root, tmp_path, data: str, **fields) -> TrainConfig:
    return TrainConfig(
        model="smallcnn_bn", data=data, data_dir=str(mnist_root), image_size=28,
        val_split=0.5, epochs=1, batch_size=20, tensorboard=False,
        out=str(tmp_path / data), **fields,
    )  # fmt: skip


def test_a_set_with_boxes_trains_the_box_head_and_the_run_reopens_with_it(mnist_root, tmp_path):
    config = tiny(mnist_root, tmp_path, "cluttered-mnist", box_loss="l2", box_weight=2.0)
    result = fit(config)
    assert result.task == "localise" and set(result.extra) == {"mean_iou", "iou_50"}
    row = json.loads((tmp_path / "cluttered-mnist" / "metrics.jsonl").read_text().splitlines()[0])
    assert {"train_mean_iou", "val_mean_iou", "val_iou_50"} <= row.keys()
    run = Run.open(config.out)
    assert run.task == "localise" and run.model.head_args["task"] == "localise"
    again = evaluate_run(run)
    assert again.extra == pytest.approx(result.extra) and again.accuracy == result.accuracy
    assert run.predict(run.dataset("test").images[:3]).shape == (3, 10)
    assert math.isclose(run.predict(run.dataset("test").images[:3]).sum().item(), 3, rel_tol=1e-5)


def test_a_set_of_sequences_trains_the_multidigit_head_and_resumes(mnist_root, tmp_path):
    config = tiny(mnist_root, tmp_path, "multi-mnist")
    result = fit(config)
    assert result.task == "sequence" and result.top5 is None
    assert set(result.extra) == {"digit_accuracy", "length_accuracy"}
    run = Run.open(config.out)
    assert evaluate_run(run).extra == pytest.approx(result.extra)
    resumed = resume(config.out, {"epochs": 2})  # the task's running sums in the checkpoint
    rows = (tmp_path / "multi-mnist" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(row)["epoch"] for row in rows] == [1, 2]
    assert "val_digit_accuracy" in json.loads(rows[1]) and resumed.task == "sequence"


def test_the_config_can_force_a_plain_classifier_on_a_set_with_boxes(mnist_root, tmp_path):
    result = fit(tiny(mnist_root, tmp_path, "translated-mnist", task="classify"))
    assert result.task == "classify" and result.extra == {}


@pytest.mark.parametrize(
    ("data", "fields", "message"),
    [
        ("translated-mnist", {"task": "sequence"}, "task 'sequence' needs a dataset with digit"),
        ("digits", {"task": "localise"}, "task 'localise' needs a dataset with boxes"),
        ("translated-mnist", {"augment": "flip"}, "moves the pixels but not the boxes"),
    ],
)
def test_a_task_the_data_cannot_train_is_refused(mnist_root, tmp_path, data, fields, message):
    with pytest.raises(ConfigError, match=message):
        fit(tiny(mnist_root, tmp_path, data, **fields))
    assert not (tmp_path / data / "checkpoints").exists()
