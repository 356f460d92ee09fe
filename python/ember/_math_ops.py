"""Pointwise and scan ops composed from ember ops (so autograd and every device come
for free): meshgrid, lerp, addcmul, addcdiv, cumprod, logit; with their Tensor methods."""
import warnings

from . import _C
from ._C import Tensor

_SHORT = {"float32": "float", "float64": "double", "int64": "long", "int32": "int", "bool": "bool",
          "float16": "half", "bfloat16": "bfloat16"}


def _short(dtype):
    name = str(dtype).split(".")[-1]
    return _SHORT.get(name, name)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: the k-th result is tensors[k] (0-d or 1-d) expanded along the k-th dim
    ('ij'), or with the first two dims swapped ('xy'). Results are views, as in PyTorch."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    for t in tensors[1:]:
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.numel() for t in ts]
    out = []
    for k, t in enumerate(ts):
        view = [1] * len(ts)
        view[k] = -1
        out.append(t.reshape(view).expand(shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def _check_same_dtype(input, other, name):
    if isinstance(other, Tensor) and other.dtype != input.dtype:
        raise RuntimeError(f"expected dtype {_short(input.dtype)} for `{name}` but got dtype {_short(other.dtype)}")


def lerp(input, end, weight):
    """input + weight * (end - input), evaluated as PyTorch does (from `end` when weight >= 0.5,
    which keeps lerp(a, b, 1) == b exactly)."""
    _check_same_dtype(input, end, "end")
    _check_same_dtype(input, weight, "weight")
    if not input.is_floating_point():
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{_C._dtype_short_name(input.dtype)}'")
    diff = end - input
    if not isinstance(weight, Tensor):
        return input + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    return _C.where(weight.abs() < 0.5, input + weight * diff, end - diff * (1 - weight))


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return input + value * (tensor1 * tensor2) if value != 1 else input + tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (true division; integer tensors are an error, as in PyTorch)."""
    if not tensor1.is_floating_point() and not tensor2.is_floating_point():
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value "
            "* torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value "
            "* tensor1 / tensor2), for all dtypes.")
    q = tensor1 / tensor2
    return input + value * q if value != 1 else input + q


_SEQUENTIAL_MAX = 16  # longer scans take log2(n) steps instead of n


def cumprod(input, dim, *, dtype=None):
    """Running products along `dim` (integers and bool as int64, like cumsum). Short dims multiply
    left to right; longer ones use a log-depth scan. No division either way, so the gradient is
    right where the input has zeros."""
    if dtype is not None:
        x = input.to(dtype)
    elif input.is_floating_point():
        x = input
    else:
        x = input.to(_C.int64)
    nd = max(x.dim(), 1)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    if x.dim() == 0:
        return x.clone() if x is input else x
    d = dim % x.dim()
    out_dtype = x.dtype
    if x.dtype in (_C.float32, _C.float16, _C.bfloat16) and x.device.type == "cpu":
        x = x.to(_C.float64)  # PyTorch's CPU kernel accumulates reduced floats in double
    y = _scan_prod(x, d)
    return y.to(out_dtype) if y.dtype != out_dtype else y


def _scan_prod(x, d):
    n, k = x.shape[d], 1
    if n <= _SEQUENTIAL_MAX:
        # left to right, as PyTorch's CPU kernel multiplies: the same rounding, bit for bit
        parts = [x.narrow(d, 0, 1)] if n else []
        for i in range(1, n):
            parts.append(parts[-1] * x.narrow(d, i, 1))
        return _C.cat(parts, d) if parts else x.clone()
    y = x
    while k < n:
        y = _C.cat([y.narrow(d, 0, k), y.narrow(d, k, n - k) * y.narrow(d, 0, n - k)], d)
        k *= 2
    return y


def logit(input, eps=None):
    """log(p / (1 - p)); with eps, p is first clamped to [eps, 1 - eps]. Integers give float."""
    x = input if input.is_floating_point() else input.to(_C.get_default_dtype())
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return (x / (1 - x)).log()


def _inplace(fn):
    def method(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        if r.dtype != self.dtype:
            raise RuntimeError(f"result type {_C._dtype_short_name(r.dtype)} can't be cast to the desired output "
                               f"type {_C._dtype_short_name(self.dtype)}")
        return self.copy_(r)
    return method


for _f in (lerp, addcmul, addcdiv, cumprod, logit):
    setattr(Tensor, _f.__name__, _f)
for _f in (lerp, addcmul, addcdiv, cumprod, logit):
    setattr(Tensor, _f.__name__ + "_", _inplace(_f))
