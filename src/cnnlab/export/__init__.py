"""Export: a trained model as ONNX, TorchScript or a safetensors file with its metadata,
verified against PyTorch at once and described by a model card beside it (``FILE.json``)."""

from cnnlab.export.export import FORMATS, ExportReport, export_model, export_run
from cnnlab.export.verify import Verification

__all__ = ["FORMATS", "ExportReport", "Verification", "export_model", "export_run"]
