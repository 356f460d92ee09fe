"""NaN/inf tests and nan_to_num, element moves (roll, diag/diagonal, repeat_interleave, diff),
count_nonzero/nansum/equal/float_power, the in-place view ops, resize_, logspace, glu and
nn.init.trunc_normal_: forward against NumPy (float64), semantics and errors as PyTorch 2.13
has them. Their gradients are rows of test_autograd_ops.py. logspace and trunc_normal_ must
give torch's values bit for bit: tests/record_torch_misc.py recorded them."""
import hashlib
import json
import math
import os
import warnings

import numpy as np
import pytest

import ember
from helpers import ALL, BOOL, F32, F64, FLOATS, I32, I64, INTS, NAME, NUMERIC, check, make, numpy_of, rng

T = ember.tensor
F16, BF16 = ember.float16, ember.bfloat16
NAN, INF = float("nan"), float("inf")
HALVES = (F16, BF16)
LAYOUTS = [("3x4", (3, 4), "contig"), ("T", (2, 3, 4), "T"), ("step", (3, 5), "step"), ("0-d", (), "contig"),
           ("empty", (0, 3), "contig")]
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_misc.json")) as _f:
    RECORDED = json.load(_f)
DTYPES = {"float16": F16, "bfloat16": BF16, "float32": F32, "float64": F64, "int64": I64, "int32": I32}


def special(dtype, shape=(3, 4), layout="contig"):
    """A float tensor holding NaN, +-inf and ordinary values (and its float64 NumPy copy)."""
    t, a = make(rng(1), shape, F64, "real", layout)
    a = a.copy()
    flat = a.reshape(-1)
    for i, v in zip(range(0, flat.size, 3), [NAN, INF, -INF, NAN, 0.0]):
        flat[i] = v
    base = T(a.reshape(-1) if layout == "contig" else a, dtype=F64)
    if layout == "T":
        base = T(np.ascontiguousarray(a.swapaxes(-1, -2)), dtype=F64).transpose(-1, -2)
    elif layout == "step":
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],))
        wide[..., ::2] = a
        base = T(wide)[..., ::2]
    return base.reshape(shape).to(dtype) if layout == "contig" else base.to(dtype), a


def values(t):
    """A tensor's values as float64 NumPy data of its shape (bfloat16 has no NumPy type)."""
    return np.array(t.detach().double().tolist(), dtype=np.float64).reshape(tuple(t.shape))


