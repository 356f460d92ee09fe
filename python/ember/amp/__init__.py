"""Automatic mixed precision helpers (ember.amp), as torch.amp. ember has no
float16/bfloat16 tensors yet, so there is no autocast; GradScaler works on any
device and dtype (with float32 gradients it only guards against inf/NaN)."""
from .grad_scaler import GradScaler

__all__ = ["GradScaler"]
