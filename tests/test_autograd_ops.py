"""The gradient table: every differentiable op's backward against float64 NumPy.

Each row builds float64 leaves (contiguous, transposed, stepped, broadcasting,
0-d), runs the op forward, backpropagates a random cotangent, and compares
each leaf's .grad with
  (a) an analytic NumPy gradient, where the row gives one, and
  (b) always, float64 central differences of a NumPy forward.
Rows where the op is not differentiable (ties, kinks, zeros) are checked
against the values PyTorch 2.13 gives, in KINKS. gradcheck/gradgradcheck and
create_graph second derivatives close the file. Adding an op adds a row."""
import math

import numpy as np
import pytest

import ember
from helpers import F32, F64, NP, TOL, make, numpy_of, rng

EPS, NUM_TOL, EXACT_TOL = 1e-6, dict(rtol=1e-6, atol=1e-7), dict(rtol=1e-10, atol=1e-12)
T = ember.tensor
erf = np.vectorize(math.erf, otypes=[np.float64])
sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731


def A(shape, domain="real", layout="contig"):
    """An input: shape, value domain (helpers.DOMAINS) and layout (helpers.make)."""
    return (tuple(shape), domain, layout)


def R(name, f, ref, *inputs, grad=None):
    """A row: f (ember) and ref (NumPy) take the same inputs; grad(g, *arrays) -> analytic input grads."""
    return pytest.param(f, ref, inputs, grad, id=name)


def sum_to(g, shape):
    """Undo broadcasting: sum g down to `shape`."""
    g = np.asarray(g, dtype=np.float64)
    while g.ndim > len(shape):
        g = g.sum(0)
    return g.sum(tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1), keepdims=True).reshape(shape)


def as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def numeric_grads(ref, arrays, cots):
    """d/d(each input) of sum(ref(*arrays) * cot) by central differences."""
    def loss(xs):
        return sum(float(np.sum(np.asarray(o, np.float64) * c)) for o, c in zip(as_list(ref(*xs)), cots))
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros(a.shape)
        for k in np.ndindex(*a.shape):
            xs = [x.copy() for x in arrays]
            xs[i][k] = a[k] + EPS
            hi = loss(xs)
            xs[i][k] = a[k] - EPS
            g[k] = (hi - loss(xs)) / (2 * EPS)
        grads.append(g)
    return grads


def check_grad(f, ref, inputs, grad, seed=0):
    gen = rng(seed)
    leaves, arrays = [], []
    for shape, domain, layout in inputs:
        t, a = make(gen, shape, F64, domain, layout)
        leaves.append(t.requires_grad_())
        arrays.append(np.array(a))
    outs, wants = as_list(f(*leaves)), as_list(ref(*[a.copy() for a in arrays]))
    assert len(outs) == len(wants)
    cots = []
    for o, w in zip(outs, wants):
        w = np.asarray(w, np.float64)
        assert tuple(o.shape) == w.shape, f"forward shape {tuple(o.shape)}, expected {w.shape}"
        np.testing.assert_allclose(numpy_of(o.detach()), w, err_msg="forward", **TOL[o.dtype])
        cots.append(gen.standard_normal(w.shape).astype(NP[o.dtype]).astype(np.float64))
    ember.autograd.backward(outs, [T(c, dtype=o.dtype) for o, c in zip(outs, cots)])
    numeric = numeric_grads(ref, arrays, cots)
    analytic = grad(np.array(cots[0]) if len(cots) == 1 else cots, *arrays) if grad else None
    for i, (x, a) in enumerate(zip(leaves, arrays)):
        assert x.grad is not None, f"input {i}: .grad is None"
        assert x.grad.dtype == F64 and tuple(x.grad.shape) == a.shape, \
            f"input {i}: grad {x.grad.dtype} {tuple(x.grad.shape)}, expected float64 {a.shape}"
        got = numpy_of(x.grad)
        np.testing.assert_allclose(got, numeric[i], err_msg=f"input {i} vs central differences", **NUM_TOL)
        if analytic is not None:
            np.testing.assert_allclose(got, sum_to(np.broadcast_to(analytic[i], np.broadcast_shapes(
                np.shape(analytic[i]), a.shape)), a.shape), err_msg=f"input {i} vs analytic", **EXACT_TOL)


# ============================================================================ elementwise unary
def U(name, f, ref, d, domain="real"):
    """d(x): the derivative, elementwise."""
    return (name, f, ref, lambda g, x: (g * d(x),), domain)