# ============================================================================ isnan & co
TESTS = [("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite), ("isposinf", np.isposinf),
         ("isneginf", np.isneginf)]


@pytest.mark.parametrize("name, ref", TESTS, ids=[t[0] for t in TESTS])
@pytest.mark.parametrize("dtype", FLOATS + HALVES, ids=lambda d: str(d))
@pytest.mark.parametrize("case", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_nonfinite_tests_on_floats(name, ref, dtype, case):
    x, a = special(dtype, case[1], case[2])
    for form in (getattr(ember, name), lambda t: getattr(t, name)()):
        check(form(x), ref(a), BOOL)


@pytest.mark.parametrize("name, ref", TESTS, ids=[t[0] for t in TESTS])
@pytest.mark.parametrize("dtype", INTS + (BOOL,), ids=lambda d: NAME[d])
def test_nonfinite_tests_on_integers_are_constant(name, ref, dtype):
    x, a = make(rng(), (2, 3), dtype, "int")
    check(getattr(ember, name)(x), ref(a), BOOL)  # all False, or all True for isfinite
    check(getattr(x.t(), name)(), ref(a.T), BOOL)


def test_nonfinite_tests_need_a_tensor_and_record_no_graph():
    with pytest.raises(TypeError):
        ember.isnan(1.0)
    x = T([1.0, NAN], requires_grad=True)
    assert not ember.isinf(x).requires_grad and ember.isnan(x).tolist() == [False, True]


# ============================================================================ nan_to_num
@pytest.mark.parametrize("dtype", FLOATS + HALVES, ids=lambda d: str(d))
@pytest.mark.parametrize("case", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_nan_to_num_defaults_are_the_dtype_extremes(dtype, case):
    x, a = special(dtype, case[1], case[2])
    big = ember.finfo(dtype).max
    want = np.nan_to_num(a, nan=0.0, posinf=big, neginf=-big)
    got = ember.nan_to_num(x)
    assert got.dtype == dtype and tuple(got.shape) == a.shape
    np.testing.assert_array_equal(values(got), values(x.to(F64).nan_to_num(0.0, big, -big)).astype(np.float64))
    np.testing.assert_allclose(values(got), want, rtol=1e-2)


@pytest.mark.parametrize("dtype", FLOATS + HALVES, ids=lambda d: str(d))
def test_nan_to_num_given_values(dtype):
    x = T([1.0, NAN, INF, -INF], dtype=dtype)
    np.testing.assert_array_equal(values(x.nan_to_num(1.5, 2.5, -3.5)), [1.0, 1.5, 2.5, -3.5])
    np.testing.assert_array_equal(values(ember.nan_to_num(x, posinf=7.0)), [1.0, 0.0, 7.0, -ember.finfo(dtype).max])


def test_nan_to_num_rounds_its_values_to_the_dtype():
    x = T([NAN, INF, -INF])
    # 1e39 is beyond float32: it becomes inf, as in PyTorch (no overflow error)
    assert values(ember.nan_to_num(x, nan=0.1, posinf=1e39, neginf=-1e300)).tolist() == [
        float(np.float32(0.1)), INF, -INF]
    assert values(ember.nan_to_num(x.half(), nan=70000.0)).tolist()[0] == INF


@pytest.mark.parametrize("dtype", INTS + (BOOL,), ids=lambda d: NAME[d])
def test_nan_to_num_of_integers_is_a_copy(dtype):
    x, a = make(rng(), (2, 3), dtype, "int")
    r = ember.nan_to_num(x, nan=1.5)
    check(r, a, dtype)
    assert r.data_ptr() != x.data_ptr()
    v = x._version
    assert x.nan_to_num_() is x and x._version == v + 1


def test_nan_to_num_in_place_and_out():
    x = T([1.0, NAN, INF])
    v = x._version
    assert x.nan_to_num_(nan=2.0) is x and x.tolist() == [1.0, 2.0, ember.finfo(F32).max] and x._version == v + 1
    y = T([NAN, -INF])
    assert ember.nan_to_num_(y) is y and y.tolist() == [0.0, -ember.finfo(F32).max]
    out = ember.empty(2)
    assert ember.nan_to_num(T([NAN, 1.0]), out=out) is out and out.tolist() == [0.0, 1.0]
    leaf = T([NAN, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        leaf.nan_to_num_()


def test_nan_to_num_gradient_passes_only_where_finite():
    x = T([1.0, NAN, INF, -INF, 0.0], requires_grad=True)
    y = ember.nan_to_num(x)
    assert y.grad_fn.name() == "NanToNumBackward0"
    y.backward(ember.arange(1.0, 6.0))
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 0.0, 5.0]
    z = T([NAN, 2.0], requires_grad=True) * 1
    z.nan_to_num_(nan=5.0)
    z.sum().backward()


# ============================================================================ equal
@pytest.mark.parametrize("a, b, want", [
    ([1.0, 2.0], [1.0, 2.0], True), ([1.0, 2.0], [1.0, 3.0], False), ([1.0, 2.0], [1.0, 2.0, 3.0], False),
    ([NAN], [NAN], False), ([], [], True), ([[1.0]], [1.0], False),
], ids=["same", "value", "shape", "nan", "empty", "rank"])
def test_equal(a, b, want):
    assert ember.equal(T(a), T(b)) is want and T(a).equal(T(b)) is want


def test_equal_promotes_and_checks_types():
    assert ember.equal(T([1.0, 2.0]), T([1, 2]))           # compared after promotion, as PyTorch
    assert not ember.equal(T([0.1]), T([0.1], dtype=F64))  # float32(0.1) != float64(0.1)
    assert not ember.equal(T([1.0]), T(1.0))
    assert ember.equal(T([True, False]), T([1, 0]))
    x = T([NAN])
    assert ember.equal(x, x)  # one and the same tensor: True even with NaN, as PyTorch
    assert ember.equal(T([1.0, 2.0, 3.0])[::2], T([1.0, 3.0]))
    with pytest.raises(TypeError, match=r"equal\(\): argument 'other' \(position 2\) must be Tensor, not int"):
        ember.equal(T([1.0]), 1)


# ============================================================================ roll
ROLLS = [  # (label, shape, layout, shifts, dims)
    ("flat", (3, 4), "contig", 1, None),
    ("flat-neg-wrap", (3, 4), "contig", -17, None),
    ("dim0", (3, 4), "contig", 1, 0),
    ("two-dims", (3, 4), "contig", (1, -1), (0, 1)),
    ("same-dim-twice", (3, 4), "contig", (1, 1), (0, 0)),
    ("three-dims-T", (2, 3, 4), "T", (1, -2, 5), (0, 1, 2)),
    ("stepped", (3, 5), "step", 2, -1),
    ("flat-T", (2, 3, 4), "T", 5, None),
    ("zero-shift", (3, 4), "contig", (0, 4), (0, 1)),
    ("0-d", (), "contig", 3, None),
    ("empty", (0, 3), "contig", 1, 0),
    ("empty-flat", (0, 3), "contig", 2, None),
    ("1-d-large", (1000,), "contig", 333, 0),
]


def np_roll(a, shifts, dims):
    if dims is None:
        return np.roll(a.reshape(-1), shifts).reshape(a.shape)
    shifts, dims = np.atleast_1d(shifts), np.atleast_1d(dims)
    for s, d in zip(shifts, dims):
        a = np.roll(a, s, d)
    return a


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: NAME[d])
@pytest.mark.parametrize("name, shape, layout, shifts, dims", ROLLS, ids=[r[0] for r in ROLLS])
def test_roll(name, shape, layout, shifts, dims, dtype):
    x, a = make(rng(), shape, dtype, "real", layout)
    want = np_roll(a, shifts, dims)
    check(ember.roll(x, shifts, dims), want, dtype)
    check(x.roll(shifts, dims=dims), want, dtype)


def test_roll_half_and_errors():
    x = ember.arange(6.0).half()
    assert ember.roll(x, 2).tolist() == [4.0, 5.0, 0.0, 1.0, 2.0, 3.0] and ember.roll(x, 2).dtype == F16
    y = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"shifts and dimensions must align. shifts: 2, dims:1"):
        ember.roll(y, (1, 2), 0)
    with pytest.raises(RuntimeError, match=r"shifts and dimensions must align. shifts: 2, dims:0"):
        ember.roll(y, (1, 2))
    with pytest.raises(RuntimeError, match="`shifts` required"):
        ember.roll(y, [], [])
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"):
        ember.roll(y, 1, 5)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        ember.roll(T(3.0), 1, 0)


# ============================================================================ diag, diagonal
@pytest.mark.parametrize("dtype", ALL, ids=lambda d: NAME[d])
@pytest.mark.parametrize("k", [0, 1, -2, 5, -5])
def test_diag(dtype, k):
    v, a = make(rng(), (4,), dtype, "real")
    check(ember.diag(v, k), np.diag(a, k), dtype)
    m, b = make(rng(), (3, 4), dtype, "real", "T")
    check(ember.diag(m, k), np.diag(b, k), dtype)
    check(m.diag(k), np.diag(b, k), dtype)


def test_diag_copies_and_checks_rank():
    m = ember.arange(9.0).reshape(3, 3)
    d = ember.diag(m)
    d[0] = 100.0
    assert m[0, 0].item() == 0.0  # diag of a matrix is a copy (diagonal is the view)
    assert ember.diag(ember.zeros(0)).shape == (0, 0)
    for bad in (T(1.0), ember.zeros(2, 2, 2)):
        with pytest.raises(RuntimeError, match=rf"diag\(\): Supports 1D or 2D tensors. Got {bad.dim()}D"):
            ember.diag(bad)


DIAGONALS = [  # (shape, layout, offset, dim1, dim2)
    ((3, 4), "contig", 0, 0, 1), ((3, 4), "T", 1, 0, 1), ((3, 4), "step", -1, 0, 1), ((2, 3, 4), "contig", 1, 0, 2),
    ((2, 3, 4), "T", -1, -1, 0), ((2, 3, 4), "contig", 10, 0, 1), ((2, 3, 4), "contig", -10, 2, 1),
    ((0, 3), "contig", 0, 0, 1),
]


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: NAME[d])
@pytest.mark.parametrize("shape, layout, offset, d1, d2", DIAGONALS)
def test_diagonal_is_a_view(shape, layout, offset, d1, d2, dtype):
    x, a = make(rng(), shape, dtype, "real", layout)
    want = np.diagonal(a, offset, d1, d2)
    v = ember.diagonal(x, offset, d1, d2)
    check(v, want, dtype)
    check(x.diagonal(offset=offset, dim1=d1, dim2=d2), want, dtype)
    if v.numel():
        base = x.clone()
        base.diagonal(offset, d1, d2).fill_(1)  # written through to the base
        b = a.copy()
        idx = np.diagonal(np.arange(b.size).reshape(b.shape), offset, d1, d2).reshape(-1)
        b.reshape(-1)[idx] = 1
        check(base, b, dtype)


def test_diagonal_errors():
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        ember.diagonal(ember.zeros(2, 3, 4), 0, 1, 1)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 1"):
        ember.diagonal(ember.zeros(3))
    assert ember.diagonal(ember.zeros(3, 3), offset=2).stride() == (4,)


# ============================================================================ count_nonzero
@pytest.mark.parametrize("dtype", ALL, ids=lambda d: NAME[d])
@pytest.mark.parametrize("shape, layout, dim", [((3, 4), "contig", None), ((3, 4), "T", 0), ((2, 3, 4), "T", (0, 2)),
                                                ((3, 5), "step", -1), ((), "contig", None), ((0, 3), "contig", 0),
                                                ((2, 3), "contig", ())])
def test_count_nonzero(shape, layout, dim, dtype):
    x, a = make(rng(), shape, dtype, "int", layout)
    want = np.count_nonzero(a, axis=None if dim in (None, ()) else dim)
    check(ember.count_nonzero(x, dim), want, I64)
    check(x.count_nonzero(dim=dim), want, I64)


def test_count_nonzero_counts_nan_and_checks_dims():
    assert ember.count_nonzero(T([NAN, 0.0, -0.0, 1.0])).item() == 2
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        ember.count_nonzero(ember.zeros(2, 3), (0, -2))
    with pytest.raises(IndexError):
        ember.count_nonzero(ember.zeros(2, 3), 2)


# ============================================================================ repeat_interleave
@pytest.mark.parametrize("dtype", ALL, ids=lambda d: NAME[d])
@pytest.mark.parametrize("shape, layout, repeats, dim", [
    ((2, 3), "contig", 2, None), ((2, 3), "T", 3, 0), ((2, 3, 4), "T", 2, -1), ((3, 5), "step", 0, 1),
    ((2, 3), "contig", [1, 0, 2], 1), ((2, 3), "T", [3], 0), ((2, 3), "contig", [1, 0, 1, 0, 1, 2], None),
    ((0, 3), "contig", 2, 0), ((), "contig", 3, None), ((4,), "contig", [2, 2, 0, 1], 0),
])
def test_repeat_interleave(shape, layout, repeats, dim, dtype):
    x, a = make(rng(), shape, dtype, "real", layout)
    want = np.repeat(a, repeats, axis=dim)
    r = T(repeats) if isinstance(repeats, list) else repeats
    check(ember.repeat_interleave(x, r, dim), want, dtype)
    check(x.repeat_interleave(r, dim=dim), want, dtype)


def test_repeat_interleave_of_counts():
    check(ember.repeat_interleave(T([1, 0, 2])), [0, 2, 2], I64)
    check(ember.repeat_interleave(T([1, 2], dtype=I32)), [0, 1, 1], I32)
    check(ember.repeat_interleave(T([1, 0, 2]), output_size=3), [0, 2, 2], I64)
    check(ember.repeat_interleave(ember.zeros(0, dtype=I64)), np.zeros(0), I64)
    assert ember.repeat_interleave(ember.arange(6.0).reshape(2, 3).half(), 2, 0).dtype == F16
    assert ember.repeat_interleave(ember.zeros(2, 3), 2, 1).stride() == (6, 1)
    assert ember.repeat_interleave(T([[1, 2]]), T([1, 2]), dim=1, output_size=3).tolist() == [[1, 2, 2]]


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: ember.repeat_interleave(T([[1, 2]]), T([1, 2, 3]), 1), RuntimeError,
     r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 3 and input.size\(1\) = 2"),
    (lambda: ember.repeat_interleave(T([1, 2]), T([1, -2]), 0), RuntimeError, "repeats can not be negative"),
    (lambda: ember.repeat_interleave(T([1, 2]), -1, 0), RuntimeError, "Repeats must be non-negative"),
    (lambda: ember.repeat_interleave(T([1, 2]), T([1.0, 2.0]), 0), NotImplementedError,
     "\"repeat_interleave_cpu\" not implemented for 'Float'"),
    (lambda: ember.repeat_interleave(T([1, 2]), T([[1, 2]]), 0), RuntimeError, "repeats must be 0-dim or 1-dim tensor"),
    (lambda: ember.repeat_interleave(T([[1, 2]])), RuntimeError, "repeat_interleave only accept 1D vector as repeat"),
    (lambda: ember.repeat_interleave(T([1, 2]), output_size=5), RuntimeError,
     "allocated size does not match required size"),
    (lambda: ember.repeat_interleave(T([[1, 2]]), 2, dim=1, output_size=5), RuntimeError,
     "repeat_interleave: Invalid output_size, expected 4 but got 5"),
    (lambda: ember.repeat_interleave(T([1, 2]), True, 0), TypeError, "invalid combination of arguments"),
    (lambda: ember.repeat_interleave(T([1, 2]), 2.0, 0), TypeError, "invalid combination of arguments"),
    (lambda: ember.repeat_interleave(T(5.0), 2, 0), IndexError, "Dimension out of range"),
], ids=["size", "negative-tensor", "negative-int", "float-repeats", "2-d-repeats", "2-d-counts", "output-size",
        "output-size-int", "bool", "float", "0-d-dim"])
