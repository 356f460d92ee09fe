"""ember.finfo and ember.iinfo: the numeric limits of a dtype, as torch.finfo / torch.iinfo."""
import numpy as np

from . import _C

__all__ = ["finfo", "iinfo"]

# bfloat16 has float32's exponent and an 8-bit significand; NumPy has no such type.
_BF16 = dict(bits=16, eps=2.0**-7, max=float(np.float32(3.3895313892515355e38)), tiny=2.0**-126, resolution=0.01)


class finfo:  # noqa: N801  (PyTorch's name)
    def __init__(self, type=None):  # noqa: A002
        dtype = _C.get_default_dtype() if type is None else type
        if not isinstance(dtype, _C.dtype) or not dtype.is_floating_point:
            raise TypeError(f"finfo(): argument 'type' must be a floating point dtype, got {dtype}")
        self.dtype = dtype._name
        if dtype == _C.bfloat16:
            info = _BF16
        else:
            npi = np.finfo({"float16": np.float16, "float32": np.float32, "float64": np.float64}[dtype._name])
            info = dict(bits=npi.bits, eps=float(npi.eps), max=float(npi.max), tiny=float(npi.tiny),
                        resolution=10.0 ** -npi.precision)
        self.bits = info["bits"]
        self.eps = info["eps"]
        self.max = info["max"]
        self.min = -info["max"]
        self.tiny = self.smallest_normal = info["tiny"]
        self.resolution = info["resolution"]

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    def __init__(self, type):  # noqa: A002
        if not isinstance(type, _C.dtype) or type.is_floating_point:
            raise TypeError(f"iinfo(): argument 'type' must be an integer dtype, got {type}")
        if type == _C.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        npi = np.iinfo({"int32": np.int32, "int64": np.int64}[type._name])
        self.bits, self.min, self.max, self.dtype = npi.bits, int(npi.min), int(npi.max), type._name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
