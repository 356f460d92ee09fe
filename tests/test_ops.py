"""The op table: each op of the foundation API against a float64 NumPy reference.

Every row runs over broadcasting pairs, 0-d, empty and non-contiguous inputs and
each dtype the op takes, and asserts the result's values, shape and dtype (the
dtype PyTorch gives). Adding an op adds a row."""
import math
import operator as op
import warnings

import numpy as np
import pytest

import ember
from helpers import (ALL, BOOL, F32, F64, FLOATS, I32, I64, INTS, NAME, NUMERIC, NP, category, check, make,
                     numpy_of, result_type, rng, scalar_value, to_float)

SAME, FLOAT, TO_BOOL = "same", "float", "bool"   # result dtype rules
T = ember.tensor


def M(name):
    """The Tensor method `name`, as a function of (self, *args)."""
    def method(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)
    method.__name__ = f"Tensor.{name}"
    return method


def label(f):
    mod = getattr(f, "__module__", None) or ""
    return f"operator.{f.__name__}" if mod in ("_operator", "operator") else f"{mod}.{f.__name__}"


def is_operator(f):
    return getattr(f, "__module__", None) in ("_operator", "operator", "builtins")


def ref(f):
    """A NumPy reference that may meet inf/nan (or an empty mean) quietly: the comparison checks them."""
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return f(*args, **kwargs)
    return quiet


def out_dtype(rule, d):
    return {SAME: d, FLOAT: to_float(d), TO_BOOL: BOOL}[rule]


def ids(rows):
    return [r[0] for r in rows]


# ============================================================================ unary
def U(name, f, dtypes=ALL, domain="real", rule=SAME, forms=None):
    return (name, forms or [getattr(ember, name), M(name)], ref(f), dtypes, domain, rule)


UNARY = [
    U("neg", np.negative, NUMERIC, forms=[op.neg, ember.neg, ember.negative, M("neg")]),
    U("abs", np.abs, NUMERIC, forms=[abs, ember.abs, M("abs")]),
    U("exp", np.exp, rule=FLOAT),
    U("log", np.log, domain="pos", rule=FLOAT),
    U("log2", np.log2, domain="pos", rule=FLOAT),
    U("log10", np.log10, domain="pos", rule=FLOAT),
    U("log1p", np.log1p, domain="gt-1", rule=FLOAT),
    U("expm1", np.expm1, rule=FLOAT),
    U("sqrt", np.sqrt, domain="pos", rule=FLOAT),
    U("rsqrt", lambda a: 1 / np.sqrt(a), domain="pos", rule=FLOAT),
    U("reciprocal", lambda a: 1 / a, domain="nonzero", rule=FLOAT),
    U("square", np.square, NUMERIC),
    U("sin", np.sin, rule=FLOAT),
    U("cos", np.cos, rule=FLOAT),
    U("tan", np.tan, domain="tan", rule=FLOAT),
    U("asin", np.arcsin, domain="unit", rule=FLOAT),
    U("acos", np.arccos, domain="unit", rule=FLOAT),
    U("atan", np.arctan, rule=FLOAT),
    U("sinh", np.sinh, rule=FLOAT),
    U("cosh", np.cosh, rule=FLOAT),
    U("tanh", np.tanh, rule=FLOAT),
    U("erf", np.vectorize(math.erf, otypes=[np.float64]), rule=FLOAT),
    U("sigmoid", lambda a: 1 / (1 + np.exp(-a)), rule=FLOAT),
    U("relu", lambda a: np.maximum(a, 0), NUMERIC),
    U("sign", np.sign),
    U("floor", np.floor, NUMERIC),
    U("ceil", np.ceil, NUMERIC),
    U("round", np.round, NUMERIC),
    U("trunc", np.trunc, NUMERIC),
    U("frac", lambda a: a - np.trunc(a), FLOATS),
    U("logical_not", lambda a: a == 0, domain="int", rule=TO_BOOL),
    U("isnan", np.isnan, rule=TO_BOOL),
    U("isinf", np.isinf, rule=TO_BOOL),
    U("isfinite", np.isfinite, rule=TO_BOOL),
    U("nan_to_num", lambda a: a, forms=[ember.nan_to_num, M("nan_to_num")]),
    U("~bool", lambda a: 1 - a, (BOOL,), forms=[op.invert]),
    U("~int", lambda a: -a - 1, INTS, forms=[op.invert]),
]

UNARY_CASES = [  # (label, shape, layout)
    ("3x4", (3, 4), "contig"),
    ("1-d", (7,), "contig"),
    ("0-d", (), "contig"),
    ("empty", (0, 3), "contig"),
    ("transposed", (2, 3, 4), "T"),
    ("stepped", (3, 5), "step"),
    ("expanded", (3, 4), "expand"),
    ("large", (256, 300), "contig"),
    ("large-T", (300, 256), "T"),
]


@pytest.mark.parametrize("row, case, dtype", [
    pytest.param(row, case, d, id=f"{row[0]}-{case[0]}-{NAME[d]}")
    for row in UNARY for case in UNARY_CASES for d in row[3]])
def test_unary(row, case, dtype):
    name, forms, f, _, domain, rule = row
    x, a = make(rng(), case[1], dtype, domain, case[2])
    want = f(a)
    for form in forms:
        check(form(x), want, out_dtype(rule, dtype), what=label(form))


# ============================================================================ binary
def B(name, forms, f, dtypes=ALL, a="real", b="real", rule=SAME, scalars=True):
    """scalars: True (Python numbers on either side), "no-bool" (not True/False), or False."""
    return (name, forms, ref(f), dtypes, a, b, rule, scalars)


def _logical(f):
    return lambda x, y: f(x != 0, y != 0)


def _bitwise(f):
    return lambda x, y: f(x.astype(np.int64), y.astype(np.int64))


BINARY = [
    B("add", [op.add, ember.add, M("add")], np.add),
    B("sub", [op.sub, ember.sub, ember.subtract, M("sub")], np.subtract, NUMERIC, scalars="no-bool"),
    B("mul", [op.mul, ember.mul, ember.multiply, M("mul")], np.multiply),
    B("div", [op.truediv, ember.div, ember.divide, ember.true_divide, M("div")], np.divide, b="nonzero", rule=FLOAT),
    B("floor_divide", [op.floordiv, ember.floor_divide, M("floor_divide")], np.floor_divide, NUMERIC, b="nonzero"),
    B("remainder", [op.mod, ember.remainder, M("remainder")], np.remainder, NUMERIC, b="nonzero"),
    B("fmod", [ember.fmod, M("fmod")], np.fmod, NUMERIC, b="nonzero"),
    B("pow", [op.pow, ember.pow, M("pow")], np.power, NUMERIC, a="pos", b="exponent"),
    B("atan2", [ember.atan2, M("atan2")], np.arctan2, rule=FLOAT, scalars=False),
    B("maximum", [ember.maximum, M("maximum"), M("max")], np.maximum, a="int", b="int", scalars=False),
    B("minimum", [ember.minimum, M("minimum"), M("min")], np.minimum, a="int", b="int", scalars=False),
    B("eq", [op.eq, ember.eq, M("eq")], np.equal, a="int", b="int", rule=TO_BOOL),
    B("ne", [op.ne, ember.ne, ember.not_equal, M("ne")], np.not_equal, a="int", b="int", rule=TO_BOOL),
    B("lt", [op.lt, ember.lt, ember.less, M("lt")], np.less, a="int", b="int", rule=TO_BOOL),
    B("le", [op.le, ember.le, ember.less_equal, M("le")], np.less_equal, a="int", b="int", rule=TO_BOOL),
    B("gt", [op.gt, ember.gt, ember.greater, M("gt")], np.greater, a="int", b="int", rule=TO_BOOL),
    B("ge", [op.ge, ember.ge, ember.greater_equal, M("ge")], np.greater_equal, a="int", b="int", rule=TO_BOOL),
    B("logical_and", [ember.logical_and, M("logical_and")], _logical(np.logical_and), a="int", b="int",
      rule=TO_BOOL, scalars=False),
    B("logical_or", [ember.logical_or, M("logical_or")], _logical(np.logical_or), a="int", b="int",
      rule=TO_BOOL, scalars=False),
    B("logical_xor", [ember.logical_xor, M("logical_xor")], _logical(np.logical_xor), a="int", b="int",
      rule=TO_BOOL, scalars=False),
    B("bitwise_and", [op.and_, ember.bitwise_and, M("bitwise_and")], _bitwise(np.bitwise_and), INTS + (BOOL,),
      a="int", b="int", scalars=False),
    B("bitwise_or", [op.or_, ember.bitwise_or, M("bitwise_or")], _bitwise(np.bitwise_or), INTS + (BOOL,),
      a="int", b="int", scalars=False),
    B("bitwise_xor", [op.xor, ember.bitwise_xor, M("bitwise_xor")], _bitwise(np.bitwise_xor), INTS + (BOOL,),
      a="int", b="int", scalars=False),
]

BINARY_CASES = [  # (label, left, right): (shape, layout) or ("scalar", int|float|bool)
    ("same", ((3, 4), "contig"), ((3, 4), "contig")),
    ("bcast", ((3, 1), "contig"), ((1, 4), "contig")),
    ("rank", ((4,), "contig"), ((2, 3, 4), "contig")),
    ("0d-left", ((), "contig"), ((3, 4), "contig")),
    ("0d-right", ((3, 4), "contig"), ((), "contig")),
    ("0d-both", ((), "contig"), ((), "contig")),
    ("empty", ((0, 4), "contig"), ((1, 4), "contig")),
    ("empty-bcast", ((2, 0, 1), "contig"), ((3,), "contig")),
    ("transposed", ((3, 4), "T"), ((3, 4), "contig")),
    ("stepped", ((3, 4), "step"), ((4,), "contig")),
    ("T-and-step", ((2, 3, 4), "T"), ((2, 3, 4), "step")),
    ("expanded", ((3, 4), "expand"), ((3, 4), "T")),
    ("large", ((256, 300), "contig"), ((300,), "contig")),
    ("large-T", ((256, 300), "T"), ((256, 300), "contig")),
] + [(f"{kind}-{side}", *((("scalar", kind), ((3, 4), "contig")) if side == "left"
                          else (((3, 4), "contig"), ("scalar", kind))))
     for kind in ("int", "float", "bool") for side in ("left", "right")]


def operand(gen, spec, dtype, domain):
    if spec[0] == "scalar":
        v = scalar_value(spec[1], domain)
        return v, np.float64(v)
    return make(gen, spec[0], dtype, domain, spec[1])


def _binary_applies(row, case):
    scalars, left, right = row[7], case[1], case[2]
    if "scalar" not in (left[0], right[0]):
        return True
    if left[0] == "scalar" and not any(is_operator(f) for f in row[1]):
        return False  # a number on the left needs the operator's reflected form
    return scalars is True or scalars == "no-bool" and "bool" not in case[0]


@pytest.mark.parametrize("row, case, dtype", [
    pytest.param(row, case, d, id=f"{row[0]}-{case[0]}-{NAME[d]}")
    for row in BINARY for case in BINARY_CASES for d in row[3] if _binary_applies(row, case)])
def test_binary(row, case, dtype):
    name, forms, f, _, da, db, rule, _ = row
    gen = rng()
    x, a = operand(gen, case[1], dtype, da)
    y, b = operand(gen, case[2], dtype, db)
    want = f(a, b)
    expected = out_dtype(rule, result_type(x, y))
    for form in forms:
        if isinstance(x, ember.Tensor) or is_operator(form):  # ember.add(2, t) is a TypeError in PyTorch
            check(form(x, y), want, expected, what=label(form))


# ============================================================================ type promotion
PROMOTION = [  # (label, thunk, PyTorch's result dtype)
    ("int64 + 2.5", lambda: T([1, 2]) + 2.5, F32),
    ("int32 * 2.5", lambda: T([1, 2], dtype=I32) * 2.5, F32),
    ("2.5 - int64", lambda: 2.5 - T([1, 2]), F32),
    ("float32 + float64", lambda: T([1.0]) + T([1.0], dtype=F64), F64),
    ("int64 / int64", lambda: T([3, 4]) / T([2, 2]), F32),
    ("int64 / 2", lambda: T([3, 4]) / 2, F32),
    ("int64 + 2", lambda: T([3, 4]) + 2, I64),
    ("int32 + 2", lambda: T([3, 4], dtype=I32) + 2, I32),
    ("int32 + int64", lambda: T([3], dtype=I32) + T([4]), I64),
    ("bool + bool (add)", lambda: ember.add(T([True, False]), T([True, True])), BOOL),
    ("bool + 1", lambda: T([True, False]) + 1, I64),
    ("bool * 1.5", lambda: T([True, False]) * 1.5, F32),
    ("bool + True", lambda: T([True, False]) + True, BOOL),
    ("float32[3] + float64 0-d", lambda: T([1.0, 2.0, 3.0]) + T(1.0, dtype=F64), F32),
    ("int64[2] + float64 0-d", lambda: T([1, 2]) + T(1.0, dtype=F64), F64),
    ("int32[2] + int64 0-d", lambda: T([1, 2], dtype=I32) + T(1), I32),
    ("float32 0-d + float64 0-d", lambda: T(1.0) + T(1.0, dtype=F64), F64),
    ("float64 0-d + 2.5", lambda: T(1.0, dtype=F64) + 2.5, F64),
    ("int32 0-d + 2", lambda: T(1, dtype=I32) + 2, I32),
    ("where(float32, int64)", lambda: ember.where(T([True, False]), T([1.0, 2.0]), T([3, 4])), F32),
    ("where(int64, 0.5)", lambda: ember.where(T([True, False]), T([1, 2]), 0.5), F32),
    ("where(float32, float64 0-d)", lambda: ember.where(T([True, False]), T([1.0, 2.0]), T(0.0, dtype=F64)), F32),
    ("cat(float32, float64)", lambda: ember.cat([T([1.0]), T([2.0], dtype=F64)]), F64),
    ("cat(int32, float32)", lambda: ember.cat([T([1], dtype=I32), T([2.0])]), F32),
    ("stack(int64, bool)", lambda: ember.stack([T([1]), T([True])]), I64),
    ("clamp(int64, 0.5)", lambda: ember.clamp(T([1, 2]), 0.5), F32),
    ("clamp(bool, 0, 2)", lambda: ember.clamp(T([True, False]), 0, 2), I64),
    ("maximum(int32, float64)", lambda: ember.maximum(T([1], dtype=I32), T([2.0], dtype=F64)), F64),
    ("pow(int64, 0.5)", lambda: T([4, 9]) ** 0.5, F32),
    ("2 ** int64", lambda: 2 ** T([1, 2]), I64),
    ("2.0 ** int64", lambda: 2.0 ** T([1, 2]), F32),
    ("eq(int64, 1.5)", lambda: T([1, 2]) == 1.5, BOOL),
]


