"""The localisation and multi-digit heads on registered backbones."""

import pytest
import torch

from cnnlab import models
from cnnlab.errors import ModelError
from cnnlab.models.headed import attach_head, feature_channels
from cnnlab.nn.localisation_head import LocalisationHead
from cnnlab.nn.multidigit_head import MultiDigitHead, read_sequences


@pytest.mark.parametrize("name", ["smallcnn_bn", "resnet20"])
def test_a_localisation_head_gives_scores_and_a_box_inside_the_image(name):
    backbone = models.create(name, num_classes=10, in_channels=1)
    channels = feature_channels(backbone, (1, 60, 60))
    model = attach_head(backbone, "localise", in_channels=channels, num_classes=10).eval()
    output = model(torch.rand(3, 1, 60, 60))
    scores, boxes = LocalisationHead.split(output)
    assert scores.shape == (3, 10) and boxes.shape == (3, 4)
    assert ((boxes > 0) & (boxes < 1)).all()
    assert torch.equal(model.forward_head(model.forward_features(torch.ones(1, 1, 60, 60))),
                       model(torch.ones(1, 1, 60, 60)))  # fmt: skip


def test_the_multidigit_head_has_a_length_and_one_classifier_per_position():
    backbone = models.create("smallcnn_bn", num_classes=10, in_channels=1)
    model = attach_head(backbone, "sequence", in_channels=128, num_classes=10).eval()
    output = model(torch.rand(2, 1, 64, 160))
    lengths, digits = model.head.split(output)
    assert lengths.shape == (2, 7)  # 0..5 digits or more (Goodfellow et al. 2014)
    assert digits.shape == (2, 5, 10)
    assert model.head_args == {"task": "sequence", "in_channels": 128, "num_classes": 10}
    assert model.get_submodule(model.cam_layer) is backbone.features[6]  # Grad-CAM's layer
    assert models.head_state_keys(model) == {k for k in model.state_dict() if k.startswith("head.")}


def test_reading_takes_the_most_likely_length_and_digits():
    head = MultiDigitHead(8, 10, positions=3)
    lengths = torch.tensor([[0, 0, 9.0, 0, 0], [9.0, 0, 0, 0, 0], [0, 0, 0, 0, 9.0]])
    digits = torch.zeros(3, 3, 10)
    digits[:, 0, 4] = digits[:, 1, 7] = digits[:, 2, 1] = 5
    output = torch.cat([lengths, digits.flatten(1)], 1)
    assert head.split(output)[1].equal(digits)
    assert read_sequences(output, 3).tolist() == [[4, 7, -1], [-1, -1, -1], [4, 7, 1]]


def test_an_unknown_task_is_refused_by_name():
    with pytest.raises(ModelError, match="unknown task head 'detect'"):
        attach_head(models.create("smallcnn_bn"), "detect", in_channels=128, num_classes=10)
