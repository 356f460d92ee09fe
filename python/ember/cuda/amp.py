"""ember.cuda.amp: the deprecated spelling of ember.amp for CUDA, as torch.cuda.amp."""
import warnings

from .. import _C
from ..amp import GradScaler as _GradScaler
from ..amp import autocast as _autocast

__all__ = ["GradScaler", "autocast"]


class autocast(_autocast):  # noqa: N801
    def __init__(self, enabled=True, dtype=_C.float16, cache_enabled=True):
        warnings.warn("ember.cuda.amp.autocast(args...) is deprecated. Please use "
                      "ember.amp.autocast('cuda', args...) instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("ember.cuda.amp.GradScaler(args...) is deprecated. Please use "
                      "ember.amp.GradScaler('cuda', args...) instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
