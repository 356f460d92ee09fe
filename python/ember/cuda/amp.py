"""ember.cuda.amp: the deprecated spelling of ember.amp for CUDA, as torch.cuda.amp."""
import warnings

from ..amp import GradScaler as _GradScaler

__all__ = ["GradScaler"]


class GradScaler(_GradScaler):
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("ember.cuda.amp.GradScaler(args...) is deprecated. Please use "
                      "ember.amp.GradScaler('cuda', args...) instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