@pytest.mark.parametrize("name, thunk, dtype", PROMOTION, ids=ids(PROMOTION))
def test_promotion(name, thunk, dtype):
    assert thunk().dtype == dtype


PROMOTION_OPS = [(op.add, np.add, SAME), (op.mul, np.multiply, SAME), (op.truediv, np.divide, FLOAT),
                 (ember.maximum, np.maximum, SAME), (op.eq, np.equal, TO_BOOL)]


@pytest.mark.parametrize("da", ALL, ids=[NAME[d] for d in ALL])
@pytest.mark.parametrize("db", ALL, ids=[NAME[d] for d in ALL])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), ()), ((), (3,)), ((), ())],
                         ids=["dim-dim", "dim-0d", "0d-dim", "0d-0d"])
def test_promotion_pairs(da, db, shapes):
    gen = rng()
    x, a = make(gen, shapes[0], da, "nonzero")
    y, b = make(gen, shapes[1], db, "nonzero")
    for f, npf, rule in PROMOTION_OPS:
        check(f(x, y), ref(npf)(a, b), out_dtype(rule, result_type(x, y)), what=label(f))


# ============================================================================ where, clamp
WHERE_CASES = [  # (label, cond shape, a spec, b spec): spec is (shape, layout, dtype) or a Python number
    ("same", (3, 4), ((3, 4), "contig", F32), ((3, 4), "contig", F32)),
    ("bcast", (3, 1), ((1, 4), "contig", F64), ((), "contig", F64)),
    ("rank", (4,), ((2, 3, 4), "T", I64), ((3, 4), "step", I64)),
    ("mixed", (3, 4), ((3, 4), "contig", I32), ((4,), "contig", F32)),
    ("scalar-b", (3, 4), ((3, 4), "contig", F32), 0.0),
    ("scalar-a-int", (3, 4), 1, ((3, 4), "contig", I64)),
    ("int-float-scalar", (3, 4), ((3, 4), "contig", I64), 0.5),
    ("bool", (3, 4), ((3, 4), "contig", BOOL), ((3, 4), "contig", BOOL)),
    ("empty", (0, 4), ((0, 4), "contig", F32), ((4,), "contig", F32)),
    ("0-d", (), ((), "contig", F32), ((), "contig", F32)),
]


def _spec(gen, spec):
    if isinstance(spec, (bool, int, float)):
        return spec, np.float64(spec)
    return make(gen, spec[0], spec[2], "real", spec[1])


@pytest.mark.parametrize("name, cshape, sa, sb", WHERE_CASES, ids=ids(WHERE_CASES))
def test_where(name, cshape, sa, sb):
    gen = rng()
    c, cm = make(gen, cshape, BOOL)
    x, a = _spec(gen, sa)
    y, b = _spec(gen, sb)
    want, dtype = np.where(cm != 0, a, b), result_type(x, y)
    check(ember.where(c, x, y), want, dtype, what="ember.where")
    if isinstance(x, ember.Tensor):
        check(x.where(c, y), want, dtype, what="Tensor.where")


CLAMP_BOUNDS = [  # (label, min, max): a Python number, None, or a tensor bound: "row", "col", "0-d", "row-f64"
    ("int", -1, 1),
    ("float", -0.5, 1.5),
    ("min-only", 0, None),
    ("max-only", None, 0.5),
    ("min>max", 2, 1),
    ("tensors", "row", "col"),
    ("tensor-0d", "0-d", None),
    ("tensor-float64", None, "row-f64"),
]


def _bound(gen, spec, x):
    if not isinstance(spec, str):
        return spec, spec
    shape = {"row": x.shape[-1:], "row-f64": x.shape[-1:], "0-d": (),
             "col": x.shape[:-1] + (1,) if x.dim() else ()}[spec]
    return make(gen, tuple(shape), F64 if spec == "row-f64" else x.dtype, "int")


@pytest.mark.parametrize("bounds, dtype, case", [
    pytest.param(b, d, c, id=f"{b[0]}-{c[0]}-{NAME[d]}")
    for b in CLAMP_BOUNDS for d in ALL for c in UNARY_CASES if "large" not in c[0]
    if not (d == BOOL and b[0] == "tensors")])  # PyTorch has no bool kernel for clamp(bool, tensor, tensor)
def test_clamp(bounds, dtype, case):
    gen = rng()
    x, a = make(gen, case[1], dtype, "real", case[2])
    (lo, alo), (hi, ahi) = _bound(gen, bounds[1], x), _bound(gen, bounds[2], x)
    want = a if lo is None else np.maximum(a, alo)  # PyTorch: min(max(x, min), max)
    want = want if hi is None else np.minimum(want, ahi)
    dtype_out = result_type(*(v for v in (x, lo, hi) if v is not None))
    for name, f in [("ember.clamp", lambda: ember.clamp(x, lo, hi)), ("Tensor.clamp", lambda: x.clamp(lo, hi)),
                    ("ember.clip", lambda: ember.clip(x, lo, hi)), ("Tensor.clip", lambda: x.clip(lo, hi)),
                    ("clamp(min=, max=)", lambda: x.clamp(min=lo, max=hi))]:
        check(f(), want, dtype_out, what=name)


# ============================================================================ in-place
def iadd(t, o):
    t += o
    return t


def isub(t, o):
    t -= o
    return t


def imul(t, o):
    t *= o
    return t


def idiv(t, o):
    t /= o
    return t


INPLACE = [  # (label, f(self, other), reference, other's domain, result rule)
    ("add_", M("add_"), np.add, "real", SAME),
    ("sub_", M("sub_"), np.subtract, "real", SAME),
    ("mul_", M("mul_"), np.multiply, "real", SAME),
    ("div_", M("div_"), np.divide, "nonzero", FLOAT),
    ("+=", iadd, np.add, "real", SAME),
    ("-=", isub, np.subtract, "real", SAME),
    ("*=", imul, np.multiply, "real", SAME),
    ("/=", idiv, np.divide, "nonzero", FLOAT),
]

INPLACE_CASES = [  # (label, self (dtype, shape, layout), other: (shape, layout, dtype) or ("scalar", kind))
    ("f32+f32[4]", (F32, (3, 4), "contig"), ((4,), "contig", F32)),
    ("f32T+f32[3,1]", (F32, (3, 4), "T"), ((3, 1), "contig", F32)),
    ("f32step+float", (F32, (3, 4), "step"), ("scalar", "float")),
    ("f32+int", (F32, (3, 4), "contig"), ("scalar", "int")),
    ("f64+f32", (F64, (3, 4), "contig"), ((3, 4), "contig", F32)),
    ("f32+f64T", (F32, (3, 4), "contig"), ((3, 4), "T", F64)),
    ("f32+f64-0d", (F32, (3, 4), "contig"), ((), "contig", F64)),
    ("f32+i64", (F32, (3, 4), "contig"), ((3, 4), "contig", I64)),
    ("i64+int", (I64, (3, 4), "contig"), ("scalar", "int")),
    ("i64+i32[4]", (I64, (3, 4), "contig"), ((4,), "contig", I32)),
    ("i32+i64", (I32, (3, 4), "T"), ((3, 4), "contig", I64)),
    ("i64+float(error)", (I64, (3, 4), "contig"), ("scalar", "float")),
    ("i32+f32(error)", (I32, (3, 4), "contig"), ((3, 4), "contig", F32)),
    ("f32-0d+float", (F32, (), "contig"), ("scalar", "float")),
    ("f32-empty+f32[4]", (F32, (0, 4), "contig"), ((4,), "contig", F32)),
    ("f32[1,4]+f32[3,4](error)", (F32, (1, 4), "contig"), ((3, 4), "contig", F32)),
]


@pytest.mark.parametrize("row", INPLACE, ids=ids(INPLACE))
@pytest.mark.parametrize("case", INPLACE_CASES, ids=ids(INPLACE_CASES))
def test_inplace(row, case):
    name, f, npf, domain, rule = row
    gen = rng()
    dtype, shape, layout = case[1]
    x, a = make(gen, shape, dtype, "real", layout)
    other = case[2]
    if other[0] == "scalar":
        o, b = scalar_value(other[1], domain), np.float64(scalar_value(other[1], domain))
    else:
        o, b = make(gen, other[0], other[2], domain, other[1])
    rt = out_dtype(rule, result_type(x, o))
    if category(rt) > category(dtype) or np.broadcast_shapes(a.shape, np.shape(b)) != a.shape:
        with pytest.raises(RuntimeError):
            f(x, o)
        return
    want = npf(a, b)
    r = f(x, o)
    check(x, want, dtype, what=f"{name} changes self")
    assert r is x, f"{name} returns self"


SRC4 = np.array([-2.7, -0.5, 0.5, 3.7])
SRC34 = np.arange(12.0).reshape(3, 4) * 0.7 - 4

MUTATORS = [  # (label, (dtype, shape, layout) of self, f(self) mutating, reference of the new values)
    ("clamp_(-1, 1)", (F32, (3, 4), "T"), lambda t: t.clamp_(-1, 1), lambda a: np.clip(a, -1, 1)),
    ("clamp_(min=0)", (I64, (3, 4), "step"), lambda t: t.clamp_(min=0), lambda a: np.maximum(a, 0)),
    ("clamp_(max=0.5)", (F64, (3, 4), "contig"), lambda t: t.clamp_(max=0.5), lambda a: np.minimum(a, 0.5)),
    ("clip_", (F32, (3, 4), "contig"), lambda t: t.clip_(-1, 1), lambda a: np.clip(a, -1, 1)),
    ("zero_", (F32, (3, 4), "step"), lambda t: t.zero_(), np.zeros_like),
    ("zero_ int", (I32, (2, 3, 4), "T"), lambda t: t.zero_(), np.zeros_like),
    ("zero_ 0-d", (F64, (), "contig"), lambda t: t.zero_(), np.zeros_like),
    ("fill_(2.5)", (F32, (3, 4), "T"), lambda t: t.fill_(2.5), lambda a: np.full_like(a, 2.5)),
    ("fill_(2.5) int", (I64, (3, 4), "contig"), lambda t: t.fill_(2.5), lambda a: np.full_like(a, 2)),
    ("fill_(0-d tensor)", (F64, (3, 4), "step"), lambda t: t.fill_(T(1.5)), lambda a: np.full_like(a, 1.5)),
    ("fill_(True) float", (F32, (3, 4), "contig"), lambda t: t.fill_(True), np.ones_like),
    ("fill_(2) bool", (BOOL, (3, 4), "contig"), lambda t: t.fill_(2), np.ones_like),
    ("copy_", (F32, (3, 4), "contig"), lambda t: t.copy_(T(SRC34)), lambda a: SRC34),
    ("copy_ broadcast", (F32, (3, 4), "T"), lambda t: t.copy_(T(SRC4)), lambda a: np.broadcast_to(SRC4, a.shape)),
    ("copy_ f64->f32", (F32, (3, 4), "step"), lambda t: t.copy_(T(SRC34, dtype=F64)), lambda a: SRC34),
    ("copy_ float->int", (I64, (3, 4), "contig"), lambda t: t.copy_(T(SRC4)), lambda a: np.broadcast_to(
        np.trunc(SRC4), a.shape)),
    ("copy_ float->bool", (BOOL, (3, 4), "contig"), lambda t: t.copy_(T(SRC34)), lambda a: SRC34 != 0),
    ("copy_ bool->float", (F64, (3, 4), "contig"), lambda t: t.copy_(T(SRC34 > 0)), lambda a: SRC34 > 0),
    ("copy_ from T", (F32, (4, 3), "contig"), lambda t: t.copy_(T(SRC34).T), lambda a: SRC34.T),
    ("copy_ from 0-d", (I32, (3, 4), "contig"), lambda t: t.copy_(T(7)), lambda a: np.full_like(a, 7)),
    ("copy_ empty", (F32, (0, 4), "contig"), lambda t: t.copy_(T(SRC4)), lambda a: a),
    ("neg_", (F32, (3, 4), "T"), lambda t: t.neg_(), np.negative),
    ("exp_", (F64, (3, 4), "step"), lambda t: t.exp_(), np.exp),
    ("relu_", (F32, (3, 4), "contig"), lambda t: t.relu_(), lambda a: np.maximum(a, 0)),
    ("sigmoid_", (F32, (3, 4), "T"), lambda t: t.sigmoid_(), lambda a: 1 / (1 + np.exp(-a))),
    ("pow_(2)", (F32, (3, 4), "contig"), lambda t: t.pow_(2), np.square),
    ("masked_fill_", (F32, (3, 4), "T"), lambda t: t.masked_fill_(T(SRC4 > 0), -9.0),
     lambda a: np.where(SRC4 > 0, -9.0, a)),
]


@pytest.mark.parametrize("name, spec, f, want", MUTATORS, ids=ids(MUTATORS))
def test_mutator(name, spec, f, want):
    x, a = make(rng(), spec[1], spec[0], "real", spec[2])
    r = f(x)
    check(x, ref(want)(a), spec[0], what=name)
    assert r is x, f"{name} returns self"


