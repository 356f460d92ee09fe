"""Tensor creation and the random-number API (PyTorch's signatures)."""
import numbers

import numpy as np

from . import _C
from ._C import Tensor

_NP_DTYPES = {
    _C.float32: np.float32, _C.float64: np.float64, _C.int64: np.int64, _C.int32: np.int32, _C.bool: np.bool_,
}


_FROM_NP = {np.dtype(v): k for k, v in _NP_DTYPES.items()}
_FROM_NP[np.dtype(np.float16)] = _C.float16
# float16 and bfloat16 are made from float32 values, as PyTorch rounds a Python float (double -> float -> half).
_REDUCED = (_C.float16, _C.bfloat16)


def _size(size, what, size_kw=None):
    """The size from positional ints, one sequence, or the size= keyword (a 0-d integer tensor counts as an int)."""
    if size_kw is not None:
        if size:
            raise TypeError(f"{what}() got multiple values for argument 'size'")
        size = (size_kw,)
    if len(size) == 1 and not isinstance(size[0], numbers.Integral) and not (
            isinstance(size[0], Tensor) and size[0].dim() == 0):
        size = size[0]
    if isinstance(size, (str, bytes)) or not hasattr(size, "__iter__"):
        raise TypeError(f"{what}(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    out = []
    for s in size:
        if isinstance(s, Tensor) and s.numel() == 1:
            s = s.item()
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{what}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f"type {type(s).__name__}")
        out.append(int(s))
    return out


def _nested_shape(data, dim=0):
    """Shape of nested lists as PyTorch reads them, with its error for ragged data."""
    if isinstance(data, (list, tuple)):
        if not data:
            return [0]
        first = _nested_shape(data[0], dim + 1)
        for item in data[1:]:
            n = len(item) if isinstance(item, (list, tuple)) else None
            if (n is None) != (not first) or (n is not None and n != first[0]):
                got = n if n is not None else type(item).__name__
                raise ValueError(f"expected sequence of length {first[0] if first else 0} at dim {dim + 1} "
                                 f"(got {got})")
        return [len(data)] + first
    if data is None or isinstance(data, str):
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    return []


def _dtype(dtype):
    return _C.get_default_dtype() if dtype is None else dtype


def _finish(t, requires_grad):
    if requires_grad:
        if not t.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _check_device(device):
    """The device argument as an ember.device (None stays None: the CPU), the CUDA backend loaded for 'cuda'."""
    if device is None:
        return None
    dev = device if isinstance(device, _C.device) else _C.device(f"cuda:{device}" if isinstance(device, int) else device)
    if dev.type == "cuda":
        from . import cuda
        cuda._lazy_init()
    return dev


def _on(t, dev):
    """t moved to dev (ops with no kernel there are computed on the CPU and copied)."""
    return t if dev is None or dev.type == "cpu" else t._to_device(dev, None, False)


def _infer_dtype(arr):
    k = arr.dtype.kind
    if k == "f":
        return _C.get_default_dtype()
    if k in "iu":
        return _C.int64
    if k == "b":
        return _C.bool
    raise TypeError(f"Could not infer dtype of {arr.dtype}")


_INT64_LIMIT = 2.0 ** 63


def _python_scalars(data):
    """Nested Python numbers with each tensor element taken as a number (PyTorch reads an element of
    a list that is a tensor as a scalar, so it must have exactly one element)."""
    if isinstance(data, (list, tuple)):
        return [_python_scalars(item) for item in data]
    if isinstance(data, Tensor):
        if data.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data.item()
    if isinstance(data, np.generic):
        return data.item()
    return data


def _flat(data):
    if isinstance(data, list):
        for item in data:
            yield from _flat(item)
    else:
        yield data


