"""``cnnlab viz boxes``'s picture: a localisation run's predicted boxes against the true ones
on a grid of a split's images, each titled with the true and predicted class and the IoU
(a multi-digit run: the true and the read sequence, over each digit's true box)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from cnnlab.data.show import row_labels
from cnnlab.errors import ConfigError, RunError
from cnnlab.figure import Picture, save_figure, subplots
from cnnlab.train.metrics import IOU_HIT, box_iou
from cnnlab.train.readings import read_images
from cnnlab.train.run import Run

MOST = 64  # images on one grid
COLUMNS = 4
TRUE_COLOUR, PREDICTED_COLOUR, WRONG_COLOUR = "lime", "magenta", "red"


@dataclass(kw_only=True)
class BoxGrid(Picture):
    images: torch.Tensor  # (N, C, H, W) on 0..1
    true_boxes: torch.Tensor  # (N, K, 4) x, y, w, h in pixels; K > 1: one per digit
    predicted_boxes: torch.Tensor | None  # (N, 4), or None for a multi-digit reader
    captions: list[str]  # the true and the predicted class (or sequence), and the IoU
    right: list[bool]  # the prediction is right (class, IoU >= 0.5; or the whole sequence)

    def draw(self, path: Path) -> Path:
        from matplotlib.patches import Rectangle

        count = len(self.images)
        aspect = self.images.shape[-1] / self.images.shape[-2]
        columns = min(COLUMNS if aspect < 1.5 else COLUMNS // 2, count)  # wide canvases: 2
        rows = -(-count // columns)
        fig, axes = subplots(
            rows, columns, figsize=(2.2 * aspect * columns, 2.4 * rows + 0.8), squeeze=False
        )
        for ax in axes.flat[count:]:
            ax.axis("off")
        for index, ax in enumerate(axes.flat[:count]):
            pixels = self.images[index].permute(1, 2, 0).clamp(0, 1).numpy()
            grey = pixels.shape[2] == 1
            ax.imshow(pixels[..., 0] if grey else pixels, cmap="gray" if grey else None,
                      vmin=0, vmax=1, interpolation="nearest")  # fmt: skip
            ax.set_xticks([]), ax.set_yticks([])
            boxes = [(box, TRUE_COLOUR) for box in self.true_boxes[index] if box[2] > 0]
            if self.predicted_boxes is not None:
                boxes.append((self.predicted_boxes[index], PREDICTED_COLOUR))
            for box, colour in boxes:
                x, y, width, height = box.tolist()  # pixel edges: half a pixel off the centres
                ax.add_patch(Rectangle((x - 0.5, y - 0.5), width, height, fill=False,
                                       edgecolor=colour, linewidth=1.2))  # fmt: skip
            colour = "black" if self.right[index] else WRONG_COLOUR
            ax.set_title(self.captions[index], fontsize=8, color=colour)
        fig.suptitle(self.title, fontsize=10)
        fig.tight_layout()
        return save_figure(fig, path)


def box_grid(run: Run, split: str = "test", count: int = 16) -> BoxGrid:
    """The first ``count`` images of the run's ``split`` with the true boxes (green) and
    the predicted ones (magenta), for a run trained on a dataset with boxes."""
    if not 1 <= count <= MOST:
        raise ConfigError(f"--count must be between 1 and {MOST}, found {count}")
    if run.task == "classify":
        raise RunError(
            f"run {run.path} is a classifier: it predicts no boxes (train on translated-mnist, "
            "cluttered-mnist or multi-mnist for a box or multi-digit head)"
        )
    dataset = run.dataset(split)
    count = min(count, len(dataset))
    images = dataset.images[:count]
    readings = read_images(run, images)
    truth = row_labels(dataset, count)
    if run.task == "sequence":
        read = [readings.sequence_text(i, run.classes) for i in range(count)]
        right = [t == r for t, r in zip(truth, read, strict=True)]
        captions = [f"{t} read {r or '(none)'}" for t, r in zip(truth, read, strict=True)]
        true_boxes, predicted = dataset.digit_boxes[:count], None
        summary = f"{sum(right)} of {count} sequences read right"
    else:
        predicted = readings.boxes
        iou = box_iou(predicted, dataset.boxes[:count])
        guess = readings.probabilities.argmax(1)
        right = [
            bool(g == label and i >= IOU_HIT)
            for g, label, i in zip(guess, dataset.labels[:count], iou, strict=True)
        ]
        captions = [
            f"{t} -> {run.classes[int(g)]}  IoU {float(i):.2f}"
            for t, g, i in zip(truth, guess, iou, strict=True)
        ]
        true_boxes = dataset.boxes[:count, None]
        summary = f"mean IoU {float(iou.mean()):.3f} over these {count} images"
    drawn = "digit boxes green" if predicted is None else "boxes green, predicted magenta"
    return BoxGrid(
        title=f"{run.path.name}: {split} images, true {drawn}",
        default_path=run.path / "plots" / f"boxes-{split}.png",
        notes=[summary],
        images=images.float() / 255,
        true_boxes=true_boxes,
        predicted_boxes=predicted,
        captions=captions,
        right=right,
    )
