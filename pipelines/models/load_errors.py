"""What loading a model's files raises when they are missing, corrupt or unreadable."""

from __future__ import annotations


def load_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean "this model cannot be loaded from these files" (not a bug here).

    TypeError: a tokenizer file is missing (transformers passes None on as a path); SafetensorError:
    corrupt or truncated weights. safetensors is imported only when a model is loaded.
    """
    from safetensors import SafetensorError

    return (OSError, ValueError, RuntimeError, KeyError, TypeError, ImportError, SafetensorError)
