"""Index and search ops composed from ember ops: bincount, take_along_dim, index_add/fill/copy,
the stack helpers (vstack, hstack, dstack, column_stack, atleast_*d), isin, argwhere,
searchsorted and bucketize. searchsorted ranks values among the boundaries with one stable
sort (O((M+N) log(M+N))), not a comparison matrix."""
import builtins

from . import _C, _creation
from ._C import Tensor


def _dtype_name(dtype):
    return _C._dtype_short_name(dtype)


def _wrap(dim, n):
    m = builtins.max(n, 1)
    if not -m <= dim < m:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-m}, {m - 1}], but got {dim})")
    return dim % m


def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-d non-negative integer tensor (sums of `weights` if given),
    with at least `minlength` bins."""
    if input.is_floating_point():
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_dtype_name(input.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.dim() != 1 or (input.numel() and input.min().item() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.dim() != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    n = builtins.max(int(input.max().item()) + 1 if input.numel() else 0, minlength)
    index = input.to(_C.int64)
    if weights is None:
        return _creation.zeros([n], dtype=_C.int64, device=input.device).scatter_add_(0, index, _creation.ones_like(index))
    dtype = weights.dtype if weights.dtype in (_C.float32, _C.float64, _C.float16, _C.bfloat16) else _C.float64
    w = weights.to(dtype)
    return _creation.zeros([n], dtype=dtype, device=input.device).scatter_add(0, index, w)


def take_along_dim(input, indices, dim=None):
    """input's values at `indices` along `dim` (the two broadcast over the other dims); with
    dim=None, over the flattened input."""
    if indices.dtype != _C.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype_name(indices.dtype)}")
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    d = _wrap(dim, input.dim())
    if input.dim() == 0:
        return input.reshape(1).gather(0, indices.reshape(1)).reshape([])
    from ._functional import broadcast_shapes
    a, b = list(input.shape), list(indices.shape)
    a[d] = b[d] = 1
    shape = list(broadcast_shapes(a, b))
    ia, ib = list(shape), list(shape)
    ia[d], ib[d] = input.shape[d], indices.shape[d]
    return input.expand(ia).gather(d, indices.expand(ib))


def _check_index(op, index):
    if index.dtype not in (_C.int64, _C.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index but got: {_dtype_name(index.dtype)}")
    if index.dim() > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")


def _along(self, dim, index):
    """The subscript that picks `index` along `dim` for __setitem__."""
    return (slice(None),) * dim + (index.reshape(-1).to(_C.int64),)


def _t_index_add_(self, dim, index, source, *, alpha=1):
    """self[..., index[i], ...] += alpha * source[..., i, ...] along dim (repeated indices accumulate)."""
    _check_index("index_add_", index)
    d = _wrap(dim, self.dim())
    n = index.numel()
    if n != (source.shape[d] if source.dim() else 1):
        raise RuntimeError(f"index_add_(): Number of indices ({n}) should be equal to source.size(dim): "
                           f"({source.shape[d] if source.dim() else 1}), for dim: {dim}")
    if source.dtype != self.dtype:
        raise RuntimeError(f"index_add_(): self ({_dtype_name(self.dtype)}) and source ({_dtype_name(source.dtype)}) "
                           "must have the same scalar type")
    if self.dim() == 0:
        return self.add_(source * alpha if alpha != 1 else source)
    view = [1] * self.dim()
    view[d] = n
    idx = index.to(_C.int64).reshape(view).expand(list(source.shape))
    return self.scatter_add_(d, idx, source * alpha if alpha != 1 else source)


def _t_index_add(self, dim, index, source, *, alpha=1):
    return _t_index_add_(self.clone(), dim, index, source, alpha=alpha)


def _t_index_fill_(self, dim, index, value):
    """self[..., index, ...] = value (a number or a 0-d tensor) along dim."""
    _check_index("index_fill_", index)
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.dim()} dimension(s).")
    d = _wrap(dim, self.dim())
    if self.dim() == 0:
        self.copy_(_creation.full_like(self, value) if not isinstance(value, Tensor) else value.expand([]))
        return self
    self[_along(self, d, index)] = value
    return self


def _t_index_fill(self, dim, index, value):
    return _t_index_fill_(self.clone(), dim, index, value)


def _t_index_copy_(self, dim, index, source):
    """self[..., index[i], ...] = source[..., i, ...] along dim."""
    _check_index("index_copy_", index)
    d = _wrap(dim, self.dim())
    n = index.numel()
    m = source.shape[d] if source.dim() else 1
    if n != m:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) ({m})")
    if source.dtype != self.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_dtype_name(self.dtype)} and (source) {_dtype_name(source.dtype)}")
    if self.dim() == 0:
        return self.copy_(source.reshape([]))
    self[_along(self, d, index)] = source
    return self


def _t_index_copy(self, dim, index, source):
    return _t_index_copy_(self.clone(), dim, index, source)


for _f in (_t_index_add_, _t_index_add, _t_index_fill_, _t_index_fill, _t_index_copy_, _t_index_copy):
    _f.__name__ = _f.__name__[3:]
    setattr(Tensor, _f.__name__, _f)
index_add, index_fill, index_copy = _t_index_add, _t_index_fill, _t_index_copy


# ----------------------------------------------------------------------------- stacking helpers

def _atleast(fn, tensors):
    if len(tensors) == 1:
        if isinstance(tensors[0], (list, tuple)):
            return tuple(fn(t) for t in tensors[0])
        return fn(tensors[0])
    return tuple(fn(t) for t in tensors)


def _one_d(t):
    return t.reshape(1) if t.dim() == 0 else t


def _two_d(t):
    return t.reshape(1, 1) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t


def _three_d(t):
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.reshape(1, -1, 1)
    return t.unsqueeze(-1) if t.dim() == 2 else t


def atleast_1d(*tensors):
    return _atleast(_one_d, tensors)


def atleast_2d(*tensors):
    return _atleast(_two_d, tensors)


def atleast_3d(*tensors):
    return _atleast(_three_d, tensors)


def _tensor_list(op, tensors):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return list(tensors)


def vstack(tensors):
    return _C.cat([_two_d(t) for t in _tensor_list("vstack", tensors)], 0)


def hstack(tensors):
    ts = [_one_d(t) for t in _tensor_list("hstack", tensors)]
    return _C.cat(ts, 0 if ts[0].dim() == 1 else 1)


def dstack(tensors):
    return _C.cat([_three_d(t) for t in _tensor_list("dstack", tensors)], 2)


def column_stack(tensors):
    ts = _tensor_list("column_stack", tensors)
    return _C.cat([t.reshape(-1, 1) if t.dim() <= 1 else t for t in ts], 1)


row_stack = vstack


# ----------------------------------------------------------------------------- searching

def _as_tensor(x, like):
    if isinstance(x, Tensor):
        return x
    from ._creation import tensor
    return tensor(x, device=like.device)


def _common(a, b):
    if a.dtype == b.dtype:
        return a, b
    dtype = (a.reshape(-1)[:0] + b.reshape(-1)[:0]).dtype
    return a.to(dtype), b.to(dtype)


def _rank(seq, vals, right):
    """For rows seq (B, M) sorted and vals (B, N): how many of each row's seq are < val
    (<= val when right), by one stable sort of the two together."""
    m, n = seq.shape[1], vals.shape[1]
    both = _C.cat([seq, vals] if right else [vals, seq], 1)
    from ._creation import arange
    pos = arange(m + n, device=seq.device)
    is_seq = ((pos < m) if right else (pos >= n)).to(_C.int64).expand(list(both.shape))
    order = both.argsort(dim=1, stable=True)
    counts = is_seq.gather(1, order).cumsum(1)
    at = _creation.zeros_like(order).scatter_(1, order, counts)
    return at.narrow(1, m, n) if right else at.narrow(1, 0, n)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of `input` would be inserted into the innermost dim of `sorted_sequence`
    to keep it sorted: the first such place (side='left'), or the last (right=True / side='right')."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = _as_tensor(input, sorted_sequence)
    seq = sorted_sequence
    if seq.dim() == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.dim() > 1 and (scalar or list(seq.shape[:-1]) != list(values.shape[:-1])):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    if sorter is not None:
        if sorter.dtype != _C.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{_dtype_name(sorter.dtype)}")
        seq = seq.gather(-1, sorter)
    seq, values = _common(seq.detach(), values.detach())
    if seq.dim() == 1:
        out = _rank(seq.reshape(1, -1), values.reshape(1, -1), right)
    else:
        out = _rank(seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1]), right)
    out = out.reshape(list(values.shape))
    return out.to(_C.int32) if out_int32 else out


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The index of the bucket of each value of `input` among 1-d sorted `boundaries`."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each element: whether it occurs in test_elements (not, with invert=True)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}), but expected one of:")
    like = elements if isinstance(elements, Tensor) else test_elements
    e, t = _common(_as_tensor(elements, like).detach(), _as_tensor(test_elements, like).detach())
    s = t.reshape(-1).sort().values
    if s.numel() == 0:
        found = _creation.zeros_like(e, dtype=_C.bool)
    else:
        idx = searchsorted(s, e).clamp(max=s.numel() - 1)
        found = s.index_select(0, idx.reshape(-1)).reshape(list(e.shape)) == e
    return found.logical_not() if invert else found


def argwhere(input):
    """The indices of the non-zero elements, one row each (input.nonzero())."""
    return input.nonzero()


def _t_isin(self, test_elements, *, assume_unique=False, invert=False):
    return isin(self, test_elements, assume_unique=assume_unique, invert=invert)


for _f in (take_along_dim, argwhere, bincount):
    setattr(Tensor, _f.__name__, _f)
_t_isin.__name__ = "isin"
Tensor.isin = _t_isin