def test_repeat_interleave_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


# ============================================================================ diff
@pytest.mark.parametrize("dtype", NUMERIC, ids=lambda d: NAME[d])
@pytest.mark.parametrize("shape, layout, n, dim, pre, app", [
    ((3, 4), "contig", 1, -1, None, None), ((3, 4), "T", 2, 0, None, None), ((3, 5), "step", 1, 1, (3, 2), None),
    ((3, 4), "contig", 2, 1, (3, 1), (3, 2)), ((3, 4), "contig", 7, -1, None, None), ((3, 4), "contig", 0, 0, None, None),
    ((5,), "contig", 3, 0, None, (2,)), ((0, 3), "contig", 1, 1, None, None),
])
def test_diff(shape, layout, n, dim, pre, app, dtype):
    x, a = make(rng(), shape, dtype, "real", layout)
    kw, nkw = {}, {}
    for name, spec in (("prepend", pre), ("append", app)):
        if spec is not None:
            t, b = make(rng(7), spec, dtype, "real")
            kw[name], nkw[name] = t, b
    want = np.diff(a, n, axis=dim, **nkw)
    check(ember.diff(x, n, dim, **kw), want, dtype)
    check(x.diff(n=n, dim=dim, **kw), want, dtype)


def test_diff_bool_promotion_and_errors():
    check(ember.diff(T([True, False, False])), [True, False], BOOL)  # logical_xor, as PyTorch
    check(ember.diff(T([1, 5, 2]), prepend=T([1.5])), [-0.5, 4.0, -3.0], F32)
    check(ember.diff(T([True, False]), prepend=T([1])), [0, -1], I64)
    x = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match="diff expects input to be at least one-dimensional"):
        ember.diff(T(1.0))
    with pytest.raises(RuntimeError, match="order must be non-negative but got -1"):
        ember.diff(x, -1)
    with pytest.raises(RuntimeError, match="diff expects prepend or append to be the same dimension as input"):
        ember.diff(x, prepend=ember.zeros(2))
    with pytest.raises(RuntimeError, match=r"input.size\(0\) = 2, but got tensor.size\(0\) = 1"):
        ember.diff(x, append=ember.zeros(1, 1))
    with pytest.raises(TypeError):
        ember.diff(x, append=5)