UNARY = [
    U("neg", lambda x: -x, np.negative, lambda x: -np.ones_like(x)),
    U("neg()", lambda x: x.neg(), np.negative, lambda x: -np.ones_like(x)),
    U("abs", lambda x: x.abs(), np.abs, np.sign, "nonzero"),
    U("exp", lambda x: x.exp(), np.exp, np.exp),
    U("log", lambda x: x.log(), np.log, lambda x: 1 / x, "pos"),
    U("log2", lambda x: x.log2(), np.log2, lambda x: 1 / (x * np.log(2)), "pos"),
    U("log10", lambda x: x.log10(), np.log10, lambda x: 1 / (x * np.log(10)), "pos"),
    U("log1p", lambda x: x.log1p(), np.log1p, lambda x: 1 / (1 + x), "gt-1"),
    U("expm1", lambda x: x.expm1(), np.expm1, np.exp),
    U("sqrt", lambda x: x.sqrt(), np.sqrt, lambda x: 0.5 / np.sqrt(x), "pos"),
    U("rsqrt", lambda x: x.rsqrt(), lambda x: x ** -0.5, lambda x: -0.5 * x ** -1.5, "pos"),
    U("sin", lambda x: x.sin(), np.sin, np.cos),
    U("cos", lambda x: x.cos(), np.cos, lambda x: -np.sin(x)),
    U("tan", lambda x: x.tan(), np.tan, lambda x: 1 + np.tan(x) ** 2, "tan"),
    U("tanh", lambda x: x.tanh(), np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    U("sigmoid", lambda x: x.sigmoid(), sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    U("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0, "nonzero"),
    U("asin", lambda x: x.asin(), np.arcsin, lambda x: 1 / np.sqrt(1 - x * x), "unit"),
    U("acos", lambda x: x.acos(), np.arccos, lambda x: -1 / np.sqrt(1 - x * x), "unit"),
    U("atan", lambda x: x.atan(), np.arctan, lambda x: 1 / (1 + x * x)),
    U("sinh", lambda x: x.sinh(), np.sinh, np.cosh),
    U("cosh", lambda x: x.cosh(), np.cosh, np.sinh),
    U("erf", lambda x: x.erf(), erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    U("reciprocal", lambda x: x.reciprocal(), lambda x: 1 / x, lambda x: -1 / (x * x), "nonzero"),
    U("square", lambda x: x.square(), np.square, lambda x: 2 * x),
    U("floor", lambda x: x.floor(), np.floor, np.zeros_like),
    U("ceil", lambda x: x.ceil(), np.ceil, np.zeros_like),
    U("round", lambda x: x.round(), np.round, np.zeros_like),
    U("trunc", lambda x: x.trunc(), np.trunc, np.zeros_like),
    U("frac", lambda x: x.frac(), lambda x: x - np.trunc(x), np.ones_like),
    U("sign", lambda x: x.sign(), np.sign, np.zeros_like, "nonzero"),
    U("pow-3", lambda x: x ** 3, lambda x: x ** 3, lambda x: 3 * x ** 2),
    U("pow-2-int", lambda x: x.pow(2), lambda x: x ** 2, lambda x: 2 * x),
    U("pow-0.5", lambda x: x ** 0.5, np.sqrt, lambda x: 0.5 * x ** -0.5, "pos"),
    U("pow--1.5", lambda x: x ** -1.5, lambda x: x ** -1.5, lambda x: -1.5 * x ** -2.5, "pos"),
    U("pow-1", lambda x: x ** 1, lambda x: x, np.ones_like),
    U("pow-0", lambda x: x ** 0, np.ones_like, np.zeros_like),
    U("rpow-2.0", lambda x: 2.0 ** x, lambda x: 2.0 ** x, lambda x: 2.0 ** x * np.log(2.0)),
    U("rpow-0.5", lambda x: 0.5 ** x, lambda x: 0.5 ** x, lambda x: 0.5 ** x * np.log(0.5)),
    U("ember.pow(x, 3)", lambda x: ember.pow(x, 3), lambda x: x ** 3, lambda x: 3 * x ** 2),
    U("x + 2", lambda x: x + 2, lambda x: x + 2, np.ones_like),
    U("2.5 - x", lambda x: 2.5 - x, lambda x: 2.5 - x, lambda x: -np.ones_like(x)),
    U("x - 1.5", lambda x: x - 1.5, lambda x: x - 1.5, np.ones_like),
    U("x * 3", lambda x: x * 3, lambda x: x * 3, lambda x: np.full_like(x, 3)),
    U("-2 * x", lambda x: -2 * x, lambda x: -2 * x, lambda x: np.full_like(x, -2)),
    U("x / 4", lambda x: x / 4, lambda x: x / 4, lambda x: np.full_like(x, 0.25)),
    U("3 / x", lambda x: 3 / x, lambda x: 3 / x, lambda x: -3 / (x * x), "nonzero"),
    U("clamp", lambda x: x.clamp(-0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), lambda x: (abs(x - 0.1) < 0.6) * 1.0),
    U("clamp-min", lambda x: x.clamp(min=-0.5), lambda x: np.maximum(x, -0.5), lambda x: (x > -0.5) * 1.0),
    U("clamp-max", lambda x: ember.clamp(x, max=0.7), lambda x: np.minimum(x, 0.7), lambda x: (x < 0.7) * 1.0),
    U("clamp_min", lambda x: x.clamp_min(0.2), lambda x: np.maximum(x, 0.2), lambda x: (x > 0.2) * 1.0),
    U("clamp_max", lambda x: x.clamp_max(0.2), lambda x: np.minimum(x, 0.2), lambda x: (x < 0.2) * 1.0),
    U("clip", lambda x: ember.clip(x, -1, 1), lambda x: np.clip(x, -1, 1), lambda x: (abs(x) < 1) * 1.0),
    U("remainder-scalar", lambda x: x % 1.5, lambda x: np.remainder(x, 1.5), np.ones_like),
    U("fmod-scalar", lambda x: ember.fmod(x, 1.5), lambda x: np.fmod(x, 1.5), np.ones_like),
    U("where-scalar", lambda x: ember.where(x > 0, x, 0.5), lambda x: np.where(x > 0, x, 0.5), lambda x: (x > 0) * 1.0),
]

UNARY_CASES = [("2x3", (2, 3), "contig"), ("0-d", (), "contig"), ("transposed", (2, 3, 4), "T"),
               ("stepped", (3, 4), "step"), ("empty", (0, 3), "contig")]


@pytest.mark.parametrize("row, case", [pytest.param(r, c, id=f"{r[0]}-{c[0]}") for r in UNARY for c in UNARY_CASES])
def test_unary_grad(row, case):
    _, f, ref, grad, domain = row
    check_grad(f, ref, [A(case[1], domain, case[2])], grad)


# ============================================================================ elementwise binary
def Bi(name, f, ref, grad, da="real", db="real"):
    return (name, f, ref, grad, da, db)


BINARY = [
    Bi("add", lambda a, b: a + b, np.add, lambda g, a, b: (g, g)),
    Bi("add-alpha", lambda a, b: ember.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b, lambda g, a, b: (g, 2.5 * g)),
    Bi("sub", lambda a, b: a - b, np.subtract, lambda g, a, b: (g, -g)),
    Bi("mul", lambda a, b: a * b, np.multiply, lambda g, a, b: (g * b, g * a)),
    Bi("div", lambda a, b: a / b, np.divide, lambda g, a, b: (g / b, -g * a / b ** 2), db="nonzero"),
    Bi("pow", lambda a, b: a ** b, np.power, lambda g, a, b: (g * b * a ** (b - 1), g * a ** b * np.log(a)), "pos"),
    Bi("atan2", ember.atan2, np.arctan2, lambda g, a, b: (g * b / (a * a + b * b), -g * a / (a * a + b * b)),
       db="nonzero"),
    Bi("maximum", ember.maximum, np.maximum, lambda g, a, b: (g * (a > b), g * (a < b))),
    Bi("minimum", ember.minimum, np.minimum, lambda g, a, b: (g * (a < b), g * (a > b))),
    Bi("max(other)", lambda a, b: a.max(b), np.maximum, lambda g, a, b: (g * (a > b), g * (a < b))),
    Bi("remainder", lambda a, b: a % b, np.remainder, lambda g, a, b: (g, -g * np.floor(a / b)), db="nonzero"),
    Bi("fmod", ember.fmod, np.fmod, lambda g, a, b: (g, -g * np.trunc(a / b)), db="nonzero"),
    Bi("where", lambda a, b: ember.where(a > 0.5, a, b), lambda a, b: np.where(a > 0.5, a, b),
       lambda g, a, b: (g * (a > 0.5), g * (a <= 0.5))),
]

BINARY_CASES = [
    ("same", A((2, 3)), A((2, 3))),
    ("bcast", A((3, 1)), A((1, 4))),
    ("rank", A((2, 3, 4)), A((4,))),
    ("rank-left", A((3,)), A((2, 3))),
    ("0d-left", A(()), A((2, 3))),
    ("0d-right", A((3,)), A(())),
    ("0d-both", A(()), A(())),
    ("transposed", A((3, 4), layout="T"), A((3, 4))),
    ("stepped", A((3, 4), layout="step"), A((4,))),
    ("T-and-step", A((2, 3, 4), layout="T"), A((2, 3, 4), layout="step")),
    ("empty-bcast", A((0, 3)), A((3,))),
]


@pytest.mark.parametrize("row, case", [pytest.param(r, c, id=f"{r[0]}-{c[0]}") for r in BINARY for c in BINARY_CASES])
def test_binary_grad(row, case):
    _, f, ref, grad, da, db = row
    (sa, _, la), (sb, _, lb) = case[1], case[2]
    check_grad(f, ref, [A(sa, da, la), A(sb, db, lb)], grad)


# ============================================================================ everything else, one row each
def clamp_ref(x, lo, hi):
    return np.minimum(np.maximum(x, lo - 1), hi + 1)


def prod_with_zeros(x):
    """x with one zero in row 0 and two in row 1 (a constant mask, so prod sees exact zeros)."""
    m = np.ones(x.shape)
    m[0, 1] = m[1, 0] = m[1, 2] = 0
    return x * (T(m) if isinstance(x, ember.Tensor) else m)


def logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def pnorm(x, p, axis=None, keepdims=False):
    if p == np.inf:
        return np.max(np.abs(x), axis=axis, keepdims=keepdims)
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def as_strided_ref(x, size, stride, offset=0):
    flat = np.ascontiguousarray(x).reshape(-1)[offset:]
    return np.lib.stride_tricks.as_strided(flat, size, tuple(8 * s for s in stride)).copy()


def scatter_ref(x, idx, src, add=False):
    out, rows = x.copy(), np.arange(idx.shape[0])[:, None]
    if add:
        np.add.at(out, (rows, idx), src)
    else:
        out[rows, idx] = src
    return out


def pick_grad(g, x, idx, axis):
    """The gradient of values = take_along_axis(x, idx, axis): g put back at idx, zero elsewhere."""
    out = np.zeros_like(x)
    np.put_along_axis(out, idx, g, axis)
    return out


def amax_grad(g, x, axis, keepdims=False):
    """Ties share the gradient evenly (PyTorch's amax/amin rule)."""
    m = np.max(x, axis=axis, keepdims=True)
    gk = g if keepdims or axis is None else np.expand_dims(g, axis)
    hit = (x == m) * 1.0
    return (gk * hit / hit.sum(axis=axis, keepdims=True),)


IDX = np.array([2, 0, 2, 2])            # repeated indices: their gradients must accumulate
GIDX = np.array([[0, 2, 2], [1, 1, 0]])  # gather/scatter_add along dim 1 of a (2, 4)
SIDX = np.array([[3, 0], [1, 2]])        # scatter: unique per row
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
L = ember.tensor  # a constant index/mask tensor

OTHER = [
    # ---- clamp with tensor bounds (gradients reach the bounds too), where over broadcasting
    R("clamp-tensor-bounds", lambda x, lo, hi: x.clamp(lo - 1, hi + 1), clamp_ref, A((3, 4)), A((4,), "unit"),
      A((3, 1), "unit"),
      grad=lambda g, x, lo, hi: (g * (x > lo - 1) * (x < hi + 1), g * (x < lo - 1), g * (x > hi + 1))),
    R("clamp-tensor-min-0d", lambda x, lo: ember.clamp(x, min=lo), np.maximum, A((3, 4), layout="T"), A(())),
    R("clamp-tensor-max", lambda x, hi: x.clamp(max=hi), np.minimum, A((3, 4), layout="step"), A((3, 1))),
    R("where-bcast", lambda a, b: ember.where(L(MASK[0]), a, b), lambda a, b: np.where(MASK[0], a, b), A((3, 4)),
      A((3, 1)), grad=lambda g, a, b: (g * MASK[0], g * ~MASK[0])),
    R("where-0d", lambda a, b: ember.where(L(MASK), a, b), lambda a, b: np.where(MASK, a, b), A(()), A((4,))),
    R("Tensor.where", lambda a, b: a.where(L(MASK), b), lambda a, b: np.where(MASK, a, b), A((3, 4), layout="T"),
      A((3, 4), layout="step")),
    # ---- reductions
    R("sum", lambda x: x.sum(), np.sum, A((3, 4)), grad=lambda g, x: (g * np.ones_like(x),)),
    R("sum-dim", lambda x: x.sum(1), lambda x: x.sum(1), A((2, 3, 4)), grad=lambda g, x: (g[:, None, :] + 0 * x,)),
    R("sum-dims-keepdim", lambda x: x.sum((0, 2), keepdim=True), lambda x: x.sum((0, 2), keepdims=True),
      A((2, 3, 4), layout="T"), grad=lambda g, x: (g + 0 * x,)),
    R("sum-neg-dim", lambda x: ember.sum(x, dim=-1), lambda x: x.sum(-1), A((3, 4), layout="step")),
    R("sum-0d", lambda x: x.sum(), np.sum, A(())),
    R("sum-empty", lambda x: x.sum(0), lambda x: x.sum(0), A((0, 3))),
    R("mean", lambda x: x.mean(), np.mean, A((3, 4)), grad=lambda g, x: (g * np.ones_like(x) / x.size,)),
    R("mean-dim", lambda x: x.mean(0), lambda x: x.mean(0), A((3, 4), layout="T"), grad=lambda g, x: (g / 3 + 0 * x,)),
    R("mean-dims-keepdim", lambda x: ember.mean(x, (1, 2), keepdim=True), lambda x: x.mean((1, 2), keepdims=True),
      A((2, 3, 4))),
    R("mean-0d", lambda x: x.mean(), np.mean, A(())),
    R("prod", lambda x: x.prod(), np.prod, A((3, 4), "near1"), grad=lambda g, x: (g * np.prod(x) / x,)),
    R("prod-dim", lambda x: x.prod(1), lambda x: x.prod(1), A((3, 4), "near1", "T"),
      grad=lambda g, x: (g[:, None] * np.prod(x, 1, keepdims=True) / x,)),
    R("prod-dim-keepdim", lambda x: ember.prod(x, 0, keepdim=True), lambda x: x.prod(0, keepdims=True),
      A((3, 4), "near1", "step")),
    R("prod-zeros", lambda x: prod_with_zeros(x).prod(1), lambda x: prod_with_zeros(x).prod(1), A((3, 4), "near1")),
    R("prod-one-zero-all", lambda x: (x * L([1.0, 0.0, 1.0])).prod(), lambda x: (x * [1, 0, 1]).prod(), A((3,))),
    R("prod-0d", lambda x: x.prod(), np.prod, A(())),
    R("amax", lambda x: x.amax(), np.max, A((3, 4), "distinct"), grad=lambda g, x: amax_grad(g, x, None)),
    R("amax-dim", lambda x: x.amax(1), lambda x: x.max(1), A((3, 4), "distinct", "T"),
      grad=lambda g, x: amax_grad(g, x, 1)),
    R("amax-dims-keepdim", lambda x: ember.amax(x, (0, 2), keepdim=True), lambda x: x.max((0, 2), keepdims=True),
      A((2, 3, 4), "distinct"), grad=lambda g, x: amax_grad(g, x, (0, 2), True)),
    R("amin", lambda x: x.amin(), np.min, A((3, 4), "distinct", "step")),
    R("amin-dim", lambda x: ember.amin(x, 0), lambda x: x.min(0), A((3, 4), "distinct")),
    R("max()", lambda x: x.max(), np.max, A((3, 4), "distinct"), grad=lambda g, x: amax_grad(g, x, None)),
    R("min()", lambda x: ember.min(x), np.min, A((3, 4), "distinct", "T")),
    R("max-0d", lambda x: x.max(), np.max, A(())),
    R("max(dim)", lambda x: x.max(1).values, lambda x: x.max(1), A((3, 4), "distinct"),
      grad=lambda g, x: amax_grad(g, x, 1)),
    R("max(dim)[0]-keepdim", lambda x: x.max(0, keepdim=True)[0], lambda x: x.max(0, keepdims=True),
      A((3, 4), "distinct", "T")),
    R("min(dim)", lambda x: ember.min(x, dim=-1).values, lambda x: x.min(-1), A((2, 3, 4), "distinct", "step")),
    R("min(dim)-keepdim", lambda x: x.min(1, keepdim=True).values, lambda x: x.min(1, keepdims=True),
      A((3, 4), "distinct")),
    # ---- sorting and selection: the gradient goes back to the picked positions
    R("sort", lambda x: x.sort(1).values, lambda x: np.sort(x, 1), A((3, 4), "distinct"),
      grad=lambda g, x: (pick_grad(g, x, np.argsort(x, 1), 1),)),
    R("sort-desc-stable-dim0", lambda x: ember.sort(x, 0, descending=True, stable=True)[0],
      lambda x: -np.sort(-x, 0), A((3, 4), "distinct", "T")),
    R("sort-0d", lambda x: x.sort().values, lambda x: x, A(())),
    R("topk", lambda x: x.topk(2).values, lambda x: -np.sort(-x, -1)[..., :2], A((2, 3, 4), "distinct", "step"),
      grad=lambda g, x: (pick_grad(g, x, np.argsort(-x, -1)[..., :2], -1),)),
    R("topk-smallest-dim0", lambda x: ember.topk(x, 3, 0, largest=False).values, lambda x: np.sort(x, 0)[:3],
      A((4, 3), "distinct")),
    R("kthvalue", lambda x: x.kthvalue(2, 1).values, lambda x: np.sort(x, 1)[:, 1], A((3, 4), "distinct", "T"),
      grad=lambda g, x: (pick_grad(g[:, None], x, np.argsort(x, 1)[:, 1:2], 1),)),
    R("kthvalue-keepdim", lambda x: ember.kthvalue(x, 3, 0, keepdim=True).values, lambda x: np.sort(x, 0)[2:3],
      A((3, 4), "distinct")),
    R("median-dim", lambda x: x.median(1).values, lambda x: np.sort(x, 1)[:, 1], A((3, 4), "distinct")),
    R("median-dim-keepdim", lambda x: ember.median(x, -1, keepdim=True)[0], lambda x: np.sort(x, -1)[:, :, 2:3],
      A((2, 3, 5), "distinct", "step")),
    R("median", lambda x: x.median(), lambda x: np.sort(x.reshape(-1))[5], A((3, 4), "distinct"),
      grad=lambda g, x: (g * (x == np.sort(x.reshape(-1))[5]),)),
    R("var", lambda x: x.var(), lambda x: np.var(x, ddof=1), A((3, 4)),
      grad=lambda g, x: (g * 2 * (x - x.mean()) / (x.size - 1),)),
    R("var-dim", lambda x: x.var(1), lambda x: np.var(x, 1, ddof=1), A((3, 4), layout="T"),
      grad=lambda g, x: (g[:, None] * 2 * (x - x.mean(1, keepdims=True)) / 3,)),
    R("var-unbiased-False", lambda x: x.var(0, unbiased=False, keepdim=True), lambda x: np.var(x, 0, keepdims=True),
      A((3, 4), layout="step")),
    R("var-correction-0", lambda x: ember.var(x, (0, 1), correction=0), lambda x: np.var(x, (0, 1)), A((2, 3, 4))),
    R("std", lambda x: x.std(), lambda x: np.std(x, ddof=1), A((3, 4)),
      grad=lambda g, x: (g * (x - x.mean()) / ((x.size - 1) * np.std(x, ddof=1)),)),
    R("std-dim-keepdim", lambda x: x.std(1, keepdim=True), lambda x: np.std(x, 1, ddof=1, keepdims=True),
      A((3, 4), layout="T")),
    R("std-unbiased-False", lambda x: ember.std(x, 0, unbiased=False), lambda x: np.std(x, 0), A((3, 4))),
    R("norm", lambda x: x.norm(), lambda x: np.sqrt(np.sum(x * x)), A((3, 4)),
      grad=lambda g, x: (g * x / np.sqrt(np.sum(x * x)),)),
    R("norm-2-dim", lambda x: x.norm(2, dim=1), lambda x: pnorm(x, 2, 1), A((3, 4), layout="T")),
    R("norm-1", lambda x: x.norm(1), lambda x: pnorm(x, 1), A((3, 4), "nonzero"), grad=lambda g, x: (g * np.sign(x),)),
    R("norm-1-dim-keepdim", lambda x: x.norm(p=1, dim=0, keepdim=True), lambda x: pnorm(x, 1, 0, True),
      A((3, 4), "nonzero", "step")),
    R("norm-inf", lambda x: x.norm(float("inf")), lambda x: pnorm(x, np.inf), A((3, 4), "nonzero")),
    R("norm-inf-dim", lambda x: ember.norm(x, float("inf"), dim=1), lambda x: pnorm(x, np.inf, 1),
      A((3, 4), "nonzero", "T")),
    R("norm-3", lambda x: x.norm(3), lambda x: pnorm(x, 3), A((3, 4), "nonzero")),
    R("logsumexp", lambda x: x.logsumexp(1), lambda x: logsumexp(x, 1), A((3, 4)),
      grad=lambda g, x: (g[:, None] * np.exp(x - logsumexp(x, 1, True)),)),
    R("logsumexp-keepdim", lambda x: ember.logsumexp(x, 0, keepdim=True), lambda x: logsumexp(x, 0, True),
      A((3, 4), layout="T")),
    R("logsumexp-dims", lambda x: x.logsumexp((0, 2)), lambda x: logsumexp(x, (0, 2)), A((2, 3, 4), layout="step")),
    R("logsumexp-0d", lambda x: x.logsumexp(0), lambda x: x.copy(), A(())),
    R("cumsum", lambda x: x.cumsum(0), lambda x: np.cumsum(x, 0), A((3, 4)),
      grad=lambda g, x: (np.flip(np.cumsum(np.flip(g, 0), 0), 0),)),
    R("cumsum-dim1-T", lambda x: ember.cumsum(x, dim=1), lambda x: np.cumsum(x, 1), A((3, 4), layout="T")),
    R("cumsum-neg-dim", lambda x: x.cumsum(-1), lambda x: np.cumsum(x, -1), A((2, 3, 4), layout="step")),
    R("cumsum-0d", lambda x: x.cumsum(0), lambda x: x.copy(), A(())),
    # ---- views
    R("view", lambda x: x.view(6, 2), lambda x: x.reshape(6, 2), A((3, 4)), grad=lambda g, x: (g.reshape(3, 4),)),
    R("view-neg1", lambda x: x.view(-1), lambda x: x.reshape(-1), A((2, 3, 4))),
    R("view_as", lambda x, y: x.view_as(y) * y, lambda x, y: x.reshape(y.shape) * y, A((2, 6)), A((3, 4))),
    R("reshape", lambda x: x.reshape(4, 3), lambda x: x.reshape(4, 3), A((3, 4))),
    R("reshape-T", lambda x: x.reshape(-1), lambda x: x.reshape(-1), A((3, 4), layout="T")),
    R("reshape-0d", lambda x: ember.reshape(x, (1, 1)), lambda x: x.reshape(1, 1), A(())),
    R("reshape-to-0d", lambda x: x.reshape(()), lambda x: x.reshape(()), A((1,))),
    R("flatten", lambda x: x.flatten(), lambda x: x.reshape(-1), A((2, 3, 4), layout="T")),
    R("flatten-1", lambda x: ember.flatten(x, 1), lambda x: x.reshape(2, -1), A((2, 3, 4))),
    R("flatten-0d", lambda x: x.flatten(), lambda x: x.reshape(1), A(())),
    R("unflatten", lambda x: x.unflatten(1, (2, 2)), lambda x: x.reshape(3, 2, 2), A((3, 4), layout="step")),
    R("squeeze", lambda x: x.unsqueeze(1).squeeze(), lambda x: x, A((3, 4), layout="T")),
    R("squeeze-dim", lambda x: x.squeeze(1), lambda x: x.squeeze(1), A((3, 1, 4))),
    R("squeeze-noop", lambda x: ember.squeeze(x, 0), lambda x: x.copy(), A((3, 4))),
    R("unsqueeze", lambda x: x.unsqueeze(0), lambda x: x[None], A((3, 4))),
    R("unsqueeze-neg", lambda x: x.unsqueeze(-1), lambda x: x[..., None], A((3, 4), layout="step")),
    R("unsqueeze-0d", lambda x: ember.unsqueeze(x, 0), lambda x: x.reshape(1), A(())),
    R("transpose", lambda x: x.transpose(0, 2), lambda x: x.swapaxes(0, 2), A((2, 3, 4))),
    R("transpose-T", lambda x: ember.transpose(x, -1, -2), lambda x: x.swapaxes(-1, -2), A((2, 3, 4), layout="T")),
    R("swapaxes", lambda x: x.swapaxes(0, 1), lambda x: x.swapaxes(0, 1), A((3, 4))),
    R("permute", lambda x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1), A((2, 3, 4), layout="step")),
    R("permute-fn", lambda x: ember.permute(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0), A((2, 3, 4))),
    R("t", lambda x: x.t(), lambda x: x.T, A((3, 4))),
    R("t-1d", lambda x: ember.t(x), lambda x: x.copy(), A((3,))),
    R(".T", lambda x: x.T, lambda x: x.T, A((3, 4), layout="T")),
    R(".mT", lambda x: x.mT, lambda x: x.swapaxes(-1, -2), A((2, 3, 4))),
    R("movedim", lambda x: ember.movedim(x, 0, 2), lambda x: np.moveaxis(x, 0, 2), A((2, 3, 4))),
    R("expand", lambda x: x.expand(3, 4), lambda x: np.broadcast_to(x, (3, 4)), A((1, 4)),
      grad=lambda g, x: (g.sum(0, keepdims=True),)),
    R("expand-new-dims", lambda x: x.expand(2, -1, -1), lambda x: np.broadcast_to(x, (2, 3, 4)), A((3, 4), layout="T")),
    R("expand-0d", lambda x: x.expand(3), lambda x: np.broadcast_to(x, (3,)), A(())),
    R("expand_as", lambda x, y: x.expand_as(y) * y, lambda x, y: x * y, A((3, 1)), A((3, 4))),
    R("broadcast_to", lambda x: ember.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)),
      A((3, 1))),
    R("narrow", lambda x: x.narrow(1, 1, 2), lambda x: x[:, 1:3], A((3, 4))),
    R("narrow-fn", lambda x: ember.narrow(x, 0, 1, 2), lambda x: x[1:3], A((3, 4), layout="T")),
    R("select", lambda x: x.select(0, 1), lambda x: x[1], A((3, 4)), grad=lambda g, x: (np.eye(3)[1][:, None] * g,)),
    R("select-neg", lambda x: ember.select(x, -1, -2), lambda x: x[..., -2], A((2, 3, 4), layout="step")),
    R("slice-steps", lambda x: x[::2, 1::2], lambda x: x[::2, 1::2], A((5, 6))),
    R("slice-step-3", lambda x: x[1:, ::3], lambda x: x[1:, ::3], A((3, 7), layout="T")),
    R("chunk", lambda x: x.chunk(3, dim=1), lambda x: np.split(x, [3, 6], 1), A((2, 7))),
    R("chunk-one-used", lambda x: ember.chunk(x, 2)[1], lambda x: x[2:], A((4, 3), layout="T")),
    R("split-size", lambda x: x.split(2), lambda x: np.split(x, [2, 4]), A((5, 3))),
    R("split-sizes", lambda x: ember.split(x, [1, 3], dim=1), lambda x: np.split(x, [1], 1), A((2, 4), layout="step")),
    R("unbind", lambda x: x.unbind(1), lambda x: tuple(x[:, i] for i in range(4)), A((3, 4))),
    R("unbind-fn", lambda x: ember.unbind(x), lambda x: tuple(x), A((3, 4), layout="T")),
    R("as_strided", lambda x: x.as_strided((2, 2), (1, 3), 1), lambda x: as_strided_ref(x, (2, 2), (1, 3), 1),
      A((3, 4))),
    R("as_strided-overlap", lambda x: ember.as_strided(x, (3, 3), (1, 1)), lambda x: as_strided_ref(x, (3, 3), (1, 1)),
      A((6,))),
    # ---- copies
    R("contiguous", lambda x: x.contiguous(), lambda x: x.copy(), A((3, 4), layout="T")),
    R("clone", lambda x: x.clone(), lambda x: x.copy(), A((3, 4), layout="step")),
    R("clone-fn", lambda x: ember.clone(x), lambda x: x.copy(), A(())),
    R("cat", lambda a, b: ember.cat([a, b], 1), lambda a, b: np.concatenate([a, b], 1), A((2, 3)),
      A((2, 2), layout="T")),
    R("cat-dim0-3", lambda a, b, c: ember.cat((a, b, c)), lambda a, b, c: np.concatenate([a, b, c]), A((1, 3)),
      A((2, 3), layout="step"), A((1, 3))),
    R("cat-same-twice", lambda a: ember.cat([a, a * 2]), lambda a: np.concatenate([a, a * 2]), A((3,))),
    R("stack", lambda a, b: ember.stack([a, b], 1), lambda a, b: np.stack([a, b], 1), A((2, 3)), A((2, 3), layout="T")),
    R("stack-0d", lambda a, b: ember.stack([a, b]), lambda a, b: np.stack([a, b]), A(()), A(())),
    R("repeat", lambda x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), A((2, 3))),
    R("repeat-T", lambda x: x.repeat(2, 2), lambda x: np.tile(x, (2, 2)), A((3, 2), layout="T")),
    R("flip", lambda x: x.flip(0), lambda x: np.flip(x, 0), A((3, 4))),
    R("flip-dims", lambda x: ember.flip(x, (0, 2)), lambda x: np.flip(x, (0, 2)), A((2, 3, 4), layout="T")),
    R("tril", lambda x: x.tril(), np.tril, A((4, 4)), grad=lambda g, x: (np.tril(g),)),
    R("tril-neg", lambda x: ember.tril(x, -1), lambda x: np.tril(x, -1), A((3, 4), layout="T")),
    R("triu", lambda x: x.triu(1), lambda x: np.triu(x, 1), A((3, 4), layout="step")),
    R("triu-batched", lambda x: ember.triu(x), np.triu, A((2, 3, 3))),
    R("to-float32", lambda x: x.to(F32), lambda x: x.copy(), A((3, 4))),
    R("to-dtype-kw", lambda x: x.to(dtype=F32) * 2, lambda x: x * 2, A((3, 4), layout="T")),
    R("float()", lambda x: x.float(), lambda x: x.copy(), A(())),
    R("double()-noop", lambda x: x.double(), lambda x: x.copy(), A((3,))),
    # ---- indexing
    R("getitem-int", lambda x: x[1], lambda x: x[1], A((3, 4))),
    R("getitem-neg-int-pair", lambda x: x[-1, 2], lambda x: x[-1, 2], A((3, 4), layout="T")),
    R("getitem-slice", lambda x: x[1:3], lambda x: x[1:3], A((4, 3))),
    R("getitem-None", lambda x: x[None], lambda x: x[None], A((3, 4))),
    R("getitem-None-0d", lambda x: x[None], lambda x: x[None], A(())),
    R("getitem-ellipsis", lambda x: x[..., 1], lambda x: x[..., 1], A((2, 3, 4), layout="step")),
    R("getitem-ellipsis-0d", lambda x: x[...], lambda x: x[...], A(())),
    R("getitem-mixed", lambda x: x[1, None, ::2, ..., -1], lambda x: x[1, None, ::2, ..., -1], A((2, 5, 3))),
    R("index-repeated", lambda x: x[L(IDX)], lambda x: x[IDX], A((3, 4)),
      grad=lambda g, x: (np.stack([g[IDX == i].sum(0) for i in range(3)]),)),
    R("index-dim1", lambda x: x[:, L(IDX)], lambda x: x[:, IDX], A((2, 3), layout="T")),
    R("index-pair", lambda x: x[L(IDX), L([0, 1, 0, 0])], lambda x: x[IDX, [0, 1, 0, 0]], A((3, 2))),
    R("index-2d-index", lambda x: x[L([[0, 1], [1, 1]])], lambda x: x[np.array([[0, 1], [1, 1]])], A((3,))),
    R("index-list", lambda x: x[[0, 0, 2]], lambda x: x[[0, 0, 2]], A((3, 2), layout="step")),
    R("index-bool-mask", lambda x: x[L(MASK)], lambda x: x[MASK], A((3, 4))),
    R("index-bool-rows", lambda x: x[L([True, False, True])], lambda x: x[[True, False, True]], A((3, 4), layout="T")),
    R("gather", lambda x: x.gather(1, L(GIDX)), lambda x: np.take_along_axis(x, GIDX, 1), A((2, 4))),
    R("gather-fn-T", lambda x: ember.gather(x, 0, L(GIDX.T % 2)), lambda x: x[GIDX.T % 2, np.arange(2)],
      A((2, 4), layout="T")),
    R("scatter", lambda x, s: x.scatter(1, L(SIDX), s), lambda x, s: scatter_ref(x, SIDX, s), A((2, 4)), A((2, 2))),
    R("scatter-fn", lambda x, s: ember.scatter(x, 1, L(SIDX), s), lambda x, s: scatter_ref(x, SIDX, s),
      A((2, 4), layout="T"), A((2, 2), layout="step")),
    R("scatter_add", lambda x, s: x.scatter_add(1, L(GIDX), s), lambda x, s: scatter_ref(x, GIDX, s, True), A((2, 4)),
      A((2, 3)), grad=lambda g, x, s: (g, np.take_along_axis(g, GIDX, 1))),
    R("scatter_add-fn", lambda x, s: ember.scatter_add(x, 1, L(GIDX), s), lambda x, s: scatter_ref(x, GIDX, s, True),
      A((2, 4), layout="step"), A((2, 3), layout="T")),
    R("index_select", lambda x: x.index_select(0, L(IDX)), lambda x: x[IDX], A((3, 4))),
    R("index_select-dim1", lambda x: ember.index_select(x, 1, L(IDX)), lambda x: x[:, IDX], A((2, 3), layout="T")),
    R("masked_fill", lambda x: x.masked_fill(L(MASK), 0.5), lambda x: np.where(MASK, 0.5, x), A((3, 4)),
      grad=lambda g, x: (g * ~MASK,)),
    R("masked_fill-bcast", lambda x: ember.masked_fill(x, L(MASK[0]), -1.0), lambda x: np.where(MASK[0], -1.0, x),
      A((3, 4), layout="T")),
    R("masked_fill-0d-value", lambda x, v: x.masked_fill(L(MASK), v), lambda x, v: np.where(MASK, v, x), A((3, 4)),
      A(())),
    R("masked_select", lambda x: x.masked_select(L(MASK)), lambda x: x[MASK], A((3, 4), layout="step")),
    R("masked_select-bcast", lambda x: ember.masked_select(x, L(MASK[1])),
      lambda x: x[np.broadcast_to(MASK[1], x.shape)], A((3, 4))),
    # ---- matmul family
    R("matmul-1d-1d", lambda a, b: a @ b, np.matmul, A((4,)), A((4,)), grad=lambda g, a, b: (g * b, g * a)),
    R("matmul-2d-1d", lambda a, b: a @ b, np.matmul, A((3, 4)), A((4,)),
      grad=lambda g, a, b: (np.outer(g, b), a.T @ g)),
    R("matmul-1d-2d", lambda a, b: ember.matmul(a, b), np.matmul, A((3,)), A((3, 4), layout="T")),
    R("matmul-2d-2d", lambda a, b: a @ b, np.matmul, A((3, 4)), A((4, 2)), grad=lambda g, a, b: (g @ b.T, a.T @ g)),
    R("matmul-T-step", lambda a, b: a.matmul(b), np.matmul, A((3, 4), layout="T"), A((4, 2), layout="step")),
    R("matmul-batched", lambda a, b: a @ b, np.matmul, A((2, 3, 4)), A((2, 4, 2), layout="T"),
      grad=lambda g, a, b: (g @ b.swapaxes(1, 2), a.swapaxes(1, 2) @ g)),
    R("matmul-bcast", lambda a, b: a @ b, np.matmul, A((2, 1, 3, 4)), A((3, 4, 2))),
    R("matmul-3d-2d", lambda a, b: a @ b, np.matmul, A((2, 3, 4), layout="step"), A((4, 2))),
    R("matmul-1d-3d", lambda a, b: a @ b, np.matmul, A((3,)), A((2, 3, 4))),
    R("matmul-3d-1d", lambda a, b: a @ b, np.matmul, A((2, 3, 4)), A((4,))),
    R("mm", lambda a, b: a.mm(b), np.matmul, A((3, 4)), A((4, 2), layout="T"), grad=lambda g, a, b: (g @ b.T, a.T @ g)),
    R("mm-fn", lambda a, b: ember.mm(a, b), np.matmul, A((3, 4), layout="step"), A((4, 2))),
    R("bmm", lambda a, b: a.bmm(b), np.matmul, A((2, 3, 4)), A((2, 4, 2))),
    R("bmm-fn-T", lambda a, b: ember.bmm(a, b), np.matmul, A((2, 3, 4), layout="T"), A((2, 4, 2), layout="step")),
    R("dot", lambda a, b: a.dot(b), np.dot, A((5,)), A((5,)), grad=lambda g, a, b: (g * b, g * a)),
    R("dot-fn-step", lambda a, b: ember.dot(a, b), np.dot, A((4,), layout="step"), A((4,))),
    R("outer", lambda a, b: a.outer(b), np.outer, A((3,)), A((4,)), grad=lambda g, a, b: (g @ b, a @ g)),
    R("outer-fn-step", lambda a, b: ember.outer(a, b), np.outer, A((3,), layout="step"), A((2,))),
    # ---- compositions: one leaf used many times, through several ops
    R("x*x+x", lambda x: x * x + x, lambda x: x * x + x, A((3, 4)), grad=lambda g, x: (g * (2 * x + 1),)),
    R("mlp", lambda x, w, b: ((x @ w + b).tanh() ** 2).mean(), lambda x, w, b: (np.tanh(x @ w + b) ** 2).mean(),
      A((4, 3)), A((3, 2), layout="T"), A((2,))),
    R("softmax-by-hand", lambda x: (x - x.logsumexp(1, keepdim=True)).exp(),
      lambda x: np.exp(x - logsumexp(x, 1, True)), A((3, 4))),
    # ---- element moves (rearrange.cpp), nan_to_num, glu, nansum, float_power
    R("roll-flat", lambda x: ember.roll(x, 5), lambda x: np.roll(x.reshape(-1), 5).reshape(x.shape),
      A((3, 4), layout="T"), grad=lambda g, x: (np.roll(g.reshape(-1), -5).reshape(x.shape),)),
    R("roll-dims", lambda x: x.roll((1, -2), (0, 2)), lambda x: np.roll(np.roll(x, 1, 0), -2, 2), A((2, 3, 4))),
    R("roll-same-dim-twice", lambda x: x.roll((1, 2), (1, 1)), lambda x: np.roll(x, 3, 1), A((3, 5), layout="step")),
    R("diag-embed", lambda x: ember.diag(x, 1), lambda x: np.diag(x, 1), A((4,)),
      grad=lambda g, x: (np.diag(g, 1),)),
    R("diag-of-matrix", lambda x: ember.diag(x, -1), lambda x: np.diag(x, -1).copy(), A((4, 3), layout="T")),
    R("diagonal", lambda x: x.diagonal(1, 0, 2), lambda x: np.diagonal(x, 1, 0, 2).copy(), A((3, 2, 4))),
    R("diagonal-of-view", lambda x: ember.diagonal(x[:, 1:], -1, -1, 0),
      lambda x: np.diagonal(x[:, 1:], -1, -1, 0).copy(), A((3, 2, 4), layout="step")),
    R("repeat_interleave-int", lambda x: x.repeat_interleave(3, dim=1), lambda x: np.repeat(x, 3, 1),
      A((2, 3), layout="T"), grad=lambda g, x: (g.reshape(2, 3, 3).sum(2),)),
    R("repeat_interleave-flat", lambda x: ember.repeat_interleave(x, 2), lambda x: np.repeat(x, 2), A((2, 3))),
    R("repeat_interleave-tensor", lambda x: ember.repeat_interleave(x, L([2, 0, 1]), 0),
      lambda x: np.repeat(x, [2, 0, 1], 0), A((3, 2))),
    R("diff", lambda x: x.diff(), lambda x: np.diff(x), A((3, 4), layout="T")),
    R("diff-n2-prepend-append", lambda x, p, a: ember.diff(x, 2, 0, prepend=p, append=a),
      lambda x, p, a: np.diff(x, 2, 0, prepend=p, append=a), A((3, 4)), A((1, 4)), A((2, 4), layout="step")),
    R("nan_to_num-finite", lambda x: ember.nan_to_num(x * 3), lambda x: x * 3, A((3, 4), layout="T"),
      grad=lambda g, x: (3 * g,)),
    R("glu", lambda x: ember.nn.functional.glu(x), lambda x: x[:, :2] * sigmoid(x[:, 2:]), A((3, 4))),
    R("glu-dim0", lambda x: ember.nn.functional.glu(x, 0), lambda x: x[:2] * sigmoid(x[2:]), A((4, 3), layout="T")),
    R("nansum", lambda x: ember.nansum(x, 1), lambda x: np.nansum(x, 1), A((3, 4)),
      grad=lambda g, x: (g[:, None] + 0 * x,)),
    R("float_power", lambda x, y: ember.float_power(x, y), np.power, A((3, 4), "pos"), A((4,), "exponent")),
]


