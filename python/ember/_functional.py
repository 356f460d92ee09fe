"""Module-level forms of tensor ops (ember.sum(x), ember.reshape(x, ...), ...).
Functions with out= or several operand kinds are bound in C++ (_C); the rest
call the Tensor method of the same name."""
import builtins

from . import _C
from ._C import Tensor
from ._einsum import einsum  # noqa: F401
from ._math_ops import meshgrid, lerp, addcmul, addcdiv, cumprod, logit  # noqa: F401
from ._index_ops import (  # noqa: F401
    bincount, take_along_dim, index_add, index_fill, index_copy, vstack, hstack, dstack, column_stack, row_stack,
    atleast_1d, atleast_2d, atleast_3d, isin, argwhere, searchsorted, bucketize,
)

_FROM_C = [
    "neg", "negative", "abs", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan",
    "tanh", "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "reciprocal", "square", "logical_not",
    "asin", "acos", "atan", "sinh", "cosh", "erf", "frac", "mul", "multiply", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "atan2", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
    "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "add", "sub", "div", "where", "clamp",
    "matmul", "mm", "bmm", "dot", "outer", "cat", "stack", "softmax", "log_softmax", "addmm",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "nan_to_num", "nan_to_num_", "roll", "diag", "diagonal",
    "diff",
]
for _n in _FROM_C:
    globals()[_n] = getattr(_C, _n)

clip = clamp  # noqa: F821
subtract = sub  # noqa: F821
divide = div  # noqa: F821
concat = concatenate = cat  # noqa: F821
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne  # noqa: F821

_METHODS = [
    "sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "all", "any", "var", "std", "norm", "logsumexp",
    "cumsum", "max", "min", "reshape", "view_as_real", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose",
    "swapaxes", "permute", "t", "narrow", "select", "chunk", "split", "unbind", "clone", "flip", "tril", "triu",
    "index_select", "index_put", "gather", "scatter", "scatter_add", "masked_fill", "masked_select", "nonzero", "numel",
    "clamp_min", "clamp_max", "broadcast_to", "as_strided", "sort", "argsort", "topk", "kthvalue", "median", "unique",
    "unique_consecutive", "multinomial",
]
for _n in _METHODS:
    if hasattr(Tensor, _n):
        globals()[_n] = getattr(Tensor, _n)


def broadcast_shapes(*shapes):
    """The shape all of `shapes` broadcast to (PyTorch's rules and message)."""
    ndim = builtins.max((len(s) if not isinstance(s, int) else 1 for s in shapes), default=0)
    result = [1] * ndim
    for i, s in enumerate(shapes):
        s = (s,) if isinstance(s, int) else tuple(s)
        for k in range(1, len(s) + 1):
            if s[-k] < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if s[-k] == 1:
                continue
            if result[-k] == 1:
                result[-k] = s[-k]
            elif result[-k] != s[-k]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[-k]} at -{k}! Mismatching "
                                   f"argument at index {i} had {s}; but expected shape should be broadcastable "
                                   f"to {tuple(result)}")
    from ._tensor import Size
    return Size(result)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return input.std(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return input.var(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return isclose(input, other, rtol, atol, equal_nan).all().item()


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.dtype != other.dtype:
        raise RuntimeError(f"{_C._dtype_short_name(input.dtype)} did not match {_C._dtype_short_name(other.dtype)}")
    diff = abs(input - other)
    close = diff <= atol + rtol * abs(other)
    close = close | (input == other)
    if equal_nan:
        close = close | (isnan(input) & isnan(other))
    return close


def _check_tensor(op, name, position, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}")


def equal(input, other):
    """True if both have the same shape and values (compared after type promotion; NaN is unequal
    to itself except when both arguments are one and the same tensor, as in PyTorch)."""
    _check_tensor("equal", "input", 1, input)
    _check_tensor("equal", "other", 2, other)
    if input.shape != other.shape:
        return False
    if input is other:
        return True
    return bool((input == other).all().item())


def count_nonzero(input, dim=None):
    """The number of non-zero elements (NaN counts), over all dims or over `dim` (int or tuple), as int64."""
    _check_tensor("count_nonzero", "input", 1, input)
    return (input != 0).sum(dim)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum() with NaNs counted as zero; their gradient is zero."""
    _check_tensor("nansum", "input", 1, input)
    x = input.masked_fill(input.isnan(), 0) if input.is_floating_point() else input
    return x.sum(dim, keepdim, dtype=dtype)


def float_power(input, exponent):
    """input ** exponent computed in float64."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__}), but expected one of:")
    a = input.to(_C.float64) if isinstance(input, Tensor) else float(input)
    b = exponent.to(_C.float64) if isinstance(exponent, Tensor) else exponent
    return _C.pow(a, b)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along `dim`) repeated `repeats` times (an int, or a tensor of per-element
    counts); repeat_interleave(counts) gives each index i counts[i] times."""
    _check_tensor("repeat_interleave", "input", 1, input)
    if repeats is not None and not isinstance(repeats, Tensor) and (isinstance(repeats, bool) or
                                                                    not hasattr(repeats, "__index__")):
        raise TypeError(f"repeat_interleave() received an invalid combination of arguments - got (Tensor, "
                        f"{type(repeats).__name__}, {type(dim).__name__}), but expected one of:")
    if repeats is not None and not isinstance(repeats, Tensor):
        repeats = int(repeats)
    return _C._repeat_interleave(input, repeats, dim, output_size)


def _wrap_dim(d, n):
    """d counted from the end when negative; PyTorch's IndexError when out of range (a 0-d tensor takes -1 and 0)."""
    lo, hi = -builtins.max(n, 1), builtins.max(n, 1) - 1
    if not lo <= d <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    return d % n if n else 0


def movedim(input, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    n = input.dim()
    src = [_wrap_dim(s, n) for s in src]
    dst = [_wrap_dim(d, n) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if n == 0:
        return input.permute([])
    order = [d for d in range(n) if d not in src]
    perm = [None] * n
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return input.permute(perm)


def is_anomaly_enabled():
    return _C.is_anomaly_enabled()


def numel(input):  # noqa: F811
    return input.numel()


def is_nonzero(input):
    return bool(input)


__all__ = [n for n in list(globals()) if not n.startswith("_") and n not in ("Tensor",)]
