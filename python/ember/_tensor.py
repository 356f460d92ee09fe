"""Tensor methods written in Python: conversions, repr, and the methods whose
PyTorch signatures are overloaded (max/min, var/std, norm, to, random_).
The per-op hot paths are C++ methods on the same class (csrc/ember/python)."""
import numpy as np

from . import _C
from ._C import Tensor
from ._tensor_str import tensor_repr


class Size(tuple):
    """A tensor's shape: a tuple of ints, printed as ember.Size([2, 3])."""

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    # slicing, concatenating and repeating a Size give a Size, as in PyTorch
    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__


class _ValuesIndices(tuple):
    """(values, indices) as returned by max(dim)/min(dim), with named fields."""

    _name = "max"

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _return_type(name):
    """The (values, indices) named tuple of op `name` (torch.return_types.<name>)."""
    return type(name, (_ValuesIndices,), {"_name": name, "__module__": "ember.return_types"})


_SortResult, _TopkResult, _KthvalueResult, _MedianResult = map(_return_type, ("sort", "topk", "kthvalue", "median"))


def _method(fn):
    """Installs fn as a Tensor method. Functions are defined as `_t_<name>` so
    that names like max, min and type do not shadow the builtins here."""
    name = fn.__name__[3:] if fn.__name__.startswith("_t_") else fn.__name__
    fn.__name__ = name
    setattr(Tensor, name, fn)
    return fn


@_method
def __repr__(self):
    return tensor_repr(self)


Tensor.__str__ = __repr__


@_method
def __format__(self, spec):
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


@_method
def __iter__(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(self.unbind(0))


@_method
def __reversed__(self):
    return iter(self.flip(0).unbind(0)) if self.dim() else self


@_method
def __contains__(self, element):
    if isinstance(element, (Tensor, int, float, bool, np.generic)):
        return bool((self == element).any().item())
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")


@_method
def __array__(self, dtype=None, copy=None):
    a = self.detach()._numpy_view() if not self.requires_grad else self._numpy_view()  # CUDA: TypeError, as PyTorch
    return a if dtype is None else a.astype(dtype, copy=False)


@_method
def _t_numpy(self, *, force=False):
    return self._numpy_view()


@_method
def _t_tolist(self):
    t = self.detach().cpu()
    if t.dtype == _C.bfloat16:  # no NumPy type: its float32 values are exact
        t = t.float()
    return t._numpy_view().tolist()


@_method
def __reduce_ex__(self, protocol):
    raise TypeError("ember tensors are not picklable; use ember.save")


@_method
def movedim(self, source, destination):
    from ._functional import movedim as _movedim
    return _movedim(self, source, destination)


Tensor.moveaxis = movedim


@_method
def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                           "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                           "because of a torch.nn.utils.weight_norm usage, see "
                           "https://github.com/pytorch/pytorch/pull/103001")
    if id(self) in memo:
        return memo[id(self)]
    with _C_no_grad():
        out = self.clone()
    out.requires_grad_(self.requires_grad)
    if self.grad is not None:
        out.grad = self.grad.clone()
    memo[id(self)] = out
    return out


class _C_no_grad:
    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _C.dtype) or a in (float, int, bool):
            dtype = a
        elif isinstance(a, (str, _C.device, int)):
            device = a
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    return dtype, device, copy


@_method
def _t_to(self, *args, **kwargs):
    dtype, device, copy = _parse_to(args, dict(kwargs))
    out = self
    if device is not None:
        dev = device if isinstance(device, _C.device) else _C.device(
            f"cuda:{device}" if isinstance(device, int) else device)
        if dev != self.device and not (dev.index is None and dev.type == self.device.type == "cpu"):
            if dev.type == "cuda":
                from . import cuda
                cuda._lazy_init()
            return self._to_device(dev, dtype, copy)
    if dtype is not None and dtype != self.dtype:
        return out._to_dtype(dtype, False)
    return out.clone() if copy else out


def _cast(name, dtype):
    def f(self, memory_format=None):
        return self if self.dtype == dtype else self._to_dtype(dtype, False)
    f.__name__ = name
    setattr(Tensor, name, f)


