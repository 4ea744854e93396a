"""The model zoo: ``create(name, num_classes=..., in_channels=...)`` builds any registered model."""

from cnnlab.models import alexnet, alphago, googlenet, lenet, squeezenet, vgg  # noqa: F401
from cnnlab.models.registry import ModelInfo, create, get_model_info, list_models, register_model

__all__ = ["ModelInfo", "create", "get_model_info", "list_models", "register_model"]
