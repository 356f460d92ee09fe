"""Shared test helpers: deterministic inputs, float64 NumPy references, PyTorch's type promotion.

Tests never import torch: the rules PyTorch follows are written down here (and
were checked against PyTorch once, by hand) so that every result's dtype is
asserted against what PyTorch gives."""
import numpy as np

import ember

F32, F64, I64, I32, BOOL = ember.float32, ember.float64, ember.int64, ember.int32, ember.bool
FLOATS = (F32, F64)
INTS = (I64, I32)
NUMERIC = FLOATS + INTS
ALL = NUMERIC + (BOOL,)
NP = {F32: np.float32, F64: np.float64, I64: np.int64, I32: np.int32, BOOL: np.bool_}
NAME = {F32: "float32", F64: "float64", I64: "int64", I32: "int32", BOOL: "bool"}

# Tolerances against a float64 reference; integer and bool results are exact.
TOL = {F32: dict(rtol=1e-5, atol=1e-6), F64: dict(rtol=1e-12, atol=1e-12)}

# Value ranges, (low, high); integer dtypes draw the integers inside, bool draws
# True/False (only True where the domain excludes zero).
DOMAINS = {
    "real": (-3.0, 3.0),
    "pos": (0.1, 3.0),         # log, sqrt, rsqrt, pow base
    "gt-1": (-0.9, 3.0),       # log1p
    "tan": (-1.3, 1.3),
    "exponent": (0.0, 3.0),    # pow exponent: integer powers must not be negative
    "nonzero": (0.5, 3.0),     # divisors: |x| in the range, random sign
    "int": (-2.0, 2.0),        # integer values in every dtype (ties for ==, <=, maximum)
    "unit": (-0.9, 0.9),       # asin, acos
    "near1": (0.7, 1.3),       # prod: |x| in the range, random sign (integers: +-1)
    "distinct": (0.0, 0.0),    # no ties (argmax): a permutation, in quarter steps for floats
}


def rng(seed=0):
    return np.random.default_rng(seed)


def draw(gen, shape, dtype, domain="real"):
    """A NumPy array of `dtype`'s NumPy type with values from `domain`."""
    lo, hi = DOMAINS[domain]
    signed = domain in ("nonzero", "near1")
    if domain == "distinct":
        n = int(np.prod(shape))
        v = (gen.permutation(n) - n // 2) * (0.25 if dtype in FLOATS else 1)
        return np.asarray(v.reshape(shape)).astype(NP[dtype])
    if dtype == BOOL:
        if lo > 0 or signed:
            return np.ones(shape, np.bool_)
        return gen.random(shape) < 0.5
    if dtype in INTS or domain == "int":
        v = gen.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1, size=shape).astype(np.float64)
    else:
        v = gen.uniform(lo, hi, size=shape)
    if signed:
        v = v * np.where(gen.random(shape) < 0.5, -1, 1)
    return np.asarray(v).astype(NP[dtype])


def make(gen, shape, dtype, domain="real", layout="contig"):
    """(ember tensor, the same values as a float64 NumPy array).

    layout: "contig"; "T" (the last two dims transposed, a permuted view);
    "step" (every other element of the last dim, a strided view);
    "expand" (a stride-0 broadcast of the last dim)."""
    shape = tuple(shape)
    if layout == "contig":
        a = draw(gen, shape, dtype, domain)
        return ember.tensor(a), a.astype(np.float64)
    if layout == "T":
        a = draw(gen, shape[:-2] + (shape[-1], shape[-2]), dtype, domain)
        t, a = ember.tensor(a).transpose(-1, -2), a.swapaxes(-1, -2)
    elif layout == "step":
        a = draw(gen, shape[:-1] + (2 * shape[-1],), dtype, domain)
        t, a = ember.tensor(a)[..., ::2], a[..., ::2]
    elif layout == "expand":
        a = draw(gen, shape[:-1] + (1,), dtype, domain)
        t, a = ember.tensor(a).expand(*shape), np.broadcast_to(a, shape)
    else:
        raise ValueError(layout)
    assert not t.is_contiguous() or t.numel() <= 1, f"layout {layout} should make a non-contiguous view"
    return t, a.astype(np.float64)


