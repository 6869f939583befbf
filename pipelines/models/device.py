"""The torch device a model runs on: one helper for translation and summary models."""

from __future__ import annotations


def torch_device(device: str) -> str:
    """``auto`` is CUDA when torch sees a GPU, else CPU; any other value is used as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