def _array_from_python(data, dtype):
    """The slow, exact path for Python data NumPy cannot take as it is: tensors inside lists, and ints
    beyond int64 (PyTorch takes them as doubles for a float or bool tensor and refuses them otherwise)."""
    data = _python_scalars(data)
    values = list(_flat(data))
    has_float = any(isinstance(v, float) for v in values)
    if dtype is None:
        dtype = _C.get_default_dtype() if has_float else (
            _C.int64 if any(not isinstance(v, bool) for v in values) or not values else _C.bool)
    big = any(isinstance(v, int) and not -2 ** 63 <= v < 2 ** 63 for v in values)
    if big and dtype in (_C.int32, _C.int64):
        raise ValueError("Overflow when unpacking long long")
    return np.array(data, dtype=np.float64 if big or has_float else None), dtype


def _array_from_data(data, dtype):
    """`data` as a NumPy array, and the dtype the tensor gets (`dtype`, or the one PyTorch infers)."""
    if isinstance(data, Tensor):
        t = data.detach()
        return (t.float() if t.dtype in _REDUCED else t)._numpy_view(), dtype or data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if dtype is None:
            dtype = _FROM_NP.get(arr.dtype)
            if dtype is None:
                raise TypeError(f"can't convert np.ndarray of type {arr.dtype}. The only supported types are: "
                                "float64, float32, float16, int64, int32, and bool.")
        return arr, dtype
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    shape = _nested_shape(data) if isinstance(data, (list, tuple)) else []
    try:
        arr = np.array(data)
    except (ValueError, TypeError):
        arr = None
    if arr is not None and arr.dtype.kind in "US":
        raise TypeError("new(): invalid data type 'str'")
    if (arr is None or list(arr.shape) != shape or arr.dtype.kind in "uO"
            or (arr.dtype.kind == "f" and arr.size and np.abs(arr).max() >= _INT64_LIMIT)):
        arr, dtype = _array_from_python(data, dtype)
    elif dtype is None:
        dtype = _infer_dtype(arr)
    if arr.dtype == object:
        odd = next((v for v in _flat(_python_scalars(data)) if not isinstance(v, (int, float))), data)
        raise RuntimeError(f"Could not infer dtype of {type(odd).__name__}")
    _check_fits(arr, dtype)
    return arr, dtype


def _check_fits(arr, dtype):
    """PyTorch converts each Python number to an integer dtype with a range check."""
    if dtype not in (_C.int32, _C.int64) or arr.dtype.kind not in "fiu" or not arr.size:
        return
    lo, hi = (-2.0 ** 31, 2.0 ** 31) if dtype == _C.int32 else (-_INT64_LIMIT, _INT64_LIMIT)
    values = arr.astype(np.float64) if arr.dtype.kind != "f" else arr
    if not (np.all(values >= lo) and np.all(values < hi)):  # NaN fails too
        name = "int32" if dtype == _C.int32 else "int64"
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, NumPy arrays, tensors)."""
    dev = _check_device(device)
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, Tensor) and data.device.type != "cpu":
        data = data.cpu()
    arr, dtype = _array_from_data(data, dtype)
    if dtype in _REDUCED:
        if arr.dtype == np.float16 and dtype == _C.float16:
            out = _C.from_numpy(np.array(arr, order="C", copy=True))
        else:
            out = _C.from_numpy(np.array(arr, dtype=np.float32, order="C", copy=True)).to(dtype)
        return _finish(_on(out, dev), requires_grad)
    with np.errstate(over="ignore"):  # a double beyond float32's range becomes inf, as in PyTorch
        out = _C.from_numpy(np.array(arr, dtype=_NP_DTYPES[dtype], order="C", copy=True))
    return _finish(_on(out, dev), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with `data` when it is already a tensor or a NumPy array of a matching dtype."""
    dev = _check_device(device)
    if isinstance(data, Tensor):
        return data.to(device=dev, dtype=dtype) if dev is not None or dtype is not None else data
    if dev is not None and dev.type != "cpu":
        return tensor(data, dtype=dtype, device=dev)
    if isinstance(data, np.ndarray) and (dtype is None or _NP_DTYPES.get(dtype) == data.dtype.type):
        try:
            return _C.from_numpy(data)
        except (TypeError, ValueError):
            pass
    return tensor(data, dtype=dtype)