# ============================================================================ nansum, float_power, glu
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), ((0, 1), True), (-1, True)])
def test_nansum(dim, keepdim):
    x, a = special(F64)
    x, a = x.nan_to_num(nan=NAN, posinf=0.5, neginf=-0.5), np.nan_to_num(a, nan=NAN, posinf=0.5, neginf=-0.5)
    want = np.nansum(a, axis=dim, keepdims=keepdim)
    check(ember.nansum(x, dim, keepdim), want, F64)
    check(x.float().nansum(dim=dim, keepdim=keepdim), want, F32)
    h = x.half().nansum(dim, keepdim)
    assert h.dtype == F16
    np.testing.assert_allclose(values(h), want, rtol=1e-2, atol=1e-2)


def test_nansum_integers_and_dtype():
    check(ember.nansum(T([1, 2], dtype=I32)), 3, I64)
    check(ember.nansum(T([True, True])), 2, I64)
    check(T([[1.0, NAN], [2.0, 3.0]]).nansum(dim=1, dtype=F64), [1.0, 5.0], F64)


def test_float_power():
    check(ember.float_power(T([2, 3]), 2), [4.0, 9.0], F64)
    check(ember.float_power(T([2.0, 3.0]), T([2, 3])), [4.0, 27.0], F64)
    check(ember.float_power(2, T([2, 3])), [4.0, 8.0], F64)
    check(T([2.0, 3.0], dtype=F64).float_power_(2), [4.0, 9.0], F64)
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float but the operation's "
                                           "result requires dtype Double"):
        T([2.0, 3.0]).float_power_(2)
    with pytest.raises(TypeError):
        ember.float_power(2, 3)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: NAME[d])
