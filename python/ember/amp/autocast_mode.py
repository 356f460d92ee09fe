"""ember.autocast: PyTorch's automatic mixed precision. Inside the context,
ops on PyTorch's lower-precision list (matmul, mm, bmm, addmm/Linear, conv2d,
conv_transpose2d) cast float32 inputs to the autocast dtype, and ops on its
float32 list cast float16/bfloat16 inputs to float32: on both devices nll_loss,
cross_entropy, prod and the losses of nn.functional; on CUDA also softmax,
log_softmax, sum, cumsum, norm, logsumexp, exp/log and friends, pow,
layer_norm, group_norm and upsampling. Other ops run in their inputs' dtype.
The casts of weights (float32 leaves that require grad) are cached until the
outermost region exits, as PyTorch's are. The state lives in C++ (per thread,
per device type), where the ops read it."""
import functools
import warnings

from .. import _C

__all__ = ["autocast", "is_autocast_available"]

_SUPPORTED = {"cpu", "cuda"}


def is_autocast_available(device_type):
    return device_type in _SUPPORTED


class autocast:  # noqa: N801  (PyTorch's name)
    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _SUPPORTED:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = _C.get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = _C.is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if device_type == "cuda" and enabled:
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling")
                enabled = False
        if enabled and self.fast_dtype not in (_C.float16, _C.bfloat16):
            name = "CPU" if device_type == "cpu" else "CUDA"
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                          f"{name} Autocast only supports dtype of torch.bfloat16, torch.float16 currently.")
            enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = _C.is_autocast_cache_enabled()
        self.prev = _C.is_autocast_enabled(self.device)
        self.prev_fastdtype = _C.get_autocast_dtype(self.device)
        _C._set_autocast_dtype(self.device, self.fast_dtype)
        _C._set_autocast_enabled(self.device, self._enabled)
        _C.autocast_increment_nesting()
        _C.set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        # Leaving the outermost region drops the cached weight casts (PyTorch's rule).
        if _C.autocast_decrement_nesting() == 0:
            _C.clear_autocast_cache()
        _C._set_autocast_enabled(self.device, self.prev)
        _C._set_autocast_dtype(self.device, self.prev_fastdtype)
        _C.set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _float32(*tensors, cuda_only=False):
    """The inputs of an op on autocast's float32 list (Python-level ops): float16/bfloat16 ones as float32
    while autocast is on for their device; anything else (None, numbers, other dtypes) as it is."""
    if not (_C.is_autocast_enabled("cpu") or _C.is_autocast_enabled("cuda")):
        return tensors if len(tensors) > 1 else tensors[0]
    out = tuple(_C._autocast_to_float32(t, cuda_only) if isinstance(t, _C.Tensor) else t for t in tensors)
    return out if len(out) > 1 else out[0]