# ============================================================================ out=
A34 = rng(1).uniform(-3, 3, (3, 4)).astype(np.float32)
B34 = rng(2).uniform(0.5, 3, (3, 4)).astype(np.float32)
B4 = rng(3).uniform(0.5, 3, (4,)).astype(np.float32)
A234 = rng(4).uniform(-3, 3, (2, 3, 4)).astype(np.float32)
B245 = rng(5).uniform(-3, 3, (2, 4, 5)).astype(np.float32)
B45 = rng(6).uniform(-3, 3, (4, 5)).astype(np.float32)
MASK34 = rng(7).random((3, 4)) < 0.5
A, B = A34.astype(np.float64), B34.astype(np.float64)

def O(name, f, want, dtype=F32, f64=True, exc=RuntimeError):
    """f64: PyTorch takes a float64 out= for this float32 result (where it does not, the case is left out:
    being lenient there is harmless). exc: what PyTorch raises for an integer out= of a float result."""
    return (name, f, want, dtype, f64, exc)


A64, B64 = B45.astype(np.float64), B245.astype(np.float64)
OUT = [
    O("add", lambda o: ember.add(T(A34), T(B4), out=o), A + B4),
    O("add alpha", lambda o: ember.add(T(A34), T(B4), alpha=2, out=o), A + 2 * B4.astype(np.float64)),
    O("sub", lambda o: ember.sub(T(A34), T(B34), out=o), A - B),
    O("mul scalar", lambda o: ember.mul(T(A34), 3, out=o), A * 3),
    O("div", lambda o: ember.div(T(A34), T(B34), out=o), A / B),
    O("pow", lambda o: ember.pow(T(B34), 1.5, out=o), B ** 1.5),
    O("maximum", lambda o: ember.maximum(T(A34), T(B4), out=o), np.maximum(A, B4)),
    O("minimum", lambda o: ember.minimum(T(A34), T(B4), out=o), np.minimum(A, B4)),
    O("remainder", lambda o: ember.remainder(T(A34), T(B34), out=o), np.remainder(A, B)),
    O("floor_divide", lambda o: ember.floor_divide(T(A34), T(B34), out=o), np.floor_divide(A, B)),
    O("exp", lambda o: ember.exp(T(A34), out=o), np.exp(A)),
    O("neg", lambda o: ember.neg(T(A34), out=o), -A, f64=False),
    O("abs", lambda o: ember.abs(T(A34), out=o), np.abs(A), f64=False),
    O("sqrt", lambda o: ember.sqrt(T(B34), out=o), np.sqrt(B)),
    O("sigmoid", lambda o: ember.sigmoid(T(A34), out=o), 1 / (1 + np.exp(-A))),
    O("tanh", lambda o: ember.tanh(T(A34), out=o), np.tanh(A)),
    O("clamp", lambda o: ember.clamp(T(A34), -1, 1, out=o), np.clip(A, -1, 1), f64=False),
    O("eq", lambda o: ember.eq(T(A34), T(A34[0]), out=o), A == A[0], BOOL),
    O("lt", lambda o: ember.lt(T(A34), 0, out=o), A < 0, BOOL),
    O("where", lambda o: ember.where(T(MASK34), T(A34), T(B4), out=o), np.where(MASK34, A, B4), f64=False),
    O("matmul", lambda o: ember.matmul(T(A34), T(B45), out=o), A @ A64, f64=False),
    O("mm", lambda o: ember.mm(T(A34), T(B45), out=o), A @ A64, f64=False),
    O("bmm", lambda o: ember.bmm(T(A234), T(B245), out=o), A234.astype(np.float64) @ B64, f64=False),
    O("cat", lambda o: ember.cat([T(A34), T(B34)], 1, out=o), np.concatenate([A, B], 1), exc=TypeError),
    O("stack", lambda o: ember.stack([T(A34), T(B34)], out=o), np.stack([A, B]), exc=TypeError),
]


def _out_for(kind, shape, dtype):
    if kind == "contig":
        return ember.empty(*shape, dtype=dtype)
    if kind == "transposed":
        return ember.empty(*shape[:-2], shape[-1], shape[-2], dtype=dtype).transpose(-1, -2)
    if kind == "empty-resized":
        return ember.empty(0, dtype=dtype)
    return ember.empty(*shape, dtype=F64 if kind == "float64" else I64)


def _out_applies(row, kind):
    _, _, want, dtype, f64, _ = row
    if kind == "transposed":
        return np.ndim(want) >= 2
    if kind in ("float64", "int64-error") and dtype == BOOL:
        return False
    return kind != "float64" or f64


@pytest.mark.parametrize("name, f, want, dtype, f64, exc, kind", [
    pytest.param(*row, kind, id=f"{row[0]}-{kind}") for row in OUT
    for kind in ("contig", "transposed", "empty-resized", "float64", "int64-error") if _out_applies(row, kind)])
def test_out(name, f, want, dtype, f64, exc, kind):
    o = _out_for(kind, np.shape(want), dtype)
    if kind == "int64-error":  # a float result cannot be cast to an integer out=
        with pytest.raises(exc):
            f(o)
        return
    r = f(o)
    check(o, want, F64 if kind == "float64" else dtype, rtol=1e-5, atol=1e-5, what=f"{name}(out=) writes out")
    assert r is o, "out= returns out"


# ============================================================================ reductions
def R(name, forms, f, dtypes=ALL, rule=SAME, domain="real", dims="any", empty=True, large=True):
    """dims: "any" (None, int, tuple), "single" (None, int), "given" (int, tuple), "one" (int, no keepdim).
    empty: the op has an identity (reducing over a 0-size dim is fine)."""
    return (name, forms, f, dtypes, rule, domain, dims, empty, large)


def _var(ddof):
    return lambda a, axis, keepdims: np.var(a, axis=axis, ddof=ddof, keepdims=keepdims)


def _std(ddof):
    return lambda a, axis, keepdims: np.std(a, axis=axis, ddof=ddof, keepdims=keepdims)


def _norm(p):
    def f(a, axis, keepdims):
        if p == np.inf:
            return np.max(np.abs(a), axis=axis, keepdims=keepdims, initial=0.0)
        return np.sum(np.abs(a) ** p, axis=axis, keepdims=keepdims) ** (1 / p)
    return f


