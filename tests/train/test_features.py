import json

import pytest
import torch

from cnnlab.errors import ConfigError
from cnnlab.train import TrainConfig, Trainer, evaluate_run, fit
from cnnlab.train.callbacks import BestAndEarlyStop


def quick(tmp_path, name="run", **fields) -> TrainConfig:
    values = {"epochs": 2, "batch_size": 64, "lr": 2e-3, "tensorboard": False}
    return TrainConfig(data="digits", out=str(tmp_path / name), **{**values, **fields})


def rows(run) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_metrics_have_top5_per_class_accuracy_and_results_the_confusion(tmp_path):
    result = fit(quick(tmp_path))
    row = rows(tmp_path / "run")[-1]
    assert {"train_top5", "val_top5", "val_per_class_accuracy", "lr", "step"} <= set(row)
    assert len(row["val_per_class_accuracy"]) == 10
    stored = json.loads((tmp_path / "run" / "results.json").read_text())
    confusion = torch.tensor(stored["confusion"])
    assert confusion.sum() == stored["count"] == 360
    per_class = (confusion.diagonal() / confusion.sum(1)).tolist()
    assert stored["per_class"] == pytest.approx(per_class)
    assert result.accuracy == pytest.approx(confusion.diagonal().sum().item() / 360)


def test_tensorboard_events_hold_the_epoch_scalars(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    fit(quick(tmp_path, tensorboard=True))
    events = EventAccumulator(str(tmp_path / "run" / "tb"))
    events.Reload()
    assert {"loss/train", "loss/val", "accuracy/train", "accuracy/val", "lr"} <= set(
        events.Tags()["scalars"]
    )
    logged = [(e.step, e.value) for e in events.Scalars("accuracy/val")]
    expected = [(r["epoch"], r["val_accuracy"]) for r in rows(tmp_path / "run")]
    assert [s for s, _ in logged] == [s for s, _ in expected]
    assert [v for _, v in logged] == pytest.approx([v for _, v in expected])


def test_early_stopping_stops_after_patience_and_keeps_the_best_checkpoint(tmp_path, capsys):
    # a learning rate too small to change any prediction: validation accuracy never improves
    fit(quick(tmp_path, epochs=10, lr=1e-9, optimizer="sgd", early_stopping=2))
    assert [r["epoch"] for r in rows(tmp_path / "run")] == [1, 2, 3]
    assert "early stopping: val_accuracy has not improved for 2 epochs" in capsys.readouterr().err
    best = evaluate_run(tmp_path / "run", split="val", which="best")
    assert best.accuracy == rows(tmp_path / "run")[0]["val_accuracy"]


def test_best_tracker_minimises_losses():
    tracker = BestAndEarlyStop("val_loss", patience=0)
    assert tracker.improved(3.0)
    tracker.best = 2.0
    assert tracker.improved(1.5) and not tracker.improved(2.5)


def test_gradient_accumulation_equals_the_larger_batch(tmp_path):
    common = {"optimizer": "momentum", "lr": 0.05, "epochs": 1}
    big = Trainer(quick(tmp_path, "big", batch_size=64, **common))
    big.fit()
    small = Trainer(quick(tmp_path, "acc", batch_size=32, accumulate=2, **common))
    small.fit()
    assert small.global_step == big.global_step == 21
    for a, b in zip(big.model.parameters(), small.model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "fields",
    [
        {"amp": "bf16", "channels_last": True, "clip_grad": 1.0, "loss": "hinge", "l1": 1e-5},
        {"label_smoothing": 0.1, "init": "kaiming", "optimizer": "nesterov", "lr": 0.05},
    ],
    ids=lambda f: "+".join(f),
)
def test_training_options_still_learn(tmp_path, fields):
    result = fit(quick(tmp_path, epochs=2, **fields))
    assert result.accuracy > 0.6, fields


def test_bf16_autocast_trains(tmp_path):
    assert fit(quick(tmp_path, amp="bf16", epochs=1, lr=5e-3)).accuracy > 0.3


def test_ema_weights_are_the_ones_evaluated_and_saved(tmp_path):
    trainer = Trainer(quick(tmp_path, ema=0.9, epochs=2))
    result = trainer.fit()
    saved = evaluate_run(tmp_path / "run")
    assert saved.accuracy == result.accuracy
    ema_w = trainer.ema.model.state_dict()["classifier.3.weight"]
    raw_w = trainer.model.state_dict()["classifier.3.weight"]
    assert not torch.equal(ema_w, raw_w)


def test_fp16_needs_cuda():
    with pytest.raises(ConfigError, match="amp 'fp16' needs a CUDA device, found 'cpu'"):
        TrainConfig(amp="fp16")


@pytest.mark.slow
def test_torch_compile_trains(tmp_path):
    assert fit(quick(tmp_path, compile=True, epochs=2)).accuracy > 0.6