@pytest.mark.parametrize("f, ref, inputs, grad", OTHER)
def test_op_grad(f, ref, inputs, grad):
    check_grad(f, ref, inputs, grad)


# ============================================================================ kinks, ties and zeros
# Not differentiable at these points: PyTorch's choices (2.13, recorded by hand), grads from ones.
def K(name, f, inputs, grads):
    return pytest.param(f, inputs, grads, id=name)


INF = float("inf")
KINKS = [
    K("abs(0)", lambda x: x.abs(), [[0.0, 1.0, -1.0]], [[0.0, 1.0, -1.0]]),
    K("relu(0)", lambda x: x.relu(), [[0.0, 1.0, -1.0]], [[0.0, 1.0, 0.0]]),
    K("sign", lambda x: x.sign(), [[0.0, 1.0, -1.0]], [[0.0, 0.0, 0.0]]),
    K("round(.5)", lambda x: x.round(), [[0.5, 1.5]], [[0.0, 0.0]]),
    K("maximum-ties", ember.maximum, [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]], [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]]),
    K("minimum-ties", ember.minimum, [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]], [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]),
    K("clamp-at-bounds", lambda x: x.clamp(-1, 1), [[-1.0, 1.0, 0.0, 2.0, -2.0]], [[1.0, 1.0, 1.0, 0.0, 0.0]]),
    K("clamp-tensor-at-bounds", lambda x, lo, hi: x.clamp(lo, hi), [[-1.0, 1.0, 0.0, 2.0, -2.0], [-1.0] * 5, [1.0] * 5],
      [[1.0, 1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0, 0.0]]),
    K("clamp-tensor-min>max", lambda x, lo, hi: x.clamp(lo, hi), [[0.0, 0.5, 2.0], [1.0] * 3, [-1.0] * 3],
      [[0.0] * 3, [0.0] * 3, [1.0] * 3]),
    K("clamp-min>max", lambda x: x.clamp(1, -1), [[0.0, 2.0, -2.0]], [[0.0, 0.0, 0.0]]),
    K("amax-ties", lambda x: x.amax(), [[1.0, 3.0, 3.0, 2.0]], [[0.0, 0.5, 0.5, 0.0]]),
    K("max()-ties", lambda x: x.max(), [[1.0, 3.0, 3.0, 2.0]], [[0.0, 0.5, 0.5, 0.0]]),
    K("min()-ties", lambda x: x.min(), [[1.0, 1.0, 3.0, 1.0]], [[1 / 3, 1 / 3, 0.0, 1 / 3]]),
    K("amax(dim)-ties", lambda x: x.amax(1), [[[1.0, 3.0, 3.0, 2.0], [5.0] * 4]],
      [[[0.0, 0.5, 0.5, 0.0], [0.25] * 4]]),
    K("max(dim)-ties-first", lambda x: x.max(0).values, [[1.0, 3.0, 3.0, 2.0]], [[0.0, 1.0, 0.0, 0.0]]),
    K("min(dim)-ties-first", lambda x: x.min(0).values, [[1.0, 1.0, 3.0, 2.0]], [[1.0, 0.0, 0.0, 0.0]]),
    K("norm-inf-ties", lambda x: x.norm(INF), [[1.0, -3.0, 3.0, 2.0]], [[0.0, -0.5, 0.5, 0.0]]),
    K("norm-2-at-0", lambda x: x.norm(), [[0.0, 0.0]], [[0.0, 0.0]]),
    K("norm-1-at-0", lambda x: x.norm(1), [[0.0, 1.0, -2.0]], [[0.0, 1.0, -1.0]]),
    K("std-constant", lambda x: x.std(), [[1.0, 1.0, 1.0]], [[0.0, 0.0, 0.0]]),
    K("sqrt(0)", lambda x: x.sqrt(), [[0.0, 1.0]], [[INF, 0.5]]),
    K("x**0.5 at 0", lambda x: x ** 0.5, [[0.0, 1.0]], [[INF, 0.5]]),
    K("x**2 at 0", lambda x: x ** 2, [[0.0]], [[0.0]]),
    K("0**y", lambda x, y: x ** y, [[0.0, 0.0, 0.0], [2.0, 0.0, -1.0]], [[0.0, 0.0, -INF], [0.0, 0.0, -INF]]),
    K("0.0**y", lambda y: 0.0 ** y, [[2.0, 0.0, 1.0]], [[0.0, 0.0, 0.0]]),
    K("prod-one-zero", lambda x: x.prod(), [[0.0, 2.0, 3.0]], [[6.0, 0.0, 0.0]]),
    K("prod-two-zeros", lambda x: x.prod(), [[0.0, 0.0, 3.0]], [[0.0, 0.0, 0.0]]),
    K("prod(dim)-zeros", lambda x: x.prod(1), [[[0.0, 2.0, 3.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]]],
      [[[6.0, 0.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]]),
    K("fmod-exact", ember.fmod, [[5.5, -5.5], [2.0, 2.0]], [[1.0, 1.0], [-2.0, 2.0]]),
    K("remainder-exact", ember.remainder, [[5.5, -5.5], [2.0, 2.0]], [[1.0, 1.0], [-2.0, 3.0]]),
    K("atan2(0, 0)", ember.atan2, [[0.0], [0.0]], [[0.0], [-0.0]]),
    K("where-scalar-other", lambda x: ember.where(x > 0, x, 0.0), [[1.0, -1.0]], [[1.0, 0.0]]),
]