@pytest.mark.parametrize("shape, layout, dim", [((3, 4), "contig", -1), ((4, 3), "T", 0), ((2, 4, 3), "T", 1),
                                                ((3, 8), "step", 1), ((2, 0), "contig", 1)])
def test_glu(shape, layout, dim, dtype):
    x, a = make(rng(), shape, dtype, "real", layout)
    h = a.shape[dim] // 2
    first, second = np.split(a, [h], axis=dim)
    want = first / (1 + np.exp(-second))
    check(ember.nn.functional.glu(x, dim), want, dtype)
    check(ember.nn.GLU(dim)(x), want, dtype)


def test_glu_errors_and_repr():
    F = ember.nn.functional
    assert repr(ember.nn.GLU()) == "GLU(dim=-1)" and repr(ember.nn.GLU(0)) == "GLU(dim=0)"
    assert F.glu(ember.zeros(2, 4).half()).dtype == F16
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="glu does not support scalars because halving size must be even"):
        F.glu(T(1.0))
    with pytest.raises(NotImplementedError, match="\"glu_cpu\" not implemented for 'Long'"):
        F.glu(ember.zeros(2, 4, dtype=I64))
    with pytest.raises(IndexError):
        F.glu(ember.zeros(2, 4), dim=3)


# ============================================================================ in-place view ops
INPLACE_VIEWS = [  # (label, shape, in-place call, its out-of-place view, PyTorch's node name)
    ("squeeze_", (3, 1, 4), lambda t: t.squeeze_(), lambda t: t.squeeze(), "SqueezeBackward3"),
    ("squeeze_-dim", (3, 1, 4), lambda t: t.squeeze_(1), lambda t: t.squeeze(1), "SqueezeBackward4"),
    ("squeeze_-dims", (1, 1, 4), lambda t: t.squeeze_((0, 1)), lambda t: t.squeeze((0, 1)), "SqueezeBackward5"),
    ("squeeze_-nothing", (3, 4), lambda t: t.squeeze_(), lambda t: t.squeeze(), "SqueezeBackward3"),
    ("unsqueeze_", (3, 4), lambda t: t.unsqueeze_(1), lambda t: t.unsqueeze(1), "UnsqueezeBackward1"),
    ("unsqueeze_-last", (3, 4), lambda t: t.unsqueeze_(-1), lambda t: t.unsqueeze(-1), "UnsqueezeBackward1"),
    ("t_", (3, 4), lambda t: t.t_(), lambda t: t.t(), "TBackward1"),
    ("t_-1d", (3,), lambda t: t.t_(), lambda t: t.t(), "TBackward1"),
    ("transpose_", (2, 3, 4), lambda t: t.transpose_(0, 2), lambda t: t.transpose(0, 2), "TransposeBackward1"),
    ("swapaxes_", (2, 3, 4), lambda t: t.swapaxes_(1, -1), lambda t: t.transpose(1, -1), "TransposeBackward1"),
]


