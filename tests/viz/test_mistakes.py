import pytest
import torch
from PIL import Image

from cnnlab.data import Dataset
from cnnlab.errors import DataError
from cnnlab.train import Run, evaluate_run
from cnnlab.viz.mistakes import Predictions, most_confident_mistakes, plot_mistakes, predict


@pytest.fixture(scope="module")
def predictions(digits_run) -> Predictions:
    return predict(Run.open(digits_run))


def test_predictions_agree_with_the_runs_evaluation(digits_run, predictions):
    result = evaluate_run(digits_run)
    assert predictions.confusion().tolist() == result.confusion
    assert predictions.accuracy() == pytest.approx(result.accuracy)
    assert predictions.per_class_accuracy().tolist() == pytest.approx(result.per_class)
    assert torch.allclose(predictions.probabilities.sum(dim=1), torch.ones(result.count))


def test_the_most_confident_mistakes_are_wrong_and_none_wrong_is_more_confident(predictions):
    mistakes = most_confident_mistakes(predictions, count=6)
    labels = predictions.dataset.labels
    wrong = (predictions.predicted != labels).nonzero().flatten().tolist()
    assert len(wrong) > 6  # three epochs of LeNet-5 on digits still makes mistakes
    assert len(mistakes.indices) == 6
    assert all(int(i) in wrong for i in mistakes.indices)
    assert (mistakes.labels != mistakes.predicted).all()
    assert torch.all(mistakes.confidence[:-1] >= mistakes.confidence[1:])
    others = [predictions.confidence[i] for i in wrong if i not in mistakes.indices.tolist()]
    assert max(others) <= mistakes.confidence[-1]
    assert torch.equal(mistakes.images[0], predictions.dataset.images[mistakes.indices[0]])


def test_mistakes_plot_is_a_png_even_without_mistakes(predictions, tmp_path):
    path = plot_mistakes(most_confident_mistakes(predictions, 16), "mistakes", tmp_path / "m.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
    perfect = Predictions(
        Dataset(
            "tiny", torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 1]), ["a", "b"]
        ),
        torch.tensor([[0.9, 0.1], [0.2, 0.8]]),
    )
    none = most_confident_mistakes(perfect)
    assert len(none.indices) == 0 and none.images.shape == (0, 1, 4, 4)
    assert plot_mistakes(none, "none", tmp_path / "none.png").is_file()


def test_a_count_below_one_is_refused(predictions):
    with pytest.raises(DataError, match="count of mistakes must be at least 1, found 0"):
        most_confident_mistakes(predictions, 0)