def _logsumexp(a, axis, keepdims):
    m = np.max(a, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


def _cumsum(a, axis, keepdims):
    return np.cumsum(a, axis=axis).reshape(a.shape)


def _arg(f):
    def g(a, axis, keepdims):
        if axis is None and keepdims:  # PyTorch: a flat index, kept as size-1 dims
            return np.reshape(f(a), (1,) * a.ndim)
        return f(a, axis=axis, keepdims=keepdims)
    return g


def _r(name, **kw):
    """Tensor method and ember function `name` called as f(x, dim=..., keepdim=...)."""
    def method(x, **k):
        return getattr(x, name)(**k, **kw)

    def function(x, **k):
        return getattr(ember, name)(x, **k, **kw)
    method.__name__, function.__name__ = f"Tensor.{name}", f"ember.{name}"
    return [method, function]


def _lower_median(a, axis, keepdims):
    """median() over all elements: the lower of the two middle values, as PyTorch."""
    return np.sort(np.reshape(a, -1))[(np.size(a) - 1) // 2]


def _p(dtype):
    return dtype if dtype in FLOATS else I64


REDUCTIONS = [
    R("sum", _r("sum"), np.sum, rule=_p),
    R("mean", _r("mean"), np.mean, FLOATS),
    R("prod", _r("prod"), np.prod, rule=_p, domain="near1", dims="single", large=False),
    R("amax", _r("amax"), np.amax, empty=False),
    R("amin", _r("amin"), np.amin, empty=False),
    R("max()", [M("max")], np.amax, dims="none", empty=False),
    R("min()", [M("min")], np.amin, dims="none", empty=False),
    R("median()", [M("median"), ember.median], _lower_median, NUMERIC, dims="none", empty=False),
    R("argmax", _r("argmax"), _arg(np.argmax), NUMERIC, rule=I64, domain="distinct", dims="single", empty=False),
    R("argmin", _r("argmin"), _arg(np.argmin), NUMERIC, rule=I64, domain="distinct", dims="single", empty=False),
    R("var", _r("var"), _var(1), FLOATS),
    R("var(unbiased=False)", _r("var", unbiased=False), _var(0), FLOATS),
    R("var(correction=0)", _r("var", correction=0), _var(0), FLOATS),
    R("std", _r("std"), _std(1), FLOATS),
    R("std(unbiased=False)", _r("std", unbiased=False), _std(0), FLOATS),
    R("norm", _r("norm"), _norm(2), FLOATS),
    R("norm(p=1)", _r("norm", p=1), _norm(1), FLOATS),
    R("norm(p=3)", _r("norm", p=3), _norm(3), FLOATS),
    R("norm(p=inf)", _r("norm", p=float("inf")), _norm(np.inf), FLOATS, empty=False),
    R("logsumexp", _r("logsumexp"), _logsumexp, rule=to_float, dims="given"),
    R("all", _r("all"), np.all, rule=BOOL, domain="int"),
    R("any", _r("any"), np.any, rule=BOOL, domain="int"),
    R("cumsum", _r("cumsum"), _cumsum, rule=_p, dims="one"),
]

REDUCTION_CASES = [  # (label, shape, layout, dim, keepdim)
    ("all", (3, 4, 5), "contig", None, False),
    ("dim1", (3, 4, 5), "contig", 1, False),
    ("dim-1-keep", (3, 4, 5), "contig", -1, True),
    ("dim0-keep", (3, 4, 5), "contig", 0, True),
    ("tuple", (3, 4, 5), "contig", (0, 2), False),
    ("tuple-neg-keep", (3, 4, 5), "contig", (-1, 0), True),
    ("0d", (), "contig", None, False),
    ("0d-dim0", (), "contig", 0, False),
    ("0d-dim-1-keep", (), "contig", -1, True),
    ("1-d", (7,), "contig", 0, False),
    ("empty-other-dim", (0, 4), "contig", 1, False),
    ("empty-dim0", (0, 4), "contig", 0, False),
    ("empty-all", (0, 4), "contig", None, False),
    ("T-dim0", (4, 5), "T", 0, False),
    ("T-all", (4, 5), "T", None, False),
    ("step-dim1-keep", (4, 5), "step", 1, True),
    ("expand-dim0", (4, 5), "expand", 0, False),
    ("T3-tuple", (2, 3, 4), "T", (1, 2), False),
    ("large-all", (256, 300), "contig", None, False),
    ("large-dim0", (256, 300), "contig", 0, False),
    ("large-T-dim1", (256, 300), "T", 1, False),
]


def _reduction_applies(row, case):
    _, _, _, _, _, _, dims, empty, large = row
    _, shape, _, dim, keep = case
    if dims == "none":
        return dim is None and not keep and (empty or 0 not in shape)
    if dims in ("single", "one") and isinstance(dim, tuple) or dims in ("given", "one") and dim is None:
        return False
    if dims == "one" and keep:
        return False
    if not large and case[0].startswith("large") and dim is None:
        return False
    if 0 in shape and not empty:  # no identity: only a reduction over a non-empty dim is defined
        return dim is not None and all(shape[d] != 0 for d in ((dim,) if isinstance(dim, int) else dim))
    return True


@pytest.mark.parametrize("row, case, dtype", [
    pytest.param(row, case, d, id=f"{row[0]}-{case[0]}-{NAME[d]}")
    for row in REDUCTIONS for case in REDUCTION_CASES for d in row[3] if _reduction_applies(row, case)])
def test_reduction(row, case, dtype):
    name, forms, f, _, rule, domain, dims, _, _ = row
    _, shape, layout, dim, keep = case
    x, a = make(rng(), shape, dtype, domain, layout)
    axis = None if len(shape) == 0 else dim  # NumPy has no axis 0 on a 0-d array
    want = ref(f)(a, axis=axis, keepdims=keep) if dims != "one" else ref(f)(a, axis=axis, keepdims=False)
    expected = dtype if isinstance(rule, str) else rule(dtype) if callable(rule) else rule
    kwargs = {} if dim is None else {"dim": dim}
    if keep:
        kwargs["keepdim"] = True
    n = a.size // max(np.size(want), 1) if dims != "one" else (a.shape[dim] if a.ndim else 1)
    # float32 accumulation error grows like sqrt(n)
    tol = dict(rtol=2e-5, atol=1e-5 * np.sqrt(max(n, 1))) if expected == F32 else {}
    for form in forms:
        check(form(x, **kwargs), want, expected, what=label(form), **tol)


MAX_DIM_CASES = [  # (label, shape, layout, dim, keepdim)
    ("dim1", (3, 4, 5), "contig", 1, False),
    ("dim-1-keep", (3, 4, 5), "contig", -1, True),
    ("T-dim0", (4, 5), "T", 0, False),
    ("step-dim1", (4, 5), "step", 1, True),
    ("0d", (), "contig", 0, False),
    ("empty", (0, 4), "contig", 1, False),
    ("large", (256, 300), "T", 1, False),
]


@pytest.mark.parametrize("which", ["max", "min"])
@pytest.mark.parametrize("case", MAX_DIM_CASES, ids=ids(MAX_DIM_CASES))
@pytest.mark.parametrize("dtype", NUMERIC, ids=[NAME[d] for d in NUMERIC])
def test_max_min_dim(which, case, dtype):
    _, shape, layout, dim, keep = case
    x, a = make(rng(), shape, dtype, "distinct", layout)
    axis = None if len(shape) == 0 else dim
    vf, af = (np.max, np.argmax) if which == "max" else (np.min, np.argmin)
    for name, res in [(f"Tensor.{which}", getattr(x, which)(dim, keep)),
                      (f"ember.{which}", getattr(ember, which)(x, dim=dim, keepdim=keep))]:
        values, indices = res
        check(values, vf(a, axis=axis, keepdims=keep), dtype, what=f"{name} values")
        check(indices, af(a, axis=axis, keepdims=keep), I64, what=f"{name} indices")
        check(res.values, vf(a, axis=axis, keepdims=keep), dtype, what=f"{name}.values")
        check(res.indices, af(a, axis=axis, keepdims=keep), I64, what=f"{name}.indices")


# ============================================================================ shape ops: views and copies
def _base(shape):
    return np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)


def _pieces(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _np_diagonal(a, offset=0, d1=0, d2=1):
    """np.diagonal as a writable view (NumPy's own is read-only)."""
    d1, d2 = d1 % a.ndim, d2 % a.ndim
    idx = [slice(None)] * a.ndim
    idx[d2 if offset >= 0 else d1] = slice(abs(offset), None)
    sub = a[tuple(idx)]
    keep = [d for d in range(a.ndim) if d not in (d1, d2)]
    return np.lib.stride_tricks.as_strided(sub, [sub.shape[d] for d in keep] + [min(sub.shape[d1], sub.shape[d2])],
                                           [sub.strides[d] for d in keep] + [sub.strides[d1] + sub.strides[d2]])


VIEWS = [  # (label, base shape, ember f, NumPy f that makes a view too)
    ("view", (2, 3, 4), lambda t: t.view(6, 4), lambda a: a.reshape(6, 4)),
    ("view(-1, 2)", (2, 3, 4), lambda t: t.view(-1, 2), lambda a: a.reshape(-1, 2)),
    ("view(tuple)", (2, 3, 4), lambda t: t.view((4, 6)), lambda a: a.reshape(4, 6)),
    ("view(-1)", (2, 3, 4), lambda t: t.view(-1), lambda a: a.reshape(-1)),
    ("view 0-d", (), lambda t: t.view(1, 1), lambda a: a.reshape(1, 1)),
    ("view_as", (2, 3, 4), lambda t: t.view_as(ember.zeros(4, 6)), lambda a: a.reshape(4, 6)),
    ("view of T splits a dim", (3, 4), lambda t: t.T.view(2, 2, 3), lambda a: a.T.reshape(2, 2, 3)),
    ("reshape", (2, 3, 4), lambda t: t.reshape(4, -1), lambda a: a.reshape(4, -1)),
    ("reshape(tuple)", (2, 3, 4), lambda t: t.reshape((3, 8)), lambda a: a.reshape(3, 8)),
    ("ember.reshape", (2, 3, 4), lambda t: ember.reshape(t, (24,)), lambda a: a.reshape(24)),
    ("reshape to 0-d", (1, 1), lambda t: t.reshape(()), lambda a: a.reshape(())),
    ("reshape empty", (0, 4), lambda t: t.reshape(2, 0, 2), lambda a: a.reshape(2, 0, 2)),
    ("flatten", (2, 3, 4), lambda t: t.flatten(), lambda a: a.reshape(-1)),
    ("flatten(1)", (2, 3, 4), lambda t: t.flatten(1), lambda a: a.reshape(2, 12)),
    ("flatten(0, 1)", (2, 3, 4), lambda t: t.flatten(0, 1), lambda a: a.reshape(6, 4)),
    ("ember.flatten(start_dim=-2)", (2, 3, 4), lambda t: ember.flatten(t, start_dim=-2),
     lambda a: a.reshape(2, 12)),
    ("flatten 0-d", (), lambda t: t.flatten(), lambda a: a.reshape(1)),
    ("unflatten", (2, 3, 4), lambda t: t.unflatten(2, (2, 2)), lambda a: a.reshape(2, 3, 2, 2)),
    ("unflatten(-1, (2, -1))", (2, 3, 4), lambda t: t.unflatten(-1, (2, -1)), lambda a: a.reshape(2, 3, 2, 2)),
    ("squeeze()", (2, 1, 3, 1), lambda t: t.squeeze(), lambda a: a.squeeze()),
    ("squeeze(1)", (2, 1, 3, 1), lambda t: t.squeeze(1), lambda a: a.squeeze(1)),
    ("squeeze(-1)", (2, 1, 3, 1), lambda t: t.squeeze(-1), lambda a: a.squeeze(-1)),
    ("squeeze(0) of size 2", (2, 1, 3, 1), lambda t: t.squeeze(0), lambda a: a[...]),
    ("squeeze((1, 3))", (2, 1, 3, 1), lambda t: t.squeeze((1, 3)), lambda a: a.squeeze((1, 3))),
    ("ember.squeeze", (1, 3), lambda t: ember.squeeze(t), lambda a: a.squeeze()),
    ("unsqueeze(0)", (2, 3, 4), lambda t: t.unsqueeze(0), lambda a: a[None]),
    ("unsqueeze(1)", (2, 3, 4), lambda t: t.unsqueeze(1), lambda a: a[:, None]),
    ("unsqueeze(-1)", (2, 3, 4), lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    ("unsqueeze 0-d", (), lambda t: t.unsqueeze(0), lambda a: a[None]),
    ("transpose(0, 2)", (2, 3, 4), lambda t: t.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    ("transpose(-1, -2)", (2, 3, 4), lambda t: t.transpose(-1, -2), lambda a: a.swapaxes(-1, -2)),
    ("ember.transpose", (2, 3, 4), lambda t: ember.transpose(t, 0, 1), lambda a: a.swapaxes(0, 1)),
    ("swapaxes", (2, 3, 4), lambda t: t.swapaxes(0, 1), lambda a: a.swapaxes(0, 1)),
    ("permute(2, 0, 1)", (2, 3, 4), lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("permute([1, 2, 0])", (2, 3, 4), lambda t: t.permute([1, 2, 0]), lambda a: a.transpose(1, 2, 0)),
    ("permute(-1, 0, 1)", (2, 3, 4), lambda t: t.permute(-1, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("ember.permute", (2, 3, 4), lambda t: ember.permute(t, (1, 0, 2)), lambda a: a.transpose(1, 0, 2)),
    (".T", (3, 4), lambda t: t.T, lambda a: a.T),
    (".t()", (3, 4), lambda t: t.t(), lambda a: a.T),
    (".t() 1-d", (4,), lambda t: t.t(), lambda a: a[...]),
    (".mT", (2, 3, 4), lambda t: t.mT, lambda a: a.swapaxes(-1, -2)),
    ("narrow", (2, 3, 4), lambda t: t.narrow(2, 1, 2), lambda a: a[:, :, 1:3]),
    ("narrow(-2, 0, 1)", (2, 3, 4), lambda t: t.narrow(-2, 0, 1), lambda a: a[:, 0:1]),
    ("select", (2, 3, 4), lambda t: t.select(1, 2), lambda a: a[:, 2]),
    ("select(-1, -1)", (2, 3, 4), lambda t: t.select(-1, -1), lambda a: a[..., -1]),
    ("select to 0-d", (4,), lambda t: t.select(0, 1), lambda a: a[1, ...]),
    ("chunk(2, dim=2)", (2, 3, 4), lambda t: t.chunk(2, dim=2), lambda a: np.split(a, 2, axis=2)),
    ("chunk(3) uneven", (5, 2), lambda t: t.chunk(3), lambda a: np.split(a, [2, 4])),
    ("chunk(4) of 3", (3, 2), lambda t: t.chunk(4), lambda a: np.split(a, [1, 2])),
    ("ember.chunk", (4, 2), lambda t: ember.chunk(t, 2, 1), lambda a: np.split(a, 2, axis=1)),
    ("split(2)", (5, 2), lambda t: t.split(2), lambda a: np.split(a, [2, 4])),
    ("split([1, 3], dim=-1)", (2, 4), lambda t: t.split([1, 3], dim=-1), lambda a: np.split(a, [1], axis=-1)),
    ("ember.split", (5, 2), lambda t: ember.split(t, 3), lambda a: np.split(a, [3])),
    ("unbind()", (3, 4), lambda t: t.unbind(), lambda a: list(a)),
    ("unbind(1)", (2, 3, 4), lambda t: t.unbind(1), lambda a: [a[:, i] for i in range(3)]),
    ("ember.unbind(-1)", (2, 3), lambda t: ember.unbind(t, -1), lambda a: [a[:, i] for i in range(3)]),
    ("iteration", (3, 4), lambda t: list(t), lambda a: list(a)),
    ("contiguous() of contiguous", (2, 3), lambda t: t.contiguous(), lambda a: a[...]),
    ("[1]", (4, 5, 6), lambda t: t[1], lambda a: a[1]),
    ("[-1, 2]", (4, 5, 6), lambda t: t[-1, 2], lambda a: a[-1, 2]),
    ("[1, -2, 3] 0-d", (4, 5, 6), lambda t: t[1, -2, 3], lambda a: a[1, -2, 3, ...]),
    ("[1:3]", (4, 5, 6), lambda t: t[1:3], lambda a: a[1:3]),
    ("[::2]", (4, 5, 6), lambda t: t[::2], lambda a: a[::2]),
    ("[1::2, ::3]", (4, 5, 6), lambda t: t[1::2, ::3], lambda a: a[1::2, ::3]),
    ("[:, 1:4:2, -3:]", (4, 5, 6), lambda t: t[:, 1:4:2, -3:], lambda a: a[:, 1:4:2, -3:]),
    ("[-3:-1, :100]", (4, 5, 6), lambda t: t[-3:-1, :100], lambda a: a[-3:-1, :100]),
    ("[3:1] empty", (4, 5, 6), lambda t: t[3:1], lambda a: a[3:1]),
    ("[None]", (4, 5, 6), lambda t: t[None], lambda a: a[None]),
    ("[:, None, 2]", (4, 5, 6), lambda t: t[:, None, 2], lambda a: a[:, None, 2]),
    ("[..., 1]", (4, 5, 6), lambda t: t[..., 1], lambda a: a[..., 1]),
    ("[1, ..., None]", (4, 5, 6), lambda t: t[1, ..., None], lambda a: a[1, ..., None]),
    ("[...]", (4, 5, 6), lambda t: t[...], lambda a: a[...]),
    ("[..., ::2, None, 1:]", (4, 5, 6), lambda t: t[..., ::2, None, 1:], lambda a: a[..., ::2, None, 1:]),
    ("[1][::2] of T", (4, 5), lambda t: t.T[1][::2], lambda a: a.T[1][::2]),
    ("[()] 0-d", (), lambda t: t[()], lambda a: a[...]),
    ("[0-d int tensor] is an int", (4, 5, 6), lambda t: t[T(2)], lambda a: a[2]),
    ("diagonal", (3, 4), lambda t: t.diagonal(), lambda a: _np_diagonal(a)),
    ("ember.diagonal(offset, dim1, dim2)", (2, 3, 4), lambda t: ember.diagonal(t, -1, 2, 1),
     lambda a: _np_diagonal(a, -1, 2, 1)),
    ("diagonal of T", (3, 4), lambda t: t.T.diagonal(1), lambda a: _np_diagonal(a.T, 1)),
]


@pytest.mark.parametrize("name, shape, f, nf", VIEWS, ids=ids(VIEWS))
def test_view(name, shape, f, nf):
    """A view has the right values, and a write through it shows in the base."""
    a = _base(shape)
    t = T(a)
    views, wants = _pieces(f(t)), _pieces(nf(a))
    assert len(views) == len(wants), f"{len(views)} pieces, expected {len(wants)}"
    for v, w in zip(views, wants):
        assert w.size == 0 or np.shares_memory(w, a), "the NumPy reference must be a view too"
        check(v, w, F32)
    for i, (v, w) in enumerate(zip(views, wants)):
        v.fill_(-(i + 1))
        w[...] = -(i + 1)
    check(t, a, F32, what="write through the view")


EXPANDS = [  # (label, base shape, ember f, NumPy f): stride-0 views, written through the base
    ("expand", (3, 1), lambda t: t.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4))),
    ("expand(-1, 4)", (3, 1), lambda t: t.expand(-1, 4), lambda a: np.broadcast_to(a, (3, 4))),
    ("expand(tuple)", (3, 1), lambda t: t.expand((2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4))),
    ("expand 0-d", (), lambda t: t.expand(2, 2), lambda a: np.broadcast_to(a, (2, 2))),
    ("expand to empty", (1, 3), lambda t: t.expand(0, 3), lambda a: np.broadcast_to(a, (0, 3))),
    ("expand_as", (1, 4), lambda t: t.expand_as(ember.zeros(3, 4)), lambda a: np.broadcast_to(a, (3, 4))),
    ("broadcast_to", (4,), lambda t: t.broadcast_to((2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4))),
    ("ember.broadcast_to", (3, 1), lambda t: ember.broadcast_to(t, (3, 5)), lambda a: np.broadcast_to(a, (3, 5))),
]


@pytest.mark.parametrize("name, shape, f, nf", EXPANDS, ids=ids(EXPANDS))
def test_expand_view(name, shape, f, nf):
    a = _base(shape)
    t = T(a)
    v = f(t)
    check(v, nf(a), F32)
    t.add_(100)
    check(v, nf(a + 100), F32, what="a write to the base shows in the view")


COPIES = [  # (label, base shape, ember f, NumPy f): new memory; writing the result leaves the base alone
    ("contiguous() of T", (3, 4), lambda t: t.T.contiguous(), lambda a: a.T),
    ("reshape of T", (3, 4), lambda t: t.T.reshape(12), lambda a: a.T.reshape(12)),
    ("flatten of T", (3, 4), lambda t: t.T.flatten(), lambda a: a.T.reshape(-1)),
    ("reshape of stepped", (4, 5), lambda t: t[:, ::2].reshape(-1), lambda a: a[:, ::2].reshape(-1)),
    ("clone", (2, 3, 4), lambda t: t.clone(), lambda a: a),
    ("clone of T", (3, 4), lambda t: t.T.clone(), lambda a: a.T),
    ("ember.clone 0-d", (), lambda t: ember.clone(t), lambda a: a),
    ("cat", (2, 3), lambda t: ember.cat([t, t[:1]]), lambda a: np.concatenate([a, a[:1]])),
    ("cat dim=-1", (2, 3), lambda t: ember.cat([t, t * 2], -1), lambda a: np.concatenate([a, a * 2], -1)),
    ("cat tuple dim=1", (2, 3, 2), lambda t: ember.cat((t, t.flip(0)), dim=1),
     lambda a: np.concatenate([a, a[::-1]], 1)),
    ("cat with empty", (2, 3), lambda t: ember.cat([t, ember.zeros(0, 3)]), lambda a: a),
    ("cat of T", (3, 4), lambda t: ember.cat([t.T, t.T]), lambda a: np.concatenate([a.T, a.T])),
    ("concat", (2, 3), lambda t: ember.concat([t, t], 1), lambda a: np.concatenate([a, a], 1)),
    ("stack", (2, 3), lambda t: ember.stack([t, t + 1]), lambda a: np.stack([a, a + 1])),
    ("stack dim=1", (2, 3), lambda t: ember.stack([t, t + 1], dim=1), lambda a: np.stack([a, a + 1], 1)),
    ("stack dim=-1", (2, 3), lambda t: ember.stack((t, t.T.T), -1), lambda a: np.stack([a, a], -1)),
    ("stack 0-d", (), lambda t: ember.stack([t, t]), lambda a: np.stack([a, a])),
    ("repeat(2, 3)", (2, 3), lambda t: t.repeat(2, 3), lambda a: np.tile(a, (2, 3))),
    ("repeat((2, 1, 2))", (2, 3), lambda t: t.repeat((2, 1, 2)), lambda a: np.tile(a, (2, 1, 2))),
    ("repeat of T", (2, 3), lambda t: t.T.repeat(1, 2), lambda a: np.tile(a.T, (1, 2))),
    ("flip(0)", (2, 3, 4), lambda t: t.flip(0), lambda a: a[::-1]),
    ("flip(0, 2)", (2, 3, 4), lambda t: t.flip(0, 2), lambda a: a[::-1, :, ::-1]),
    ("ember.flip((-1,))", (2, 3, 4), lambda t: ember.flip(t, (-1,)), lambda a: a[..., ::-1]),
    ("tril", (4, 4), lambda t: t.tril(), lambda a: np.tril(a)),
    ("tril(-1)", (3, 5), lambda t: t.tril(-1), lambda a: np.tril(a, -1)),
    ("triu", (4, 4), lambda t: t.triu(), lambda a: np.triu(a)),
    ("triu(1) batched", (2, 3, 4), lambda t: t.triu(1), lambda a: np.triu(a, 1)),
    ("ember.tril(2) tall", (5, 3), lambda t: ember.tril(t, 2), lambda a: np.tril(a, 2)),
    ("ember.triu of T", (3, 4), lambda t: ember.triu(t.T), lambda a: np.triu(a.T)),
    ("roll", (3, 4), lambda t: t.roll(1, 0), lambda a: np.roll(a, 1, 0)),
    ("roll of T flattened", (3, 4), lambda t: ember.roll(t.T, 5), lambda a: np.roll(a.T.reshape(-1), 5).reshape(4, 3)),
    ("diag of a matrix", (3, 4), lambda t: t.diag(1), lambda a: np.diag(a, 1)),
    ("diag of a vector", (4,), lambda t: ember.diag(t, -1), lambda a: np.diag(a, -1)),
    ("repeat_interleave", (2, 3), lambda t: t.repeat_interleave(2, dim=0), lambda a: np.repeat(a, 2, 0)),
    ("repeat_interleave tensor", (2, 3), lambda t: ember.repeat_interleave(t, T([0, 3, 1]), 1),
     lambda a: np.repeat(a, [0, 3, 1], 1)),
]


@pytest.mark.parametrize("name, shape, f, nf", COPIES, ids=ids(COPIES))
def test_copy(name, shape, f, nf):
    a = _base(shape)
    t = T(a)
    r = f(t)
    check(r, nf(a), F32)
    if name.startswith("contiguous"):
        assert r.is_contiguous()
    for piece in _pieces(r):
        piece.fill_(-1)
    check(t, a, F32, what="writing the copy leaves the base alone")


# ============================================================================ indexing
# advanced indexing copies. Rows: (label, index built with the index-array maker I, NumPy's own form if it differs)
S = np.s_
GETITEM = [
    ("tensor [0, 2]", lambda I: S[I([0, 2])], None),
    ("list [0, 2]", lambda I: S[[0, 2]], None),
    ("negative [0, -1, 1]", lambda I: S[I([0, -1, 1])], None),
    ("repeated [1, 1, 3]", lambda I: S[I([1, 1, 3])], None),
    ("2-d index", lambda I: S[I([[0, 1], [2, 3]])], None),
    ("empty index", lambda I: S[I(np.zeros(0, np.int64))], None),
    ("dim 1", lambda I: S[:, I([0, 4])], None),
    ("last dim after Ellipsis", lambda I: S[..., I([5, 0])], None),
    ("adjacent pair", lambda I: S[I([0, 2]), I([1, 3])], None),
    ("adjacent pair not first", lambda I: S[:, I([0, 2]), I([1, 3])], None),
    ("non-adjacent pair", lambda I: S[I([0, 2]), :, I([1, 3])], None),
    ("non-adjacent broadcast", lambda I: S[I([[0], [2]]), :, I([1, 3, 5])], None),
    ("pair with slice step", lambda I: S[I([0, 3]), ::2, I([1, 2])], None),
    ("int then tensor", lambda I: S[1, :, I([0, 2])], lambda a: a[1][:, [0, 2]]),  # int first: (5, 2)
    ("tensor then int", lambda I: S[I([0, 2]), 1], None),
    ("tensor and None", lambda I: S[None, I([0, 2])], None),
    ("mask same shape", lambda I: S[I((np.arange(120) % 3 == 0).reshape(4, 5, 6))], None),
    ("mask dim 0", lambda I: S[I([True, False, True, True])], None),
    ("mask dim 1", lambda I: S[:, I([False, True, True, False, True])], None),
    ("mask 2-d leading", lambda I: S[I((np.arange(20) % 2 == 0).reshape(4, 5))], None),
    ("mask all False", lambda I: S[I([False] * 4)], None),
    ("scalar True", lambda I: S[True], lambda a: a[None]),
    ("mask and slice", lambda I: S[I([True, False, True, True]), 1:3], None),
]


def _ix(arr_maker):
    def make_index(v):
        return arr_maker(np.asarray(v))
    return make_index


@pytest.mark.parametrize("name, idx, nidx", GETITEM, ids=ids(GETITEM))
def test_getitem(name, idx, nidx):
    a = _base((4, 5, 6))
    t = T(a)
    r = t[idx(_ix(ember.tensor))]
    want = a[idx(_ix(np.array))] if nidx is None else nidx(a)
    check(r, want, F32)
    if r.numel():
        r.fill_(-1)
    check(t, a, F32, what="advanced indexing copies: the base is unchanged")


SETITEM = [  # (label, base dtype, index maker, value maker (from I), NumPy's assignment if it differs)
    ("int", F32, lambda I: S[1], lambda I: 7.0, None),
    ("negative ints", F32, lambda I: S[-1, 2], lambda I: 3, None),
    ("slice step", F32, lambda I: S[:, 1:4:2], lambda I: 0.5, None),
    ("Ellipsis", F32, lambda I: S[..., 0], lambda I: I(np.arange(5.0)), None),
    ("broadcast row", F32, lambda I: S[1:3], lambda I: I(np.arange(6.0)), None),
    ("broadcast column", F32, lambda I: S[:, :, 2:4], lambda I: I(np.arange(5.0).reshape(5, 1)), None),
    ("everything", F32, lambda I: S[...], lambda I: 2, None),
    ("None", F32, lambda I: S[None, 0], lambda I: -1.0, None),
    ("0-d tensor value", F32, lambda I: S[0, 0], lambda I: I(np.float64(5.5)), None),
    ("float64 value into float32", F32, lambda I: S[2], lambda I: I(np.full((5, 6), 1.25)), None),
    ("float into int truncates", I64, lambda I: S[1:], lambda I: 2.7, None),
    ("int tensor into float", F64, lambda I: S[:, 0], lambda I: I(np.arange(6)), None),
    ("bool tensor into int", I32, lambda I: S[0], lambda I: I(np.ones((5, 6), bool)), None),
    ("tensor index", F32, lambda I: S[I([0, 2])], lambda I: 1.5, None),
    ("list index", F32, lambda I: S[[3, 1]], lambda I: I(np.arange(6.0, dtype=np.float32)), None),
    ("two tensors", F32, lambda I: S[I([0, 2]), :, I([1, 3])],
     lambda I: I(np.arange(10, dtype=np.float32).reshape(2, 5)), None),
    ("two tensors adjacent", F32, lambda I: S[:, I([0, 4]), I([5, 0])], lambda I: I(np.arange(2, dtype=np.float32)),
     None),
    ("tensor index on stepped", F32, lambda I: S[::2, I([1, 3])], lambda I: 9, None),
    ("mask", F32, lambda I: S[I((np.arange(120) % 7 == 0).reshape(4, 5, 6))], lambda I: 0, None),
    ("mask with values", F32, lambda I: S[I((np.arange(120) % 7 == 0).reshape(4, 5, 6))],
     lambda I: I(np.arange(18, dtype=np.float32)), None),
    ("mask dim 0 broadcast", F64, lambda I: S[I([True, False, False, True])],
     lambda I: I(np.arange(6.0)), None),
    ("mask dim 1", I64, lambda I: S[:, I([True, False, True, False, False])], lambda I: -3, None),
    ("int then tensor", F32, lambda I: S[1, :, I([0, 2])], lambda I: I(np.arange(10, dtype=np.float32).reshape(5, 2)),
     lambda a, v: a[1].__setitem__(S[:, [0, 2]], v)),  # PyTorch selects the int first: (5, 2), not (2, 5)
]


@pytest.mark.parametrize("name, dtype, idx, val, nidx", SETITEM, ids=ids(SETITEM))
def test_setitem(name, dtype, idx, val, nidx):
    a = _base((4, 5, 6)).astype(NP[dtype])
    t = T(a)
    t[idx(_ix(ember.tensor))] = val(_ix(ember.tensor))
    nval = val(_ix(np.array))
    if nidx is None:
        a[idx(_ix(np.array))] = nval
    else:
        nidx(a, nval)
    check(t, a.astype(np.float64), dtype)


def test_setitem_on_view_writes_base():
    a = _base((4, 6))
    t = T(a)
    v = t[:, ::2]
    v[1:, T([0, 2])] = -1
    a[:, ::2][1:, [0, 2]] = -1
    check(t, a, F32)


X45 = rng(8).uniform(-3, 3, (4, 5))
IDX = np.array([[0, 1, 2, 0, 3], [3, 2, 1, 1, 0]])          # rows for dim 0, shape (2, 5)
IDX1 = np.array([[4, 0], [1, 1], [2, 3], [0, 4]])           # columns for dim 1, shape (4, 2)
PERM1 = np.array([[4, 0, 2], [1, 3, 0], [2, 4, 1], [0, 1, 3]])  # distinct per row, for scatter
SRC = rng(9).uniform(-3, 3, (4, 5))
MASK = rng(10).random((4, 5)) < 0.4


def _scatter(x, dim, index, src, reduce=None):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        dst = list(pos)
        dst[dim] = index[pos]
        v = src[pos] if np.ndim(src) else src
        if reduce == "add":
            out[tuple(dst)] += v
        elif reduce == "multiply":
            out[tuple(dst)] *= v
        else:
            out[tuple(dst)] = v
    return out


def _gather(x, dim, index):
    take = tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
    return np.take_along_axis(x[take], index, axis=dim)


INDEX_FUNCS = [  # (label, ember thunk, float64 reference, dtype)
    ("gather dim 0", lambda: T(X45).gather(0, T(IDX)), _gather(X45, 0, IDX), F64),
    ("gather dim 1", lambda: ember.gather(T(X45, dtype=F32), 1, T(IDX1)), _gather(X45, 1, IDX1), F32),
    ("gather dim -1 of T", lambda: T(X45).T.gather(-1, T(IDX.T)), _gather(X45.T, 1, IDX.T), F64),
    ("gather int64", lambda: T(np.arange(20).reshape(4, 5)).gather(1, T(IDX1)),
     _gather(np.arange(20.0).reshape(4, 5), 1, IDX1), I64),
    ("scatter dim 1", lambda: T(X45).scatter(1, T(PERM1), T(SRC)), _scatter(X45, 1, PERM1, SRC), F64),
    ("scatter scalar", lambda: T(X45).scatter(1, T(PERM1), 2.5), _scatter(X45, 1, PERM1, 2.5), F64),
    ("scatter reduce=add", lambda: T(X45).scatter(0, T(IDX), T(SRC), reduce="add"),
     _scatter(X45, 0, IDX, SRC, "add"), F64),
    ("scatter reduce=multiply", lambda: T(X45).scatter(0, T(IDX), T(SRC), reduce="multiply"),
     _scatter(X45, 0, IDX, SRC, "multiply"), F64),
    ("scatter_ in place", lambda: _inplace(T(X45), lambda t: t.scatter_(1, T(PERM1), T(SRC))),
     _scatter(X45, 1, PERM1, SRC), F64),
    ("scatter_add", lambda: T(X45).scatter_add(0, T(IDX), T(SRC)), _scatter(X45, 0, IDX, SRC, "add"), F64),
    ("ember.scatter_add float32", lambda: ember.scatter_add(T(X45, dtype=F32), 1, T(IDX1), T(SRC, dtype=F32)),
     _scatter(X45, 1, IDX1, SRC, "add"), F32),
    ("scatter_add_ in place", lambda: _inplace(T(X45), lambda t: t.scatter_add_(1, T(IDX1), T(SRC))),
     _scatter(X45, 1, IDX1, SRC, "add"), F64),
    ("index_select dim 0", lambda: T(X45).index_select(0, T([3, 0, 3])), X45[[3, 0, 3]], F64),
    ("index_select dim 1", lambda: ember.index_select(T(X45), 1, T([4, 1])), X45[:, [4, 1]], F64),
    ("index_select int32 index", lambda: T(X45).index_select(-1, T([2, 0], dtype=I32)), X45[:, [2, 0]], F64),
    ("index_select of T", lambda: T(X45).T.index_select(0, T([1])), X45.T[[1]], F64),
    ("index_select empty", lambda: T(X45).index_select(0, T(np.zeros(0, np.int64))), X45[:0], F64),
    ("masked_fill", lambda: T(X45).masked_fill(T(MASK), -1.0), np.where(MASK, -1.0, X45), F64),
    ("masked_fill broadcast", lambda: T(X45).masked_fill(T(MASK[0]), 7), np.where(MASK[0], 7.0, X45), F64),
    ("masked_fill 0-d value", lambda: ember.masked_fill(T(X45), T(MASK), T(2.0)), np.where(MASK, 2.0, X45), F64),
    ("masked_fill int", lambda: T(np.arange(20).reshape(4, 5)).masked_fill(T(MASK), 0),
     np.where(MASK, 0, np.arange(20).reshape(4, 5)), I64),
    ("masked_select", lambda: T(X45).masked_select(T(MASK)), X45[MASK], F64),
    ("masked_select broadcast", lambda: ember.masked_select(T(X45), T(MASK[1])),
     X45[np.broadcast_to(MASK[1], X45.shape)], F64),
    ("masked_select of T", lambda: T(X45).T.masked_select(T(MASK.T)), X45.T[MASK.T], F64),
    ("nonzero", lambda: T(MASK).nonzero(), np.argwhere(MASK), I64),
    ("nonzero float", lambda: ember.nonzero(T(X45 * MASK)), np.argwhere(X45 * MASK), I64),
    ("nonzero 3-d int", lambda: T(np.arange(24).reshape(2, 3, 4) % 5).nonzero(),
     np.argwhere(np.arange(24).reshape(2, 3, 4) % 5), I64),
    ("nonzero 0-d", lambda: T(3.0).nonzero(), np.argwhere(np.array(3.0)), I64),
    ("nonzero none", lambda: ember.zeros(3).nonzero(), np.zeros((0, 1)), I64),
    ("nonzero of T", lambda: T(MASK).T.nonzero(), np.argwhere(MASK.T), I64),
]


def _inplace(t, f):
    r = f(t)
    assert r is t
    return t


@pytest.mark.parametrize("name, f, want, dtype", INDEX_FUNCS, ids=ids(INDEX_FUNCS))
def test_index_function(name, f, want, dtype):
    check(f(), want, dtype)


@pytest.mark.parametrize("f", [lambda m: m.nonzero(as_tuple=True), lambda m: ember.nonzero(m, as_tuple=True),
                               lambda m: ember.where(m)],
                         ids=["nonzero(as_tuple=True)", "ember.nonzero(as_tuple=True)", "where(cond)"])
def test_nonzero_as_tuple(f):
    got = f(T(MASK))
    assert isinstance(got, tuple) and len(got) == 2
    for g, w in zip(got, np.nonzero(MASK)):
        check(g, w, I64)


# ============================================================================ linear algebra
LINALG = [  # (label, forms, shape a, layout a, shape b, layout b)
    ("1-d @ 1-d", [op.matmul, ember.matmul, M("matmul")], (5,), "contig", (5,), "contig"),
    ("2-d @ 1-d", [op.matmul, ember.matmul], (3, 5), "contig", (5,), "contig"),
    ("1-d @ 2-d", [op.matmul, ember.matmul], (5,), "contig", (5, 4), "contig"),
    ("2-d @ 2-d", [op.matmul, ember.matmul, M("matmul")], (3, 5), "contig", (5, 4), "contig"),
    ("T @ 2-d", [op.matmul], (3, 5), "T", (5, 4), "contig"),
    ("2-d @ T", [op.matmul], (3, 5), "contig", (5, 4), "T"),
    ("T @ T", [op.matmul], (3, 5), "T", (5, 4), "T"),
    ("stepped @ stepped", [op.matmul], (3, 5), "step", (5, 4), "step"),
    ("expanded @ 2-d", [op.matmul], (3, 5), "expand", (5, 4), "contig"),
    ("batched", [op.matmul, ember.matmul], (2, 3, 5), "contig", (2, 5, 4), "contig"),
    ("batched T", [op.matmul], (2, 3, 5), "T", (2, 5, 4), "T"),
    ("(B,M,K) @ (K,N)", [op.matmul, ember.matmul], (2, 3, 5), "contig", (5, 4), "contig"),
    ("(M,K) @ (B,K,N)", [op.matmul], (3, 5), "contig", (2, 5, 4), "contig"),
    ("broadcast batch", [op.matmul], (2, 1, 3, 5), "contig", (4, 5, 2), "contig"),
    ("(B,M,K) @ (K,)", [op.matmul], (2, 3, 5), "contig", (5,), "contig"),
    ("(K,) @ (B,K,N)", [op.matmul], (5,), "contig", (2, 5, 4), "contig"),
    ("K=0", [op.matmul], (3, 0), "contig", (0, 4), "contig"),
    ("M=0", [op.matmul], (0, 5), "contig", (5, 4), "contig"),
    ("1x1", [op.matmul], (1, 1), "contig", (1, 1), "contig"),
    ("large", [op.matmul], (64, 128), "contig", (128, 96), "contig"),
    ("large T", [op.matmul], (64, 128), "T", (128, 96), "T"),
    ("mm", [ember.mm, M("mm")], (3, 5), "contig", (5, 4), "contig"),
    ("mm T", [ember.mm], (3, 5), "T", (5, 4), "step"),
    ("bmm", [ember.bmm, M("bmm")], (2, 3, 5), "contig", (2, 5, 4), "contig"),
    ("bmm T", [ember.bmm], (2, 3, 5), "T", (2, 5, 4), "T"),
    ("dot", [ember.dot, M("dot")], (6,), "contig", (6,), "contig"),
    ("dot stepped", [ember.dot], (6,), "step", (6,), "contig"),
    ("dot empty", [ember.dot], (0,), "contig", (0,), "contig"),
]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("name, forms, sa, la, sb, lb", LINALG, ids=ids(LINALG))
def test_matmul(name, forms, sa, la, sb, lb, dtype):
    gen = rng()
    x, a = make(gen, sa, dtype, "real", la)
    y, b = make(gen, sb, dtype, "real", lb)
    want = np.matmul(a, b)
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == F32 else dict(rtol=1e-12, atol=1e-12)
    for f in forms:
        check(f(x, y), want, dtype, what=label(f), **tol)


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("sa, la, sb, lb", [((3,), "contig", (4,), "contig"), ((3,), "step", (0,), "contig"),
                                            ((1,), "contig", (5,), "step")], ids=["3x4", "empty", "stepped"])
def test_outer(sa, la, sb, lb, dtype):
    gen = rng()
    x, a = make(gen, sa, dtype, "real", la)
    y, b = make(gen, sb, dtype, "real", lb)
    for f in (ember.outer, M("outer")):
        check(f(x, y), np.outer(a, b), dtype, what=label(f))


# ============================================================================ factories
NPA = np.array([[1.5, -2.0], [3.25, 4.0]])
NP34 = np.arange(12.0).reshape(3, 4)

FACTORIES = [  # (label, thunk, expected values, dtype)
    ("tensor nested floats", lambda: T([[1.5, -2.0], [3.25, 4.0]]), NPA, F32),
    ("tensor ints", lambda: T([1, 2, 3]), [1, 2, 3], I64),
    ("tensor bools", lambda: T([True, False]), [1, 0], BOOL),
    ("tensor mixed int float", lambda: T([1, 2.5]), [1, 2.5], F32),
    ("tensor mixed bool int", lambda: T([True, 2]), [1, 2], I64),
    ("tensor float scalar", lambda: T(3.5), 3.5, F32),
    ("tensor int scalar", lambda: T(-3), -3, I64),
    ("tensor bool scalar", lambda: T(True), 1, BOOL),
    ("tensor []", lambda: T([]), np.zeros(0), F32),
    ("tensor [[]]", lambda: T([[]]), np.zeros((1, 0)), F32),
    ("tensor 3-d", lambda: T([[[1], [2]], [[3], [4]]]), [[[1], [2]], [[3], [4]]], I64),
    ("tensor tuple", lambda: T((1.0, 2.0)), [1, 2], F32),
    ("tensor np float64", lambda: T(NPA), NPA, F64),
    ("tensor np float32", lambda: T(NPA.astype(np.float32)), NPA, F32),
    ("tensor np int32", lambda: T(np.array([1, 2], np.int32)), [1, 2], I32),
    ("tensor np int64", lambda: T(np.array([1, 2], np.int64)), [1, 2], I64),
    ("tensor np bool", lambda: T(np.array([True, False])), [1, 0], BOOL),
    ("tensor np 0-d", lambda: T(np.array(2.5)), 2.5, F64),
    ("tensor np.float64 scalar", lambda: T(np.float64(2.5)), 2.5, F64),
    ("tensor np non-contiguous", lambda: T(NP34.T[:, ::2]), NP34.T[:, ::2], F64),
    ("tensor dtype=float64", lambda: T([1, 2], dtype=F64), [1, 2], F64),
    ("tensor dtype=int64 truncates", lambda: T([1.7, -1.7], dtype=I64), [1, -1], I64),
    ("tensor dtype=int32 from np", lambda: T(np.array([1.0, 2.0]), dtype=I32), [1, 2], I32),
    ("tensor dtype=bool", lambda: T([0.0, 2.0], dtype=BOOL), [0, 1], BOOL),
    ("tensor of 0-d tensors", lambda: T([T(1.5), T(2.0)]), [1.5, 2.0], F32),
    ("tensor of a tensor", lambda: T(T([1, 2], dtype=I32)), [1, 2], I32),
    ("as_tensor list", lambda: ember.as_tensor([1.0, 2.0]), [1, 2], F32),
    ("as_tensor np", lambda: ember.as_tensor(NPA), NPA, F64),
    ("as_tensor np dtype", lambda: ember.as_tensor(NPA, dtype=F32), NPA, F32),
    ("from_numpy", lambda: ember.from_numpy(NPA.astype(np.int32)), NPA.astype(np.int32), I32),
    ("from_numpy non-contiguous", lambda: ember.from_numpy(NPA[:, ::2]), NPA[:, ::2], F64),
    ("zeros(2, 3)", lambda: ember.zeros(2, 3), np.zeros((2, 3)), F32),
    ("zeros((2, 3))", lambda: ember.zeros((2, 3)), np.zeros((2, 3)), F32),
    ("zeros([2, 3]) int64", lambda: ember.zeros([2, 3], dtype=I64), np.zeros((2, 3)), I64),
    ("zeros(())", lambda: ember.zeros(()), np.zeros(()), F32),
    ("zeros(0)", lambda: ember.zeros(0), np.zeros(0), F32),
    ("zeros(Size)", lambda: ember.zeros(T(NPA).shape), np.zeros((2, 2)), F32),
    ("ones", lambda: ember.ones(3), np.ones(3), F32),
    ("ones bool", lambda: ember.ones(2, 2, dtype=BOOL), np.ones((2, 2)), BOOL),
    ("full float", lambda: ember.full((2, 3), 1.5), np.full((2, 3), 1.5), F32),
    ("full int", lambda: ember.full((2,), 7), [7, 7], I64),
    ("full bool", lambda: ember.full((2,), True), [1, 1], BOOL),
    ("full dtype", lambda: ember.full([2, 2], 2, dtype=F64), np.full((2, 2), 2.0), F64),
    ("zeros_like", lambda: ember.zeros_like(T([1, 2], dtype=I32)), [0, 0], I32),
    ("zeros_like of T", lambda: ember.zeros_like(T(NPA).T), np.zeros((2, 2)), F64),
    ("ones_like dtype", lambda: ember.ones_like(T([1, 2]), dtype=F64), [1, 1], F64),
    ("full_like", lambda: ember.full_like(T([1.0, 2.0]), 3), [3, 3], F32),
    ("full_like int truncates", lambda: ember.full_like(T([1, 2]), 2.7), [2, 2], I64),
    ("arange(5)", lambda: ember.arange(5), np.arange(5), I64),
    ("arange(2, 8)", lambda: ember.arange(2, 8), np.arange(2, 8), I64),
    ("arange(0, 10, 3)", lambda: ember.arange(0, 10, 3), np.arange(0, 10, 3), I64),
    ("arange(5, 0, -1)", lambda: ember.arange(5, 0, -1), np.arange(5, 0, -1), I64),
    ("arange(-3, 3, 2)", lambda: ember.arange(-3, 3, 2), np.arange(-3, 3, 2), I64),
    ("arange(0)", lambda: ember.arange(0), np.zeros(0), I64),
    ("arange float", lambda: ember.arange(0.0, 1.0, 0.25), np.arange(0, 1, 0.25), F32),
    ("arange float step", lambda: ember.arange(0, 1, 0.1), np.arange(10) * 0.1, F32),
    ("arange float negative step", lambda: ember.arange(1.0, -1.0, -0.5), np.arange(1, -1, -0.5), F32),
    ("arange dtype", lambda: ember.arange(4, dtype=F64), np.arange(4.0), F64),
    ("arange(2.5)", lambda: ember.arange(2.5), [0, 1, 2], F32),
    ("linspace", lambda: ember.linspace(0, 1, 5), np.linspace(0, 1, 5), F32),
    ("linspace decreasing", lambda: ember.linspace(2, -1, 7), np.linspace(2, -1, 7), F32),
    ("linspace 1", lambda: ember.linspace(-1, 1, 1), [-1], F32),
    ("linspace 0", lambda: ember.linspace(0, 10, 0), np.zeros(0), F32),
    ("linspace float64", lambda: ember.linspace(0, 1, 11, dtype=F64), np.linspace(0, 1, 11), F64),
    ("eye(3)", lambda: ember.eye(3), np.eye(3), F32),
    ("eye(2, 4)", lambda: ember.eye(2, 4), np.eye(2, 4), F32),
    ("eye(4, 2) int64", lambda: ember.eye(4, 2, dtype=I64), np.eye(4, 2), I64),
    ("eye(0)", lambda: ember.eye(0), np.eye(0), F32),
]


@pytest.mark.parametrize("name, f, want, dtype", FACTORIES, ids=ids(FACTORIES))
def test_factory(name, f, want, dtype):
    check(f(), want, dtype)


@pytest.mark.parametrize("f, shape, dtype", [
    (lambda: ember.empty(2, 3), (2, 3), F32), (lambda: ember.empty((0, 4), dtype=I64), (0, 4), I64),
    (lambda: ember.empty_like(T([[1, 2]], dtype=I32)), (1, 2), I32),
    (lambda: ember.empty_like(T([1.0]), dtype=F64), (1,), F64)], ids=["empty", "empty int64", "empty_like",
                                                                     "empty_like dtype"])
def test_empty(f, shape, dtype):
    t = f()
    assert tuple(t.shape) == shape and t.dtype == dtype


def test_tensor_copies_its_data():
    a = NPA.copy()
    t = T(a)
    a[0, 0] = 100
    check(t, NPA, F64)
    t2 = T(t)
    t2.fill_(0)
    check(t, NPA, F64, what="ember.tensor(tensor) copies")


@pytest.mark.parametrize("make_t", [ember.from_numpy, ember.as_tensor], ids=["from_numpy", "as_tensor"])
def test_numpy_to_tensor_shares_memory(make_t):
    a = NPA.copy()
    t = make_t(a)
    a[0, 1] = 42.0
    check(t, a, F64, what="a write to the array shows in the tensor")
    t.mul_(2)
    np.testing.assert_array_equal(a, np.array([[3.0, 84.0], [6.5, 8.0]]), "a write to the tensor shows in the array")


def test_from_numpy_strided_shares_memory():
    a = np.arange(12.0).reshape(3, 4)
    t = ember.from_numpy(a[:, ::2])
    t.fill_(-1)
    assert (a[:, ::2] == -1).all() and (a[:, 1::2] >= 0).all()


# ============================================================================ introspection
X234 = _base((2, 3, 4))

INTROSPECTION = [  # (label, thunk, expected)
    ("shape", lambda: T(X234).shape, (2, 3, 4)),
    ("shape is a tuple", lambda: isinstance(T(X234).shape, tuple), True),
    ("shape[-1]", lambda: T(X234).shape[-1], 4),
    ("size()", lambda: T(X234).size(), (2, 3, 4)),
    ("size(1)", lambda: T(X234).size(1), 3),
    ("size(-1)", lambda: T(X234).size(-1), 4),
    ("size() 0-d", lambda: T(1.0).size(), ()),
    ("dim()", lambda: T(X234).dim(), 3),
    ("dim() 0-d", lambda: T(1.0).dim(), 0),
    ("ndim", lambda: T(X234).ndim, 3),
    ("numel()", lambda: T(X234).numel(), 24),
    ("numel() empty", lambda: ember.zeros(3, 0).numel(), 0),
    ("numel() 0-d", lambda: T(1.0).numel(), 1),
    ("ember.numel", lambda: ember.numel(T(X234)), 24),
    ("dtype", lambda: T(X234).dtype, F32),
    ("device str", lambda: str(T(X234).device), "cpu"),
    ("device.type", lambda: T(X234).device.type, "cpu"),
    ("device == 'cpu'", lambda: T(X234).device == ember.device("cpu"), True),
    ("is_contiguous", lambda: T(X234).is_contiguous(), True),
    ("is_contiguous T", lambda: T(X234).transpose(0, 1).is_contiguous(), False),
    ("is_contiguous stepped", lambda: T(X234)[:, ::2].is_contiguous(), False),
    ("is_contiguous slice of rows", lambda: T(X234)[1:].is_contiguous(), True),
    ("is_contiguous ignores size-1 dims", lambda: T(X234)[1:2].transpose(0, 1).is_contiguous(), True),
    ("is_contiguous expanded", lambda: T([1.0]).expand(3).is_contiguous(), False),
    ("stride()", lambda: T(X234).stride(), (12, 4, 1)),
    ("stride(0)", lambda: T(X234).stride(0), 12),
    ("stride(-1)", lambda: T(X234).stride(-1), 1),
    ("stride() transposed", lambda: T(X234).transpose(0, 2).stride(), (1, 4, 12)),
    ("stride() permuted", lambda: T(X234).permute(1, 2, 0).stride(), (4, 1, 12)),
    ("stride() stepped", lambda: T(X234)[:, ::2, 1::3].stride(), (12, 8, 3)),
    ("stride() expanded", lambda: T([[1.0], [2.0]]).expand(2, 3).stride(), (1, 0)),
    ("stride() 0-d", lambda: T(1.0).stride(), ()),
    ("stride() unsqueeze", lambda: T(X234).unsqueeze(1).stride(), (12, 12, 4, 1)),
    ("stride() select", lambda: T(X234).select(1, 1).stride(), (12, 1)),
    ("item float", lambda: T(2.5).item(), 2.5),
    ("item float type", lambda: type(T(2.5).item()), float),
    ("item int", lambda: T([7]).item(), 7),
    ("item int type", lambda: type(T([7], dtype=I32).item()), int),
    ("item bool type", lambda: type(T(True).item()), bool),
    ("item of [[x]]", lambda: T([[-1.5]], dtype=F64).item(), -1.5),
    ("float(t)", lambda: float(T([2.5])), 2.5),
    ("int(t)", lambda: int(T(7)), 7),
    ("bool(t)", lambda: bool(T([0.0])), False),
    ("tolist", lambda: T([[1, 2], [3, 4]]).tolist(), [[1, 2], [3, 4]]),
    ("tolist floats", lambda: T([0.5, 1.5]).tolist(), [0.5, 1.5]),
    ("tolist types", lambda: [type(v) for v in T([1.5, 2]).tolist() + T([1]).tolist() + T([True]).tolist()],
     [float, float, int, bool]),
    ("tolist 0-d", lambda: T(3).tolist(), 3),
    ("tolist of T", lambda: T([[1, 2], [3, 4]]).T.tolist(), [[1, 3], [2, 4]]),
    ("tolist empty", lambda: ember.zeros(2, 0).tolist(), [[], []]),
    ("len", lambda: len(T(X234)), 2),
    ("len empty", lambda: len(ember.zeros(0, 3)), 0),
    ("iteration", lambda: [r.tolist() for r in T([[1, 2], [3, 4]])], [[1, 2], [3, 4]]),
    ("iteration 1-d gives 0-d", lambda: [r.dim() for r in T([1, 2])], [0, 0]),
    ("in", lambda: (2 in T([1, 2]), 5 in T([1, 2])), (True, False)),
    ("is_floating_point", lambda: (T(1.0).is_floating_point(), T(1).is_floating_point()), (True, False)),
    ("element_size", lambda: [ember.zeros(1, dtype=d).element_size() for d in ALL], [4, 8, 8, 4, 1]),
]


@pytest.mark.parametrize("name, f, want", INTROSPECTION, ids=ids(INTROSPECTION))
def test_introspection(name, f, want):
    got = f()
    assert got == want, f"{got!r} != {want!r}"
    if isinstance(want, (int, float)) and not isinstance(want, bool) and "type" not in name:
        assert type(got) is type(want), f"{type(got).__name__}, expected {type(want).__name__}"


CONVERSIONS = [  # (label, f(t), result dtype, reference of the values)
    (".to(float64)", lambda t: t.to(F64), F64, lambda a: a),
    (".to(dtype=int32)", lambda t: t.to(dtype=I32), I32, np.trunc),
    (".to(other tensor)", lambda t: t.to(T([1], dtype=I64)), I64, np.trunc),
    (".to('cpu', float64)", lambda t: t.to("cpu", F64), F64, lambda a: a),
    (".float()", lambda t: t.double().float(), F32, lambda a: a),
    (".double()", lambda t: t.double(), F64, lambda a: a),
    (".long()", lambda t: t.long(), I64, np.trunc),
    (".int()", lambda t: t.int(), I32, np.trunc),
    (".bool()", lambda t: t.bool(), BOOL, lambda a: a != 0),
    (".bool().float()", lambda t: t.bool().float(), F32, lambda a: a != 0),
    (".long().double()", lambda t: t.long().double(), F64, np.trunc),
    (".type(float64)", lambda t: t.type(F64), F64, lambda a: a),
    (".type_as", lambda t: t.type_as(T([1], dtype=I32)), I32, np.trunc),
]


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("name, f, dtype, want", CONVERSIONS, ids=ids(CONVERSIONS))
def test_conversion(name, f, dtype, want, layout):
    x, a = make(rng(), (3, 4), F32, "int" if "bool" in name else "real", layout)
    check(f(x), want(a), dtype)


def test_to_same_dtype_is_self_and_copies_otherwise():
    t = T([1.0, 2.0])
    assert t.to(F32) is t and t.float() is t and t.to("cpu") is t
    u = t.to(F32, copy=True)
    u.fill_(0)
    check(t, [1, 2], F32, what="to(copy=True) copies")
    d = t.double()
    d.fill_(0)
    check(t, [1, 2], F32, what="a converted tensor is new memory")


# ============================================================================ NumPy and DLPack interop
INTEROP = [  # (label, f(t) -> NumPy array expected to share t's memory)
    (".numpy()", lambda t: t.numpy()),
    ("np.asarray", lambda t: np.asarray(t)),
    ("np.array(copy=None)", lambda t: np.array(t, copy=None)),
    ("np.from_dlpack", lambda t: np.from_dlpack(t)),
]


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("dtype", ALL, ids=[NAME[d] for d in ALL])
@pytest.mark.parametrize("name, f", INTEROP, ids=ids(INTEROP))
def test_to_numpy_shares_memory(name, f, dtype, layout):
    x, a = make(rng(), (3, 4), dtype, "int", layout)
    n = f(x)
    assert n.dtype == NP[dtype] and n.shape == (3, 4)
    np.testing.assert_array_equal(n.astype(np.float64), a)
    x.fill_(1)
    assert (n == 1).all(), "a write to the tensor shows in the array"
    n[...] = 0
    check(x, np.zeros((3, 4)), dtype, what="a write to the array shows in the tensor")


@pytest.mark.parametrize("dtype", ALL, ids=[NAME[d] for d in ALL])
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_from_dlpack_shares_memory(dtype, layout):
    a = np.zeros((4, 6), NP[dtype])
    view = {"contig": a, "T": a.T, "step": a[:, ::2]}[layout]
    t = ember.from_dlpack(view)
    assert t.dtype == dtype and tuple(t.shape) == view.shape
    view[...] = 1
    check(t, np.ones(view.shape), dtype, what="a write to the array shows in the tensor")
    t.zero_()
    assert not view.any(), "a write to the tensor shows in the array"


def test_dlpack_round_trip():
    t = T(X234)
    u = ember.from_dlpack(t)
    u[0, 0, 0] = -5
    assert t[0, 0, 0].item() == -5
    check(u, np.where(np.arange(24).reshape(2, 3, 4) == 0, -5, X234), F32)


# ============================================================================ special values
INF, NAN = np.inf, np.nan
SPECIAL = [  # (label, f(t), input values, reference)
    ("round half to even", lambda t: t.round(), [0.5, 1.5, 2.5, -0.5, -2.5, 0.49999997], np.round),
    ("sign of 0, -0, nan, -inf", lambda t: t.sign(), [0.0, -0.0, NAN, -INF], lambda a: [0, 0, 0, -1]),
    ("maximum propagates nan", lambda t: ember.maximum(t, T([0.0, NAN, 1.0])), [NAN, 1.0, 2.0],
     lambda a: np.maximum(a, [0.0, NAN, 1.0])),
    ("minimum propagates nan", lambda t: ember.minimum(t, T([0.0, NAN, 1.0])), [NAN, 1.0, 2.0],
     lambda a: np.minimum(a, [0.0, NAN, 1.0])),
    ("clamp keeps nan", lambda t: t.clamp(-1, 1), [NAN, 5.0, -5.0], lambda a: np.clip(a, -1, 1)),
    ("relu keeps nan", lambda t: t.relu(), [NAN, -1.0], lambda a: np.where(np.isnan(a), a, np.maximum(a, 0))),
    ("exp overflow", lambda t: t.exp(), [100.0, -200.0, INF, -INF], np.exp),
    ("log 0, -1, inf", lambda t: t.log(), [0.0, -1.0, INF], np.log),
    ("sqrt -1", lambda t: t.sqrt(), [-1.0, 4.0], np.sqrt),
    ("1/0, -1/0, 0/0", lambda t: t / T([0.0, 0.0, 0.0]), [1.0, -1.0, 0.0], lambda a: a / 0.0),
    ("1 / t", lambda t: 1 / t, [2.0, -0.0, 0.0], lambda a: 1 / a),
    ("floor_divide by 0", lambda t: t // 0.0, [1.0, -1.0], lambda a: np.floor_divide(a, 0.0)),
    ("remainder by 0", lambda t: t % 0.0, [1.0], lambda a: np.remainder(a, 0.0)),
    ("remainder sign of divisor", lambda t: t % T([3.0, -3.0, 3.0, -3.0]), [5.0, 5.0, -5.0, -5.0],
     lambda a: np.remainder(a, [3.0, -3.0, 3.0, -3.0])),
    ("sigmoid extremes", lambda t: t.sigmoid(), [-100.0, 100.0, -INF, INF], lambda a: 1 / (1 + np.exp(-a))),
    ("tanh extremes", lambda t: t.tanh(), [-50.0, 50.0, INF], np.tanh),
    ("logsumexp stable", lambda t: t.logsumexp(0), [1000.0, 1000.0], lambda a: 1000 + np.log(2)),
    ("logsumexp with -inf", lambda t: t.logsumexp(0), [-INF, 0.0], lambda a: 0.0),
    ("logsumexp all -inf", lambda t: t.logsumexp(0), [-INF, -INF], lambda a: -INF),
    ("logsumexp with inf", lambda t: t.logsumexp(0), [INF, 0.0], lambda a: INF),
    ("amax propagates nan", lambda t: t.amax(), [1.0, NAN, 3.0], np.max),
    ("max(dim) picks nan", lambda t: t.max(0)[1], [1.0, NAN, 3.0], lambda a: 1),
    ("argmax picks nan", lambda t: t.argmax(), [1.0, NAN, 3.0], lambda a: 1),
    ("sum with inf", lambda t: t.sum(), [INF, 1.0], np.sum),
    ("sum inf - inf", lambda t: t.sum(), [INF, -INF], np.sum),
    ("nan == nan is False", lambda t: t == t, [NAN, 1.0], lambda a: a == a),
    ("nan != nan is True", lambda t: t != t, [NAN, 1.0], lambda a: a != a),
    ("pow 0 ** 0", lambda t: t ** 0, [0.0, NAN], lambda a: a ** 0),
    ("pow negative ** 0.5", lambda t: t ** 0.5, [-4.0, 4.0], lambda a: a ** 0.5),
    ("int floor_divide negative", lambda t: t // 3, [-7, 7, -6], lambda a: np.floor_divide(a, 3)),
    ("int remainder negative", lambda t: t % -3, [-7, 7, -6], lambda a: np.remainder(a, -3)),
    ("int fmod negative", lambda t: ember.fmod(t, 3), [-7, 7, -6], lambda a: np.fmod(a, 3)),
    ("int abs, neg", lambda t: -t.abs(), [-7, 7, 0], lambda a: -np.abs(a)),
    ("int64 large values", lambda t: t + 1, [2 ** 53, -2 ** 40], lambda a: a + 1),
]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("name, f, values, want", SPECIAL, ids=ids(SPECIAL))
def test_special_values(name, f, values, want, dtype):
    if isinstance(values[0], int):  # integer rows run in int32 and int64 and compare exactly
        idt = I32 if dtype == F32 and max(abs(v) for v in values) < 2 ** 31 else I64
        a = np.array(values, NP[idt])
        r = f(T(a))
        assert r.dtype == idt, f"dtype {r.dtype}, expected {idt}"
        np.testing.assert_array_equal(np.asarray(r).astype(np.int64), want(a.astype(np.int64)))
        return
    a = np.array(values, NP[dtype])
    r = f(T(a))
    w = ref(lambda v: np.asarray(want(v)).astype(NP[dtype]))(a.astype(np.float64))  # rounded (overflowed) to dtype
    check(r, np.broadcast_to(w, tuple(r.shape)), r.dtype if r.dtype in (BOOL, I64) else dtype)


# ============================================================================ errors
ERRORS = [  # (label, thunk, PyTorch's exception type)
    ("neg of bool", lambda: -T([True]), RuntimeError),
    ("bool - bool", lambda: T([True]) - T([False]), RuntimeError),
    ("float - True", lambda: T([1.0]) - True, RuntimeError),
    ("True - int", lambda: True - T([1]), RuntimeError),
    ("broadcast mismatch", lambda: T([1.0, 2.0, 3.0]) + T([1.0, 2.0]), RuntimeError),
    ("int ** negative int", lambda: T([2, 3]) ** -1, RuntimeError),
    ("integer division by zero", lambda: T([1]) // T([0]), RuntimeError),
    ("int add_ float", lambda: T([1, 2]).add_(1.5), RuntimeError),
    ("int div_ int", lambda: T([1, 2]).div_(2), RuntimeError),
    ("in-place broadcast grows self", lambda: ember.zeros(1, 3).add_(ember.ones(2, 3)), RuntimeError),
    ("out= int for float result", lambda: ember.exp(T([1.0]), out=ember.empty(1, dtype=I64)), RuntimeError),
    ("matmul shape mismatch", lambda: ember.ones(2, 3) @ ember.ones(4, 5), RuntimeError),
    ("matmul dtype mismatch", lambda: ember.ones(2, 3) @ ember.ones(3, 2, dtype=F64), RuntimeError),
    ("matmul 0-d", lambda: T(1.0) @ T(2.0), RuntimeError),
    ("mm of 3-d", lambda: ember.mm(ember.ones(2, 2, 2), ember.ones(2, 2)), RuntimeError),
    ("bmm batch mismatch", lambda: ember.bmm(ember.ones(2, 2, 3), ember.ones(3, 3, 2)), RuntimeError),
    ("dot length mismatch", lambda: ember.dot(ember.ones(3), ember.ones(4)), RuntimeError),
    ("view of transposed", lambda: ember.ones(2, 3).T.view(6), RuntimeError),
    ("view wrong numel", lambda: ember.ones(2, 3).view(5), RuntimeError),
    ("view two -1", lambda: ember.ones(2, 3).view(-1, -1), RuntimeError),
    ("reshape wrong numel", lambda: ember.ones(2, 3).reshape(4, 2), RuntimeError),
    ("expand non-1 dim", lambda: ember.ones(2, 3).expand(4, 3), RuntimeError),
    ("permute repeated dim", lambda: ember.ones(2, 3).permute(0, 0), RuntimeError),
    ("transpose dim out of range", lambda: ember.ones(2, 3).transpose(0, 2), IndexError),
    ("sum dim out of range", lambda: ember.ones(2, 3).sum(2), IndexError),
    ("squeeze dim out of range", lambda: ember.ones(2, 3).squeeze(3), IndexError),
    ("narrow past the end", lambda: ember.ones(2, 3).narrow(1, 2, 2), RuntimeError),
    ("cat shape mismatch", lambda: ember.cat([ember.ones(2, 3), ember.ones(2, 4)]), RuntimeError),
    ("cat empty list", lambda: ember.cat([]), ValueError),
    ("stack shape mismatch", lambda: ember.stack([ember.ones(2), ember.ones(3)]), RuntimeError),
    ("index out of range", lambda: ember.ones(2, 3)[2], IndexError),
    ("index too many dims", lambda: ember.ones(2, 3)[0, 0, 0], IndexError),
    ("tensor index out of range", lambda: ember.ones(2, 3)[T([0, 5])], IndexError),
    ("mask shape mismatch", lambda: ember.ones(2, 3)[T([True, False, True])], IndexError),
    ("select out of range", lambda: ember.ones(2, 3).select(1, 3), IndexError),
    ("float index tensor", lambda: ember.ones(2, 3)[T([0.0])], IndexError),
    ("setitem shape mismatch", lambda: ember.ones(2, 3).__setitem__(0, ember.ones(2)), RuntimeError),
    ("gather index out of range", lambda: ember.ones(2, 3).gather(1, T([[0, 3]])), RuntimeError),
    ("index_select index out of range", lambda: ember.ones(2, 3).index_select(0, T([2])), IndexError),
    ("masked_fill non-bool mask", lambda: ember.ones(2).masked_fill(T([1, 0]), 0.0), RuntimeError),
    ("where non-bool condition", lambda: ember.where(T([1, 0]), T([1.0, 2.0]), T([3.0, 4.0])), RuntimeError),
    ("mean of int", lambda: T([1, 2]).mean(), RuntimeError),
    ("var of int", lambda: T([1, 2]).var(), RuntimeError),
    ("amax of empty", lambda: ember.zeros(0, 3).amax(0), IndexError),
    ("argmax of empty", lambda: ember.zeros(0).argmax(), IndexError),
    ("item of many", lambda: ember.ones(2).item(), RuntimeError),
    ("bool of many", lambda: bool(ember.ones(2)), RuntimeError),
    ("len of 0-d", lambda: len(T(1.0)), TypeError),
    ("iterate 0-d", lambda: iter(T(1.0)), TypeError),
    ("ragged list", lambda: T([[1, 2], [3]]), ValueError),
    ("tensor of str", lambda: T("abc"), TypeError),
    ("from_numpy negative strides", lambda: ember.from_numpy(np.arange(3.0)[::-1]), ValueError),
    ("from_numpy unsupported dtype", lambda: ember.from_numpy(np.zeros(2, "U1")), TypeError),
    ("slice negative step", lambda: ember.ones(4)[::-1], ValueError),
    ("chunk 0", lambda: ember.ones(4).chunk(0), RuntimeError),
    ("split sizes mismatch", lambda: ember.ones(4).split([1, 2]), RuntimeError),
    ("arange step 0", lambda: ember.arange(0, 5, 0), RuntimeError),
    ("arange wrong sign", lambda: ember.arange(0, 5, -1), RuntimeError),
    ("linspace negative steps", lambda: ember.linspace(0, 1, -1), RuntimeError),
    ("zeros negative size", lambda: ember.zeros(-1), RuntimeError),
]


@pytest.mark.parametrize("name, f, exc", ERRORS, ids=ids(ERRORS))
def test_error(name, f, exc):
    with pytest.raises(exc):
        f()


def test_index_select_of_a_0d_tensor_stays_0d():
    # torch 2.13: a 0-d input is indexed as one element and the result keeps 0 dims
    out = ember.tensor(3.5).index_select(0, ember.tensor([0]))
    assert out.shape == () and out.item() == 3.5


@pytest.mark.parametrize("dtype", [F32, F64, I64, I32, ember.bool, ember.float16])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])  # rows moved whole / element by element
def test_row_indexing_with_repeats_matches_numpy(dtype, layout):
    np_dtype = np.float16 if dtype == ember.float16 else NP[dtype]
    base = (np.arange(60).reshape(6, 10) % 7).astype(np_dtype)
    idx = np.array([4, 0, 4, 2, 5, 4])  # 4 repeated: the last write wins; accumulate adds all three
    vals = (np.arange(60).reshape(6, 10) % 3 + 1).astype(np_dtype)
    t = ember.tensor(base)
    if layout == "transposed":
        t = ember.tensor(np.ascontiguousarray(base.T)).t()
    assert np.array_equal(t[ember.tensor(idx)].numpy(), base[idx])
    assert np.array_equal(t.index_select(0, ember.tensor(idx)).numpy(), base[idx])
    a = base.copy()
    a[idx] = vals
    u = t.clone() if layout == "contiguous" else ember.tensor(np.ascontiguousarray(base.T)).t()
    u[ember.tensor(idx)] = ember.tensor(vals)
    assert np.array_equal(u.numpy(), a)
    a = base.copy()
    a[idx] = 1
    u[...] = ember.tensor(base)
    u[ember.tensor(idx)] = 1
    assert np.array_equal(u.numpy(), a)
    if dtype != ember.bool:
        a = base.copy()
        np.add.at(a, idx, vals)
        u[...] = ember.tensor(base)
        u.index_put_((ember.tensor(idx),), ember.tensor(vals), accumulate=True)
        assert np.array_equal(u.numpy(), a)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_half_targets_take_out_of_range_assignments_as_inf(dtype):
    # torch 2.13's where and setitem do not range-check float16/bfloat16 (fill_ and masked_fill do):
    # the common attention-mask pattern where(mask, scores, -1e9) gives -inf.
    m = ember.tensor([True, False])
    x = ember.zeros(2, dtype=dtype)
    assert ember.where(m, x, -1e39).tolist() == [0.0, -np.inf]
    for index in (slice(0, 2), ember.tensor([0, 1]), ember.tensor([True, True])):
        y = ember.zeros(2, dtype=dtype)
        y[index] = 1e39
        assert y.tolist() == [np.inf, np.inf]
    with pytest.raises(RuntimeError, match="without overflow"):
        x.fill_(1e39)


def test_row_indexing_on_views_and_trailing_rows():
    # the whole-row path on an offset view, 3-d rows, a mask and zero-width rows, against NumPy
    base = np.arange(5 * 4 * 3, dtype=np.float32).reshape(5, 4, 3)
    t = ember.tensor(base)
    idx = np.array([3, 0, 3])
    np.testing.assert_array_equal(t[1:][ember.tensor(idx)].numpy(), base[1:][idx])
    np.testing.assert_array_equal(t[:, :, :0][ember.tensor(idx)].numpy(), base[:, :, :0][idx])
    mask = np.array([True, False, True, False, True])
    np.testing.assert_array_equal(t[ember.tensor(mask)].numpy(), base[mask])
    a, u = base.copy(), t.clone()
    a[1:][idx] = -1
    u[1:][ember.tensor(idx)] = -1
    np.testing.assert_array_equal(u.numpy(), a)
    a[1:][idx] = base[:3]
    u[1:][ember.tensor(idx)] = ember.tensor(base[:3])
    np.testing.assert_array_equal(u.numpy(), a)
    np.add.at(a[1:], idx, base[:3])
    u[1:].index_put_((ember.tensor(idx),), ember.tensor(base[:3]), accumulate=True)
    np.testing.assert_array_equal(u.numpy(), a)


def test_integer_division_of_the_minimum_by_minus_one():
    # INT_MIN // -1 overflows: torch 2.13 gives the wrapped value (and % gives 0) instead of a CPU trap
    for dtype, lo in ((I64, -2**63), (I32, -2**31)):
        m = ember.tensor([lo, 5], dtype=dtype)
        assert (m // -1).tolist() == [lo, -5]
        assert (m % -1).tolist() == [0, 0]
        assert ember.fmod(m, -1).tolist() == [0, 0]
        assert m.div(-1, rounding_mode="trunc").tolist() == [lo, -5]


def test_size_arguments_take_one_element_integer_tensors():
    x = ember.ones(2, 3)
    assert x.view(ember.tensor([3]), 2).shape == (3, 2) and x.view(ember.tensor(6)).shape == (6,)


def test_manual_seed_takes_the_whole_uint64_range():
    assert ember.Generator().manual_seed(2**64 - 1).initial_seed() == 2**64 - 1
    assert ember.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    assert (ember.ones(2) * 2**63).tolist() == [2.0**63, 2.0**63]  # beyond int64: taken as a double
