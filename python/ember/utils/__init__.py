"""ember.utils: helpers that follow torch.utils (so far: ember.utils.data)."""
from . import data  # noqa: F401

__all__ = ["data"]
