import pytest
import torch
from patch_task import patch_images, trained_patch_model

from cnnlab.errors import ConfigError, ModelError
from cnnlab.viz.adversarial import EPSILONS, fgsm, fooling_image, predict, smallest_fgsm
from cnnlab.viz.synthesis import noise


@pytest.fixture(scope="module")
def patch_model():
    return trained_patch_model()


def test_a_small_fast_gradient_sign_step_flips_confident_predictions(patch_model):
    images, labels = patch_images(8, seed=5)
    classes, confidence = predict(patch_model, images)
    assert torch.equal(classes, labels) and (confidence > 0.9).all()
    used = []
    for image, label in zip(images[:, None], labels.tolist(), strict=True):
        adversarial, epsilon = smallest_fgsm(patch_model, image, label)
        assert int(predict(patch_model, adversarial)[0]) != label
        assert (adversarial - image).abs().max() <= epsilon + 1e-6
        assert adversarial.min() >= 0 and adversarial.max() <= 1
        smaller = [e for e in EPSILONS if e < epsilon]
        if smaller:  # the smallest epsilon that flips: the one before it does not
            assert (
                int(predict(patch_model, fgsm(patch_model, image, label, smaller[-1]))[0]) == label
            )
        used.append(epsilon)
    assert sorted(used)[len(used) // 2] <= 24 / 255  # typically a tenth of the pixel range


def test_fgsm_moves_every_free_pixel_by_epsilon_up_the_loss(patch_model):
    images, labels = patch_images(4, seed=6)
    adversarial = fgsm(patch_model, images, labels, 2 / 255)
    change = adversarial - images
    interior = (images > 0.01) & (images < 0.99)  # not clipped at 0 or 1
    assert torch.allclose(change[interior].abs(), torch.tensor(2 / 255), atol=1e-6)
    loss = torch.nn.functional.cross_entropy
    assert loss(patch_model(adversarial), labels) > loss(patch_model(images), labels)


@pytest.mark.parametrize("target", [0, 1])
def test_a_fooling_image_from_noise_is_called_the_chosen_class_and_stays_noise(patch_model, target):
    start = noise((1, 16, 16), seed=0)
    assert int(predict(patch_model, start)[0]) == 2  # noise is "no patch"
    image = fooling_image(patch_model, target, start, confidence=0.99)
    classes, confidence = predict(patch_model, image)
    assert int(classes[0]) == target and confidence.item() >= 0.99
    assert (image - start).abs().mean() < 0.2  # still mostly the noise it started from


def test_bad_epsilon_confidence_and_target_are_named(patch_model):
    start = noise((1, 16, 16), seed=0)
    with pytest.raises(ConfigError, match=r"epsilon must be in \[0, 1\], found -0.1"):
        fgsm(patch_model, start, 0, -0.1)
    with pytest.raises(ConfigError, match="confidence must be between 0 and 1, got 1.5"):
        fooling_image(patch_model, 0, start, confidence=1.5)
    with pytest.raises(ModelError, match="target class 7 is out of range"):
        fooling_image(patch_model, 7, start)