def scalar_value(dtype_kind, domain="real"):
    """A Python number of kind 'int', 'float' or 'bool' that lies in `domain`."""
    return {"real": {"int": 2, "float": -1.5, "bool": True},
            "pos": {"int": 2, "float": 0.5, "bool": True},
            "exponent": {"int": 2, "float": 0.5, "bool": True},
            "nonzero": {"int": -2, "float": 1.5, "bool": True},
            "int": {"int": 1, "float": 1.5, "bool": True}}[domain][dtype_kind]


def numpy_of(t):
    """An ember tensor's values as float64 (bool as 0/1), through the NumPy view."""
    return np.array(np.asarray(t), dtype=np.float64)


def check(got, want, dtype, *, rtol=None, atol=None, what=""):
    """`got` (an ember tensor) has dtype `dtype`, `want`'s shape and `want`'s values."""
    want = np.asarray(want, dtype=np.float64)
    where = f" [{what}]" if what else ""
    assert isinstance(got, ember.Tensor), f"expected a Tensor, got {type(got).__name__}{where}"
    assert got.dtype == dtype, f"dtype {got.dtype}, expected {dtype} (PyTorch){where}"
    assert tuple(got.shape) == want.shape, f"shape {tuple(got.shape)}, expected {want.shape}{where}"
    g = numpy_of(got)
    if dtype in FLOATS:
        tol = dict(TOL[dtype])
        tol.update({k: v for k, v in (("rtol", rtol), ("atol", atol)) if v is not None})
        np.testing.assert_allclose(g, want, equal_nan=True, err_msg=what, **tol)
    elif dtype == BOOL:  # the reference's value converted to bool (True + True is True)
        np.testing.assert_array_equal(g, want != 0, err_msg=what)
    else:
        np.testing.assert_array_equal(g, want, err_msg=what)


# ---- PyTorch's type promotion (c10 ResultTypeState) ----
def category(d):
    """bool < integer < floating: a result can be cast into a dtype of its category or a higher one."""
    return 2 if d in FLOATS else (1 if d in INTS else 0)


def promote_types(a, b):
    """torch.promote_types for ember's dtypes."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    order = [BOOL, I32, I64, F32, F64]
    return max(a, b, key=order.index)


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher in FLOATS:
        return higher
    if higher == BOOL or lower in FLOATS:
        return promote_types(higher, lower)
    return higher


def _join(ds):
    out = None
    for d in ds:
        out = d if out is None else promote_types(out, d)
    return out


def result_type(*operands):
    """The dtype PyTorch gives a binary/ternary op on these operands (tensors or Python numbers):
    dimensioned tensors beat 0-d tensors, which beat Python numbers, unless the weaker
    operand is of a higher category (bool < integer < floating)."""
    dim = [o.dtype for o in operands if isinstance(o, ember.Tensor) and o.dim() > 0]
    zero = [o.dtype for o in operands if isinstance(o, ember.Tensor) and o.dim() == 0]
    wrapped = []
    for o in operands:
        if isinstance(o, bool):
            wrapped.append(BOOL)
        elif isinstance(o, int):
            wrapped.append(I64)
        elif isinstance(o, float):
            wrapped.append(ember.get_default_dtype())
    return _combine(_join(dim), _combine(_join(zero), _join(wrapped)))


def to_float(d):
    """The dtype of a floating-point op (exp, div, ...) on dtype d: integers and bool go to the default."""
    return d if d in FLOATS else ember.get_default_dtype()


def as_float64(x):
    """A Python number or a tensor as float64 NumPy data (for references)."""
    if isinstance(x, ember.Tensor):
        return numpy_of(x)
    return np.float64(x)