def from_numpy(a):
    return _C.from_numpy(a)


def empty(*size_args, size=None, dtype=None, device=None, requires_grad=False, out=None, memory_format=None,
          pin_memory=False):
    dev = _check_device(device)
    return _finish(_C._empty(_size(size_args, "empty", size), _dtype(dtype), dev), requires_grad)


def zeros(*size_args, size=None, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    size = _size(size_args, "zeros", size)
    if any(s < 0 for s in size):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    t = _C._full(size, 0, _dtype(dtype), dev)
    return _finish(_write_out(t, out), requires_grad)


def ones(*size_args, size=None, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    t = _C._full(_size(size_args, "ones", size), 1, _dtype(dtype), dev)
    return _finish(_write_out(t, out), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    if not isinstance(fill_value, (numbers.Number, Tensor, np.generic)):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {type(fill_value).__name__}")
    if isinstance(fill_value, Tensor):  # a 0-d tensor is a number of its own kind
        if fill_value.dim() != 0:
            raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not Tensor")
        fill_value = fill_value.item()
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = _C.bool
        elif isinstance(fill_value, numbers.Integral):
            dtype = _C.int64
        else:
            dtype = _C.get_default_dtype()
    t = _C._full(_size((size,), "full"), fill_value, dtype, dev)
    return _finish(_write_out(t, out), requires_grad)


def _write_out(t, out):
    if out is None:
        return t
    if tuple(out.shape) != tuple(t.shape):
        raise RuntimeError(f"out= tensor of shape {tuple(out.shape)} does not match result shape {tuple(t.shape)}")
    return out.copy_(t)


def _like_layout(input, dtype, device=None):
    """An uninitialized tensor with input's shape and, when input is dense, its strides (memory order)."""
    dtype = input.dtype if dtype is None else dtype
    dev = input.device if device is None else _check_device(device)
    if input.is_contiguous() or input.numel() == 0:
        return _C._empty(list(input.shape), dtype, dev)
    order = sorted(range(input.dim()), key=lambda d: -input.stride(d))
    expected, dense = 1, True
    for d in reversed(order):
        if input.shape[d] != 1 and input.stride(d) != expected:
            dense = False
        expected *= input.shape[d]
    if not dense:
        return _C._empty(list(input.shape), dtype, dev)
    flat = _C._empty([input.numel()], dtype, dev)
    return flat.as_strided(list(input.shape), list(input.stride()), 0)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like_layout(input, dtype, device), requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like_layout(input, dtype, device).zero_(), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like_layout(input, dtype, device).fill_(1), requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like_layout(input, dtype, device).fill_(fill_value), requires_grad)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    if end is None:
        start, end = 0, start
    vals = (start, end, step)
    if dtype is None:
        floating = any(isinstance(v, float) or (isinstance(v, Tensor) and v.is_floating_point()) for v in vals)
        dtype = _C.get_default_dtype() if floating else _C.int64
    vals = [v.item() if isinstance(v, Tensor) else v for v in vals]
    return _finish(_write_out(_C._arange(*vals, dtype, dev), out), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    t = _C._linspace(float(start), float(end), int(steps), _dtype(dtype), dev)
    return _finish(_write_out(t, out), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None):
    """base ** linspace(start, end, steps), rounded as PyTorch's CPU kernel rounds it (range.cpp)."""
    if isinstance(steps, bool) or not isinstance(steps, int) and not (isinstance(steps, _C.Tensor) or
                                                                       hasattr(steps, "__index__")):
        raise TypeError(f"logspace(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    dev = _check_device(device)
    t = _C._logspace(float(start), float(end), int(steps), float(base), _dtype(dtype), dev)
    return _finish(_write_out(t, out), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    return _finish(_write_out(_C._eye(n, n if m is None else m, _dtype(dtype), dev), out), requires_grad)


# ---- random numbers ----
default_generator = _C.default_generator()


def manual_seed(seed):
    """Seeds the default generator; PyTorch's streams follow (same seed, same numbers). Seeds the
    CUDA devices' generators too, as PyTorch does (ember's own there: docs/cuda.md)."""
    from . import cuda
    cuda.manual_seed_all(seed)
    return default_generator.manual_seed(int(seed))


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _state_tensor(raw):
    return tensor(np.frombuffer(raw, dtype=np.uint8).astype(np.int64))


def _state_bytes(state):
    if isinstance(state, Tensor):
        return bytes(np.asarray(state._numpy_view(), dtype=np.uint8).tobytes())
    if isinstance(state, np.ndarray):
        return state.astype(np.uint8).tobytes()
    return bytes(state)


def get_rng_state():
    """The default generator's state as a 1-D tensor of 5056 byte values (PyTorch's layout)."""
    return _state_tensor(default_generator._get_state_bytes())


def set_rng_state(new_state):
    default_generator._set_state_bytes(_state_bytes(new_state))


def _gen_get_state(self):
    return _state_tensor(self._get_state_bytes())


def _gen_set_state(self, new_state):
    self._set_state_bytes(_state_bytes(new_state))
    return self


_C.Generator.get_state = _gen_get_state
_C.Generator.set_state = _gen_set_state


def rand(*size_args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    t = _C._empty(_size(size_args, "rand", size), _dtype(dtype), None).uniform_(0.0, 1.0, generator=generator)
    return _finish(_write_out(_on(t, dev), out), requires_grad)


def randn(*size_args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    t = _C._empty(_size(size_args, "randn", size), _dtype(dtype), None).normal_(0.0, 1.0, generator=generator)
    return _finish(_write_out(_on(t, dev), out), requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """randint(high, size) or randint(low, high, size)."""
    dev = _check_device(device)
    args = list(args)
    if size is None:
        if not args or isinstance(args[-1], numbers.Integral):
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    t = _C._empty(_size((size,), "randint"), _C.int64 if dtype is None else dtype, None)
    return _finish(_write_out(_on(t._random_(int(low), int(high), generator), dev), out), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    dev = _check_device(device)
    t = _C._randperm(int(n), _C.int64 if dtype is None else dtype, generator, None)
    return _finish(_write_out(_on(t, dev), out), requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like_layout(input, dtype).uniform_(0.0, 1.0), requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like_layout(input, dtype).normal_(0.0, 1.0), requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return _finish(_like_layout(input, dtype)._random_(int(low), int(high), None), requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """normal(mean, std, size) with numbers, or with tensor mean and/or std (broadcast), as PyTorch."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if st and std.numel() and bool((std < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not mt and not st:
        if size is None:
            raise TypeError("normal() with float mean and std needs a size")
        t = _C._empty(_size((size,), "normal"), _dtype(dtype), None).normal_(float(mean), float(std),
                                                                           generator=generator)
        return _finish(_write_out(t, out), requires_grad)
    if mt and st:
        shape = _C.broadcast_shapes(list(mean.shape), list(std.shape))
        noise = _C._empty(shape, mean.dtype, None).normal_(0.0, 1.0, generator=generator)
        t = noise * std + mean
    elif mt:
        t = _C._empty(list(mean.shape), mean.dtype, None).normal_(0.0, float(std), generator=generator) + mean
    else:
        noise = _C._empty(list(std.shape), std.dtype, None).normal_(0.0, 1.0, generator=generator)
        t = noise * std + float(mean)
    return _write_out(t, out)


def bernoulli(input, p=None, *, generator=None, out=None):
    if p is not None:
        t = _like_layout(input, None).bernoulli_(p, generator=generator)
    else:
        t = input.bernoulli(generator=generator)
    return _write_out(t, out)