@pytest.mark.parametrize("f, inputs, grads", KINKS)
def test_kink_grad(f, inputs, grads):
    xs = [T(v, dtype=F64, requires_grad=True) for v in inputs]
    out = f(*xs)
    out.backward(ember.ones_like(out))
    for x, want in zip(xs, grads):
        np.testing.assert_array_equal(numpy_of(x.grad), np.array(want))


# ============================================================================ gradcheck / gradgradcheck
def leaves(*specs, seed=1):
    gen = rng(seed)
    return tuple(make(gen, s, F64, d, lay)[0].requires_grad_() for s, d, lay in specs)


GRADCHECK = [  # (label, f, inputs) on a representative subset; also run through gradgradcheck
    ("mul-bcast", lambda a, b: a * b, (A((2, 3)), A((3,)))),
    ("div", lambda a, b: a / b, (A((2, 3)), A((2, 3), "nonzero"))),
    ("pow", lambda a, b: a ** b, (A((2, 3), "pos"), A((2, 3)))),
    ("pow-scalar", lambda a: a ** 3, (A((2, 3)),)),
    ("exp", lambda a: a.exp(), (A((2, 3), layout="T"),)),
    ("log", lambda a: a.log(), (A((2, 3), "pos"),)),
    ("tanh", lambda a: a.tanh(), (A((2, 3)),)),
    ("sigmoid", lambda a: a.sigmoid(), (A((2, 3), layout="step"),)),
    ("sqrt", lambda a: a.sqrt(), (A((2, 3), "pos"),)),
    ("sin-cos", lambda a: a.sin() * a.cos(), (A((4,)),)),
    ("atan2", ember.atan2, (A((3,)), A((3,), "nonzero"))),
    ("matmul", lambda a, b: a @ b, (A((2, 3)), A((3, 2), layout="T"))),
    ("bmm", lambda a, b: a.bmm(b), (A((2, 2, 3)), A((2, 3, 2)))),
    ("sum-dim", lambda a: (a * a).sum(1), (A((2, 3)),)),
    ("mean", lambda a: (a * a).mean(), (A((2, 3)),)),
    ("prod", lambda a: a.prod(1), (A((2, 3), "near1"),)),
    ("var", lambda a: a.var(0), (A((3, 2)),)),
    ("std", lambda a: a.std(), (A((2, 3)),)),
    ("norm", lambda a: a.norm(), (A((2, 3)),)),
    ("logsumexp", lambda a: a.logsumexp(1), (A((2, 3)),)),
    ("amax", lambda a: a.amax(1), (A((2, 3), "distinct"),)),
    ("sort", lambda a: (a.sort(0).values * a).sum(1), (A((3, 2), "distinct", "T"),)),
    ("topk", lambda a: a.topk(2).values ** 2, (A((2, 4), "distinct"),)),
    ("kthvalue-median", lambda a: a.kthvalue(2, 0).values * a.median(), (A((3, 3), "distinct"),)),
    ("cumsum", lambda a: (a * a).cumsum(1), (A((2, 3)),)),
    ("cat-stack", lambda a, b: ember.stack([ember.cat([a, b]) ** 2, ember.cat([b, a])]), (A((2,)), A((3,)))),
    ("index-repeated", lambda a: a[L(IDX)] ** 2, (A((3, 2)),)),
    ("gather", lambda a: a.gather(1, L(GIDX)) ** 2, (A((2, 4)),)),
    ("masked_fill", lambda a: a.masked_fill(L(MASK), 1.0) ** 2, (A((3, 4)),)),
    ("where", lambda a, b: ember.where(L(MASK), a * a, b * a), (A((3, 4)), A((4,)))),
    ("clamp-tensor", lambda a, lo: a.clamp(min=lo) ** 2, (A((2, 3)), A((3,)))),
    ("as_strided", lambda a: a.as_strided((2, 2), (1, 2)) ** 2, (A((4,)),)),
    ("roll-diag-diagonal", lambda a: ember.diag(ember.roll(a, 1, 0).diagonal() ** 2), (A((3, 3), layout="T"),)),
    ("repeat_interleave-diff", lambda a: ember.diff(a.repeat_interleave(L([1, 2]), 0) ** 2, dim=0), (A((2, 3)),)),
    ("inplace-views", lambda a: (a * a).t_().unsqueeze_(0).squeeze_(0), (A((2, 3)),)),
    # Python composites (tests/test_composite_ops.py has their forward rows)
    ("einsum", lambda a, b: ember.einsum("bij,bjk->bik", a, b), (A((2, 2, 3)), A((2, 3, 2)))),
    ("einsum-diag-ellipsis", lambda a, b: ember.einsum("...ii,...i->...", a, b), (A((2, 3, 3)), A((3,)))),
    ("cumprod", lambda a: a.cumprod(1), (A((2, 4)),)),
    ("lerp-addcdiv", lambda a, b, w: ember.addcdiv(ember.lerp(a, b, w), a, b, value=0.5),
     (A((2, 3)), A((2, 3), "nonzero"), A((3,)))),
    ("logit", lambda a: ember.logit(a.sigmoid() * 0.9), (A((2, 3)),)),
    ("cosine_similarity", lambda a, b: ember.nn.functional.cosine_similarity(a, b), (A((2, 3)), A((3,)))),
    ("index_add", lambda a, b: a.index_add(0, L([0, 2, 0]), b * b, alpha=2), (A((3, 2)), A((3, 2)))),
]