for _name, _dt in (("float", _C.float32), ("double", _C.float64), ("half", _C.float16), ("bfloat16", _C.bfloat16),
                   ("long", _C.int64), ("int", _C.int32), ("bool", _C.bool)):
    _cast(_name, _dt)


@_method
def _t_type(self, dtype=None):
    names = {_C.float32: "torch.FloatTensor", _C.float64: "torch.DoubleTensor", _C.float16: "torch.HalfTensor",
             _C.bfloat16: "torch.BFloat16Tensor", _C.int64: "torch.LongTensor", _C.int32: "torch.IntTensor",
             _C.bool: "torch.BoolTensor"}
    if dtype is None:
        return names[self.dtype]
    return self.to(dtype)


@_method
def _t_type_as(self, other):
    return self.to(other.dtype)


@_method
def _t_cpu(self, memory_format=None):
    return self if self.device.type == "cpu" else self._to_device("cpu", None, False)


@_method
def _t_pin_memory(self, device=None):
    """A copy in page-locked host memory (self if already pinned); needs a CUDA device, as in PyTorch."""
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if self.device.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    cuda._lazy_init()
    return cuda._lib.pin_memory(self)


@_method
def _t_is_pinned(self, device=None):
    from . import cuda
    return self.device.type == "cpu" and cuda.is_available() and cuda._lib.is_pinned(self)


@_method
def _t_record_stream(self, stream):
    """Marks this CUDA tensor as used by `stream`: once freed, its memory is reused only after the work queued on
    `stream` so far (PyTorch's record_stream)."""
    from . import cuda
    if self.device.type != "cuda":
        raise RuntimeError(f"record_stream: expected a CUDA tensor, got one on {self.device}")
    cuda._lazy_init()
    cuda._lib.record_stream(self, stream.cuda_stream)


@_method
def _t_cuda(self, device=None, non_blocking=False, memory_format=None):
    return self.to("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")


# ---- overloaded reductions ----
@_method
def _t_max(self, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return _C.maximum(self, dim)
    if dim is None:
        if self.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        return self._max_all()
    return _ValuesIndices(*self._max_dim(dim, keepdim))


@_method
def _t_min(self, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return _C.minimum(self, dim)
    if dim is None:
        if self.numel() == 0:
            raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        return self._min_all()
    return _ValuesIndices(*self._min_dim(dim, keepdim))


# ---- sorting and selection (named-tuple results) ----
@_method
def _t_sort(self, dim=-1, descending=False, stable=False):
    return _SortResult(*self._sort(dim, descending, bool(stable)))


@_method
def _t_topk(self, k, dim=-1, largest=True, sorted=True):
    return _TopkResult(*self._topk(k, dim, largest, sorted))


@_method
def _t_kthvalue(self, k, dim=-1, keepdim=False):
    return _KthvalueResult(*self._kthvalue(k, dim, keepdim))


@_method
def _t_median(self, dim=None, keepdim=False):
    if dim is None:
        return self._median_all()
    return _MedianResult(*self._median_dim(dim, keepdim))


def _unique_result(values, inverse, counts):
    extra = tuple(t for t in (inverse, counts) if t is not None)
    return (values, *extra) if extra else values


@_method
def _t_unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    return _unique_result(*self._unique(sorted, return_inverse, return_counts, dim))


@_method
def _t_unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    return _unique_result(*self._unique_consecutive(return_inverse, return_counts, dim))


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased in (None, True) else 0.0


@_method
def _t_var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(unbiased)
        dim, unbiased = None, dim
    return self._var(dim, _correction(unbiased, correction), keepdim)


@_method
def _t_std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return self._std(dim, _correction(unbiased, correction), keepdim)


@_method
def _t_norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.to(dtype)
    if p == "fro" or p is None:
        p = 2.0
    if p == "nuc":
        raise NotImplementedError("nuclear norm is not supported by ember")
    return x._norm(float(p), dim, keepdim)


# ---- random fills with PyTorch's overloads ----
@_method
def _t_random_(self, *args, generator=None, **kwargs):
    if "from" in kwargs or "to" in kwargs:
        lo, hi = kwargs.get("from", 0), kwargs.get("to", None)
        return self._random_(lo, hi, generator)
    if len(args) == 0:
        return self._random_(None, None, generator)
    if len(args) == 1:
        return self._random_(0, args[0], generator)
    return self._random_(args[0], args[1], generator)


@_method
def _t_exponential_(self, lambd=1.0, *, generator=None):
    return self._exponential_(float(lambd), generator)


# ---- ops written in Python (_functional.py) ----
@_method
def _t_equal(self, other):
    from ._functional import equal
    return equal(self, other)


@_method
def _t_count_nonzero(self, dim=None):
    from ._functional import count_nonzero
    return count_nonzero(self, dim)


@_method
def _t_nansum(self, dim=None, keepdim=False, *, dtype=None):
    from ._functional import nansum
    return nansum(self, dim, keepdim, dtype=dtype)


@_method
def _t_repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    from ._functional import repeat_interleave
    if repeats is None:  # Tensor.repeat_interleave() needs the counts
        raise TypeError("repeat_interleave() missing required argument 'repeats'")
    return repeat_interleave(self, repeats, dim, output_size=output_size)


@_method
def _t_float_power(self, exponent):
    from ._functional import float_power
    return float_power(self, exponent)


@_method
def _t_float_power_(self, exponent):
    if self.dtype != _C.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_SHORT[self.dtype]} but the operation's "
                           "result requires dtype Double")
    return self.pow_(exponent.to(_C.float64) if isinstance(exponent, Tensor) else exponent)


