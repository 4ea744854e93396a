"""The model zoo: ``create(name, num_classes=..., in_channels=...)`` builds any registered model."""

from cnnlab.models import (  # noqa: F401  (each module registers its models)
    alexnet,
    alphago,
    arch,
    densenet,
    googlenet,
    lenet,
    resnet,
    resnet_cifar,
    senet,
    smallcnn,
    squeezenet,
    vgg,
    wide_resnet,
)
from cnnlab.models.arch import create_arch, read_arch
from cnnlab.models.contract import ClassifierContract, head_state_keys
from cnnlab.models.ensemble import Ensemble
from cnnlab.models.headed import HeadedModel, attach_head, feature_channels
from cnnlab.models.registry import (
    ModelInfo,
    create,
    get_model_info,
    input_args,
    list_models,
    register_model,
)

__all__ = [
    "ClassifierContract",
    "Ensemble",
    "HeadedModel",
    "attach_head",
    "ModelInfo",
    "create",
    "create_arch",
    "feature_channels",
    "get_model_info",
    "head_state_keys",
    "input_args",
    "list_models",
    "read_arch",
    "register_model",
]
