"""Automatic mixed precision (ember.amp), as torch.amp: autocast (ops in
float16/bfloat16 where PyTorch runs them so) and GradScaler (loss scaling for
float16 gradients; it works on any device and dtype)."""
from .autocast_mode import autocast, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "is_autocast_available", "GradScaler"]