@pytest.mark.parametrize("name, shape, inplace, view, node", INPLACE_VIEWS, ids=[r[0] for r in INPLACE_VIEWS])
def test_inplace_view_changes_the_tensor_itself(name, shape, inplace, view, node):
    for layout in ("contig", "step"):
        x, a = make(rng(), shape, F64, "real", layout)
        want = view(x)
        v, ptr = x._version, x.data_ptr()
        assert inplace(x) is x
        assert x.shape == want.shape and x.stride() == want.stride() and x.data_ptr() == ptr
        assert x._version == v + 1  # as PyTorch: one version per call, even when nothing changes
        check(x, numpy_of(want), F64)


@pytest.mark.parametrize("name, shape, inplace, view, node", INPLACE_VIEWS, ids=[r[0] for r in INPLACE_VIEWS])
def test_inplace_view_autograd(name, shape, inplace, view, node):
    leaf = ember.zeros(shape, dtype=F64, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        inplace(leaf)
    assert leaf.shape == shape
    with ember.no_grad():
        inplace(ember.zeros(shape, requires_grad=True))  # allowed without grad mode
    x, a = make(rng(), shape, F64)
    x.requires_grad_()
    y = x * 2
    inplace(y)
    assert y.grad_fn.name() == node
    g, ga = make(rng(3), tuple(y.shape), F64)
    y.backward(g)
    want = 2 * numpy_of(ember.tensor(ga).reshape(view(ember.zeros(shape)).shape))
    np.testing.assert_allclose(numpy_of(view(x.grad)), want)


def test_inplace_view_of_a_view_backpropagates_into_its_base():
    x = ember.arange(6.0, dtype=F64).reshape(2, 3).requires_grad_()
    row = (x * 1)[0]
    row.unsqueeze_(0)
    assert row.shape == (1, 3) and row.grad_fn.name() == "UnsqueezeBackward1"
    (row * T([[1.0, 2.0, 3.0]], dtype=F64)).sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    base = ember.zeros(2, 3)
    v = base[0]
    v.unsqueeze_(0)
    assert base._version == v._version  # the version counter stays shared


def test_inplace_view_errors():
    with pytest.raises(RuntimeError, match=r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        ember.zeros(2, 3, 4).t_()
    with pytest.raises(IndexError, match=r"expected to be in range of \[-3, 2\], but got 5"):
        ember.zeros(2, 3, 4).transpose_(0, 5)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-4, 3\], but got 5"):
        ember.zeros(2, 3, 4).unsqueeze_(5)


def test_saved_tensor_changed_by_an_inplace_view_op_is_an_error():
    x = T([[1.0, 2.0]], requires_grad=True)
    h = x * 1
    y = h * h  # saves h
    h.t_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ============================================================================ resize_
def test_resize_():
    x = ember.arange(6.0)
    v = x._version
    assert x.resize_(2, 2) is x and x.tolist() == [[0.0, 1.0], [2.0, 3.0]] and x._version == v + 1
    x = ember.arange(6.0)
    x.resize_(3, 3)  # the storage grows; the old values stay in front
    assert x.shape == (3, 3) and x[:2].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    x = ember.arange(6.0)
    x.resize_((0,))
    assert x.shape == (0,)
    y = ember.arange(6.0)
    w = y[1:3]
    w.resize_(ember.Size([5]))
    assert w.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    z = ember.arange(6.0).reshape(2, 3).t()
    v = z._version
    z.resize_(3, 2)  # same sizes: nothing changes, strides and version included (PyTorch)
    assert z.stride() == (1, 3) and z._version == v
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ember.zeros(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="numel: integer multiplication overflow"):
        ember.zeros(2).resize_(-1)


# ============================================================================ logspace: PyTorch's bits
def logspace_id(c):
    return f"{c['dtype']}-{c['start']}:{c['end']}x{c['steps']}-b{c['base']}"


@pytest.mark.parametrize("c", RECORDED["logspace"], ids=[logspace_id(c) for c in RECORDED["logspace"]])
def test_logspace_matches_torch(c):
    t = ember.logspace(c["start"], c["end"], c["steps"], base=c["base"], dtype=DTYPES[c["dtype"]])
    assert t.dtype == DTYPES[c["dtype"]] and t.shape == (c["steps"],)
    assert [float(v).hex() for v in t.double().tolist()] == c["expected"]


def test_logspace_against_numpy_and_errors():
    np.testing.assert_allclose(ember.logspace(-2, 3, 11, dtype=F64).numpy(), np.logspace(-2, 3, 11), rtol=1e-15)
    np.testing.assert_allclose(ember.logspace(0, 5, 6, base=2).numpy(), np.logspace(0, 5, 6, base=2), rtol=1e-7)
    assert ember.logspace(0, 2, 5).dtype == ember.get_default_dtype()
    assert ember.logspace(T(0.0), 2, 3).tolist() == [1.0, 10.0, 100.0]
    assert ember.logspace(0, 2, 3, requires_grad=True).requires_grad
    assert ember.logspace(0, 2, 0).shape == (0,)
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        ember.logspace(0, 2, -1)
    with pytest.raises(NotImplementedError, match="\"logspace_cpu\" not implemented for 'Bool'"):
        ember.logspace(0, 2, 5, dtype=BOOL)
    with pytest.raises(TypeError):
        ember.logspace(0, 2, 3.0)


# ============================================================================ trunc_normal_: PyTorch's bits
@pytest.mark.parametrize("c", RECORDED["trunc_normal"], ids=[f"seed{c['seed']}" for c in RECORDED["trunc_normal"]])
def test_trunc_normal_matches_torch(c):
    ember.manual_seed(c["seed"])
    shape = tuple(c["shape"])
    w = ember.empty(shape[::-1] if c["transposed"] else shape, dtype=DTYPES[c["dtype"]])
    if c["transposed"]:
        w = w.t()
    g = None if c["generator_seed"] is None else ember.Generator().manual_seed(c["generator_seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.nn.init.trunc_normal_(w, generator=g, **c["kwargs"]) is w
    v = np.asarray(w.double().reshape(-1).tolist(), dtype=np.float64)
    exp = c["expected"]
    assert len(v) == exp["count"]
    assert [float(x).hex() for x in v[:len(exp["head"])]] == exp["head"]
    assert [float(x).hex() for x in v[-len(exp["tail"]):]] == exp["tail"]
    assert hashlib.sha256(v.astype("<f8").tobytes()).hexdigest() == exp["sha256"]
    assert float(ember.rand(1, generator=g).item()).hex() == c["next"]  # the generator is where torch leaves it


@pytest.mark.parametrize("kwargs", [{}, {"std": 0.02}, {"mean": 1.0, "std": 0.1, "a": 0.0, "b": 0.5},
                                    {"a": 2.0, "b": 3.0}])
def test_trunc_normal_stays_in_bounds_with_the_right_mean(kwargs):
    ember.manual_seed(0)
    w = ember.empty(20000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mean=1 is more than 2 std from [0, 0.5]: PyTorch warns
        ember.nn.init.trunc_normal_(w, **kwargs)
    v = w.numpy().astype(np.float64)
    mean, std, a, b = (kwargs.get(k, d) for k, d in (("mean", 0.0), ("std", 1.0), ("a", -2.0), ("b", 2.0)))
    assert v.min() >= a and v.max() <= b
    # The mean of N(mean, std^2) truncated to [a, b].
    pdf = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    al, be = (a - mean) / std, (b - mean) / std
    want = mean + std * (pdf(al) - pdf(be)) / (cdf(be) - cdf(al))
    assert abs(v.mean() - want) < 5 * v.std() / math.sqrt(v.size)


def test_trunc_normal_warns_far_from_the_interval():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        ember.nn.init.trunc_normal_(ember.empty(10), mean=10.0, a=-1.0, b=1.0)