_SHORT = {_C.float32: "Float", _C.float64: "Double", _C.float16: "Half", _C.bfloat16: "BFloat16", _C.int64: "Long",
          _C.int32: "Int", _C.bool: "Bool"}


# ---- new_* factories ----
@_method
def _t_new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    from ._creation import zeros
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@_method
def _t_new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    from ._creation import ones
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@_method
def _t_new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    from ._creation import full
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@_method
def _t_new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from ._creation import empty
    return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@_method
def _t_new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from ._creation import tensor
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@_method
def _t_fill_diagonal_(self, fill_value, wrap=False):
    """Fills the main diagonal in place; with wrap=True a tall matrix's diagonal starts again
    N+1 rows further down (PyTorch's rule, stepping through memory by the diagonal's stride)."""
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.dim() > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    size = min(self.shape)
    step = sum(self.stride())
    offset = self.storage_offset()
    self.as_strided((size,), (step,), offset).fill_(fill_value)
    height, width = self.shape[0], self.shape[-1]
    if wrap and self.dim() == 2 and height > width + 1:
        wrap_size = (self.numel() + width) // (width + 1) - size
        if wrap_size > 0:
            self.as_strided((wrap_size,), (step,), offset + self.stride(0) * (width + 1)).fill_(fill_value)
    return self


@_method
def _t_apply_(self, fn):
    a = self._numpy_view()
    a[...] = np.vectorize(fn)(a)
    return self


# ---- autograd ----
@_method
def _t_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates d(self)/d(leaf) into each leaf's .grad."""
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None and isinstance(inputs, Tensor):
        inputs = [inputs]
    _C._backward([self], [gradient], retain_graph, create_graph, inputs)


class _RemovableHandle:
    def __init__(self):
        self.active = True

    def remove(self):
        self.active = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


@_method
def _t_register_hook(self, hook):
    """hook(grad) runs when this tensor's gradient is computed; returning a tensor replaces the gradient."""
    handle = _RemovableHandle()

    def wrapped(grad):
        if not handle.active:
            return None
        result = hook(grad)
        if result is not None:  # a replacement must look like the gradient it replaces (PyTorch's checks)
            name = getattr(hook, "__name__", type(hook).__name__)
            if not isinstance(result, Tensor):
                raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
            if result.dtype != grad.dtype or result.device != grad.device:  # type() strings only for the message
                raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.type()} got "
                                   f"{result.type()})")
            if not result._same_shape(grad):
                raise RuntimeError(f"hook '{name}' has changed the size of value")
        return result

    self._register_hook(wrapped)
    return handle


_numpy_view_c = Tensor._numpy_view


@_method
def _numpy_view(self):
    if self.requires_grad:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    return _numpy_view_c(self)