@pytest.mark.parametrize("name, f, specs", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck(name, f, specs):
    assert ember.autograd.gradcheck(f, leaves(*specs))


@pytest.mark.parametrize("name, f, specs", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradgradcheck(name, f, specs):
    assert ember.autograd.gradgradcheck(f, leaves(*specs))


@pytest.mark.parametrize("name, f, specs", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_double_backward(name, f, specs):
    """The same rows without gradgradcheck: d/dx <vjp(x, v), w> against central differences of the vjp."""
    xs = leaves(*specs)
    gen = rng(5)
    v = T(gen.standard_normal(tuple(f(*xs).shape)))
    ws = [gen.standard_normal(tuple(x.shape)) for x in xs]

    def vjp_dot_w(arrays):
        ins = [T(a).requires_grad_() for a in arrays]
        gs = ember.autograd.grad(f(*ins), ins, v, allow_unused=True, materialize_grads=True)
        return sum(float(np.sum(numpy_of(g) * w)) for g, w in zip(gs, ws))

    arrays = [numpy_of(x.detach()) for x in xs]
    numeric = numeric_grads(lambda *a: vjp_dot_w(a), arrays, [1.0])
    gs = ember.autograd.grad(f(*xs), xs, v, create_graph=True)
    s = sum((g * T(w)).sum() for g, w in zip(gs, ws))
    if s.requires_grad:
        got = ember.autograd.grad(s, xs, allow_unused=True, materialize_grads=True)
    else:  # the first derivative does not depend on the inputs (amax: a constant mask)
        got = [ember.zeros_like(x) for x in xs]
    for i, (g, want) in enumerate(zip(got, numeric)):
        np.testing.assert_allclose(numpy_of(g), want, err_msg=f"input {i}", **NUM_TOL)


# ============================================================================ second derivatives (create_graph)
SECOND = [  # (label, f, d2f/dx2 elementwise, domain)
    ("x**3", lambda x: x ** 3, lambda x: 6 * x, "real"),
    ("x.pow(4)", lambda x: x.pow(4), lambda x: 12 * x ** 2, "real"),
    ("sin", lambda x: x.sin(), lambda x: -np.sin(x), "real"),
    ("cos", lambda x: x.cos(), lambda x: -np.cos(x), "real"),
    ("exp", lambda x: x.exp(), np.exp, "real"),
    ("log", lambda x: x.log(), lambda x: -1 / x ** 2, "pos"),
    ("sqrt", lambda x: x.sqrt(), lambda x: -0.25 * x ** -1.5, "pos"),
    ("reciprocal", lambda x: 1 / x, lambda x: 2 / x ** 3, "nonzero"),
    ("tanh", lambda x: x.tanh(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), "real"),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)), "real"),
    ("x*sin(x)", lambda x: x * x.sin(), lambda x: 2 * np.cos(x) - x * np.sin(x), "real"),
    ("exp(x)*x*x", lambda x: x.exp() * x * x, lambda x: np.exp(x) * (x * x + 4 * x + 2), "real"),
    ("2**x", lambda x: 2.0 ** x, lambda x: 2.0 ** x * np.log(2) ** 2, "real"),
    ("relu(x)**2", lambda x: x.relu() ** 2, lambda x: 2.0 * (x > 0), "nonzero"),
]


