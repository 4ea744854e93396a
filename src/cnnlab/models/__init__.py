"""The model zoo: ``create(name, num_classes=..., in_channels=...)`` builds any registered model."""

from cnnlab.models import densenet, lenet, resnet, resnet_cifar, senet, wide_resnet  # noqa: F401
from cnnlab.models.registry import ModelInfo, create, get_model_info, list_models, register_model

__all__ = ["ModelInfo", "create", "get_model_info", "list_models", "register_model"]
