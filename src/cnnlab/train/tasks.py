"""Which task a run trains: from the config's ``task`` or, when it is ``auto``, from the
dataset (a set of digit sequences trains the multi-digit head, a set with boxes the
localisation head, any other set a classifier)."""

from __future__ import annotations

from cnnlab.data.dataset import Dataset
from cnnlab.errors import ConfigError
from cnnlab.train.config import TrainConfig


def resolve_task(config: TrainConfig, dataset: Dataset | None) -> str:
    """classify, localise or sequence for ``config`` on ``dataset`` (None: a streamed
    image folder, which carries class labels only). Refuses a task the data cannot
    train, and options that would move pixels without their boxes."""
    has = {
        "classify": True,
        "localise": dataset is not None and dataset.boxes is not None,
        "sequence": dataset is not None and dataset.sequences is not None,
    }
    if config.task == "auto":
        task = "sequence" if has["sequence"] else "localise" if has["localise"] else "classify"
    else:
        task = config.task
    if not has[task]:
        kind = "digit sequences" if task == "sequence" else "boxes"
        raise ConfigError(
            f"task {task!r} needs a dataset with {kind} (translated-mnist, cluttered-mnist, "
            f"multi-mnist), found {config.data!r} without them"
        )
    if task != "classify":
        if config.augment:
            raise ConfigError(
                f"augment {config.augment!r} moves the pixels but not the boxes or the digits' "
                f"places of task {task!r}: leave augment empty"
            )
        if config.adversarial != "none":
            raise ConfigError(
                f"adversarial {config.adversarial!r} trains classifiers; task {task!r} "
                "needs adversarial 'none'"
            )
    return task


TASK_COLUMNS = {  # the validation figures an epoch line shows beside loss and accuracy
    "val_mean_iou": "iou",
    "val_iou_50": "iou>=0.5",
    "val_digit_accuracy": "digits",
}


def task_columns(row: dict) -> str:
    """`` iou 0.81 iou>=0.5 0.93``: the task's own validation figures in an epoch's row."""
    return "".join(f" {label} {row[key]:.4f}" for key, label in TASK_COLUMNS.items() if key in row)