@pytest.mark.parametrize("name, f, d2, domain", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivative(name, f, d2, domain):
    x, a = make(rng(2), (5,), F64, domain)
    x.requires_grad_()
    (g,) = ember.autograd.grad(f(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(numpy_of(h), d2(a), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("row", [pytest.param(r, id=r[0]) for r in UNARY])
def test_unary_second_derivative(row):
    """Every unary row through create_graph: d2f/dx2 against central differences of the row's analytic f'."""
    _, f, _, grad, domain = row
    x, a = make(rng(6), (5,), F64, domain)
    x.requires_grad_()
    (g,) = ember.autograd.grad(f(x).sum(), x, create_graph=True)
    h = ember.autograd.grad(g.sum(), x, allow_unused=True, materialize_grads=True)[0] if g.requires_grad else None
    d = lambda v: grad(np.ones_like(v), v)[0]  # noqa: E731
    want = (d(a + EPS) - d(a - EPS)) / (2 * EPS)
    np.testing.assert_allclose(numpy_of(h.clone()) if h is not None else np.zeros(5), want, **NUM_TOL)


MIXED = [  # (label, f(x, y), d/dy of sum(df/dx), d/dx of sum(df/dx)), elementwise
    ("x*y", lambda x, y: x * y, lambda x, y: np.ones_like(x), lambda x, y: np.zeros_like(x)),
    ("x*x*y", lambda x, y: x * x * y, lambda x, y: 2 * x, lambda x, y: 2 * y),
    ("x**y", lambda x, y: x ** y, lambda x, y: x ** (y - 1) * (1 + y * np.log(x)),
     lambda x, y: y * (y - 1) * x ** (y - 2)),
    ("sin(x*y)", lambda x, y: (x * y).sin(), lambda x, y: np.cos(x * y) - x * y * np.sin(x * y),
     lambda x, y: -y * y * np.sin(x * y)),
    ("x/y", lambda x, y: x / y, lambda x, y: -1 / y ** 2, lambda x, y: np.zeros_like(x)),
]


@pytest.mark.parametrize("name, f, dxdy, dxdx", MIXED, ids=[m[0] for m in MIXED])
def test_mixed_second_derivative(name, f, dxdy, dxdx):
    gen = rng(3)
    (x, a), (y, b) = make(gen, (4,), F64, "pos"), make(gen, (4,), F64, "pos")
    x.requires_grad_(), y.requires_grad_()
    (gx,) = ember.autograd.grad(f(x, y).sum(), x, create_graph=True)
    hx, hy = ember.autograd.grad(gx.sum(), (x, y), allow_unused=True, materialize_grads=True)
    np.testing.assert_allclose(numpy_of(hy), dxdy(a, b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(numpy_of(hx), dxdx(a, b), rtol=1e-10, atol=1e-12)


def test_third_derivative_of_x_pow_4():
    x = T([0.5, -1.0, 2.0], dtype=F64, requires_grad=True)
    (g1,) = ember.autograd.grad((x ** 4).sum(), x, create_graph=True)
    (g2,) = ember.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = ember.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(numpy_of(g3), 24 * np.array([0.5, -1.0, 2.0]), rtol=1e-12)


def test_second_derivative_through_matmul():
    """d/dW of sum(d/dx sum((x @ W)**2)): the gradient's own backward goes through matmul's backward."""
    gen = rng(4)
    (x, a), (w, b) = make(gen, (2, 3), F64), make(gen, (3, 4), F64)
    x.requires_grad_(), w.requires_grad_()
    (gx,) = ember.autograd.grad(((x @ w) ** 2).sum(), x, create_graph=True)  # 2 (x W) W^T
    (gw,) = ember.autograd.grad(gx.sum(), w)
    # gx.sum() = 2 sum_k (sum_i (xW)_ik) (sum_j W_jk); d/dW by the product rule
    ones_n, ones_m = np.ones(2), np.ones(3)
    s_xw, s_w = ones_n @ (a @ b), ones_m @ b
    want = 2 * (np.outer(a.T @ ones_n, s_w) + np.outer(ones_m, s_xw))
    np.testing.assert_allclose(numpy_of(gw), want, rtol=1e-10)
