"""sort/argsort/topk/kthvalue/median, unique/unique_consecutive, exponential_,
multinomial and WeightedRandomSampler.

Forward values against NumPy; the order of ties, the random draws and the
samplers' indices against PyTorch 2.13, recorded by tests/record_torch_sort.py
into tests/data/torch_sort.json (its docstring gives the format). Gradients are
in test_autograd_ops.py's table."""
import hashlib
import importlib.util
import json
import os

import numpy as np
import pytest

import ember
from helpers import ALL, BOOL, F32, F64, FLOATS, I32, I64, NAME, NUMERIC, check, make, rng

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_record_torch_sort", os.path.join(HERE, "record_torch_sort.py"))
recipes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recipes)  # make_values / make_probs only: the recorder imports torch inside main()

with open(os.path.join(HERE, "data", "torch_sort.json")) as _f:
    DOC = json.load(_f)

DTYPES = {"float32": F32, "float64": F64, "float16": ember.float16, "bfloat16": ember.bfloat16, "int64": I64,
          "int32": I32, "bool": BOOL}
HALF = (ember.float16, ember.bfloat16)


def matches(got, rec, what=""):
    """got (a NumPy array in memory order) equals a recorded result: every value, or head, tail and digest."""
    dtype = {"int64": np.int64, "float32": np.float32, "float64": np.float64}[rec["dtype"]]
    arr = np.ascontiguousarray(np.asarray(got).reshape(-1).astype(dtype))
    decode = (lambda v: float.fromhex(v)) if rec["dtype"].startswith("float") else int
    assert arr.size == rec["count"], f"{what}: {arr.size} values, torch gave {rec['count']}"
    if "values" in rec:
        want = np.array([decode(v) for v in rec["values"]], dtype=dtype)
        np.testing.assert_array_equal(arr, want, err_msg=what)
    else:
        np.testing.assert_array_equal(arr[:len(rec["head"])], np.array([decode(v) for v in rec["head"]], dtype),
                                      err_msg=f"{what} (head)")
        np.testing.assert_array_equal(arr[-len(rec["tail"]):], np.array([decode(v) for v in rec["tail"]], dtype),
                                      err_msg=f"{what} (tail)")
        assert hashlib.sha256(arr.tobytes()).hexdigest() == rec["sha256"], f"{what}: digest differs from torch's"


def flat(t):
    """A tensor's values in row-major order as NumPy (float16/bfloat16 widened to float32, bool as int64)."""
    if t.dtype in HALF:
        t = t.float()
    elif t.dtype == BOOL:
        t = t.long()
    return t.contiguous().reshape(-1).numpy()


# ============================================================================ ties: torch's index order
def tie_input(c):
    x = ember.tensor(recipes.make_values(c["seed"], max(c["rows"], 1), c["n"], c["levels"], c["nan"]))
    x = x.to(DTYPES[c["dtype"]])
    return x[0] if c["rows"] == 0 else x.t().contiguous().t() if c["transpose"] else x


def tie_id(c):
    extra = {"sort": lambda: f"{'desc' if c['descending'] else 'asc'}{'-stable' if c['stable'] else ''}",
             "topk": lambda: f"k{c['k']}-{'largest' if c['largest'] else 'smallest'}"
                             f"{'' if c['sorted'] else '-unsorted'}",
             "kthvalue": lambda: f"k{c['k']}", "median": lambda: ""}[c["op"]]()
    return f"{c['op']}-{c['dtype']}-{c['rows']}x{c['n']}-l{c['levels']}{'-nan' if c['nan'] else ''}-{extra}"


@pytest.mark.parametrize("c", DOC["ties"], ids=[tie_id(c) for c in DOC["ties"]])
def test_tie_order_as_torch(c):
    x = tie_input(c)
    op = c["op"]
    if op == "sort":
        values, indices = ember.sort(x, dim=-1, descending=c["descending"], stable=c["stable"])
        np.testing.assert_array_equal(flat(ember.argsort(x, dim=-1, descending=c["descending"], stable=c["stable"])),
                                      flat(indices))
    elif op == "topk":
        values, indices = x.topk(c["k"], dim=-1, largest=c["largest"], sorted=c["sorted"])
    elif op == "kthvalue":
        values, indices = ember.kthvalue(x, c["k"], dim=-1, keepdim=True)
    else:
        values, indices = x.median(dim=-1, keepdim=True)
    matches(flat(indices), c["indices"], "indices")
    # the values are the input's at those indices (NaN included)
    picked = x.gather(-1, indices)
    np.testing.assert_array_equal(flat(values), flat(picked))


# ============================================================================ sort / argsort / topk vs NumPy
def np_sort_ref(a, axis, descending):
    """Values and stable indices: NaN above every number, equal values in index order."""
    a = np.moveaxis(np.asarray(a, np.float64), axis, -1)
    key = np.where(np.isnan(a), np.inf, a)
    nan_rank = np.isnan(a).astype(np.float64)
    if descending:  # stable descending: sort by (-is_nan, -value), keeping index order within ties
        order = np.lexsort((-key, -nan_rank), axis=-1) if a.size else np.zeros(a.shape, np.int64)
    else:
        order = np.lexsort((key, nan_rank), axis=-1) if a.size else np.zeros(a.shape, np.int64)
    return np.moveaxis(np.take_along_axis(a, order, -1), -1, axis), np.moveaxis(order, -1, axis)


SORT_CASES = [  # (label, shape, layout, dim)
    ("1-d", (9,), "contig", 0),
    ("last", (3, 4, 5), "contig", -1),
    ("middle", (3, 4, 5), "contig", 1),
    ("first", (3, 4, 5), "contig", 0),
    ("T", (4, 5), "T", 1),
    ("T-dim0", (4, 5), "T", 0),
    ("step", (3, 6), "step", -1),
    ("expand", (3, 6), "expand", 1),
    ("0d", (), "contig", 0),
    ("empty-rows", (0, 4), "contig", 1),
    ("empty-dim", (3, 0), "contig", 1),
    ("large", (7, 2000), "contig", 1),
]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("case", SORT_CASES, ids=[c[0] for c in SORT_CASES])
@pytest.mark.parametrize("dtype", ALL, ids=[NAME[d] for d in ALL])
def test_sort_stable_vs_numpy(case, dtype, descending):
    _, shape, layout, dim = case
    x, a = make(rng(), shape, dtype, "int", layout)  # small integers: many ties
    axis = 0 if len(shape) == 0 else dim
    want_v, want_i = np_sort_ref(a.reshape(shape) if a.ndim else a, axis, descending) if a.ndim else (a, np.array(0))
    for name, res in [("ember.sort", ember.sort(x, dim, descending, stable=True)),
                      ("Tensor.sort", x.sort(dim=dim, descending=descending, stable=True))]:
        check(res.values, want_v, dtype, what=f"{name} values")
        check(res.indices, want_i, I64, what=f"{name} indices")
        v, i = res  # unpacks
        assert v is res[0] and i is res[1]
    check(ember.argsort(x, dim, descending, stable=True), want_i, I64, what="argsort")
    check(x.argsort(dim=dim, descending=descending, stable=True), want_i, I64, what="Tensor.argsort")
    # the unstable sort orders ties its own way (torch's), but gives the same values
    check(x.sort(dim, descending).values, want_v, dtype, what="unstable values")


@pytest.mark.parametrize("dtype", list(FLOATS) + list(HALF), ids=lambda d: str(d))
def test_sort_nan_and_inf(dtype):
    nan, inf = float("nan"), float("inf")
    x = ember.tensor([1.0, nan, -inf, 0.0, inf, nan, -2.0], dtype=dtype)
    v, i = x.sort(stable=True)
    np.testing.assert_array_equal(flat(v), [-inf, -2, 0, 1, inf, nan, nan])
    assert i.tolist() == [2, 6, 3, 0, 4, 1, 5]
    v, i = x.sort(descending=True, stable=True)
    np.testing.assert_array_equal(flat(v), [nan, nan, inf, 1, 0, -2, -inf])
    assert i.tolist() == [1, 5, 4, 0, 3, 6, 2]
    v, i = x.topk(3)
    np.testing.assert_array_equal(flat(v), [nan, nan, inf])
    v, i = x.topk(2, largest=False)
    np.testing.assert_array_equal(flat(v), [-inf, -2])
    assert ember.isnan(ember.median(x)).item() and x.median(0).indices.item() == 1


TOPK_CASES = [  # (label, shape, layout, k, dim, largest)
    ("1-d", (9,), "contig", 3, 0, True),
    ("smallest", (9,), "contig", 4, -1, False),
    ("dim1", (3, 7, 2), "contig", 2, 1, True),
    ("T", (5, 6), "T", 6, 1, False),
    ("step", (3, 8), "step", 1, 1, True),
    ("k0", (3, 4), "contig", 0, 1, True),
    ("0d", (), "contig", 1, 0, True),
    ("0d-k0", (), "contig", 0, -1, True),
    ("empty-rows", (0, 4), "contig", 2, 1, True),
    ("partial-sort", (2, 700), "contig", 5, 1, True),
    ("nth-element", (2, 700), "contig", 300, 1, False),
]


@pytest.mark.parametrize("case", TOPK_CASES, ids=[c[0] for c in TOPK_CASES])
@pytest.mark.parametrize("dtype", NUMERIC, ids=[NAME[d] for d in NUMERIC])
def test_topk_vs_numpy(case, dtype):
    _, shape, layout, k, dim, largest = case
    x, a = make(rng(), shape, dtype, "distinct", layout)
    if a.ndim == 0:
        want_v, want_i = (a, np.array(0))
    else:
        v, i = np_sort_ref(a, dim, largest)
        want_v, want_i = np.take(v, range(k), axis=dim), np.take(i, range(k), axis=dim)
    for name, res in [("ember.topk", ember.topk(x, k, dim, largest)),
                      ("Tensor.topk", x.topk(k, dim=dim, largest=largest, sorted=True))]:
        check(res.values, want_v, dtype, what=f"{name} values")
        check(res.indices, want_i, I64, what=f"{name} indices")
    if a.ndim and k:  # unsorted: the same set
        v, i = x.topk(k, dim, largest, sorted=False)
        check(v.sort(dim, descending=largest).values, want_v, dtype, what="unsorted values")


@pytest.mark.parametrize("dtype", NUMERIC + HALF, ids=lambda d: str(d))
def test_kthvalue_and_median_vs_numpy(dtype):
    x, a = make(rng(3), (4, 7), dtype if dtype not in HALF else F32, "distinct", "T")
    x = x.to(dtype)
    s = np.sort(a, axis=1)
    for k in (1, 4, 7):
        v, i = ember.kthvalue(x, k, 1)
        check(v.to(F64), s[:, k - 1], F64)
        check(i, np.argsort(a, 1)[:, k - 1], I64)
    v, i = x.kthvalue(2, 0, keepdim=True)
    check(v.to(F64), np.sort(a, 0)[1:2], F64)
    v, i = x.median(1)
    check(v.to(F64), s[:, 3], F64)  # 7 values: the middle one
    check(i, np.argsort(a, 1)[:, 3], I64)
    y = x[:, :6]
    check(y.median(1, keepdim=True).values.to(F64), np.sort(a[:, :6], 1)[:, 2:3], F64)  # even count: the lower one
    check(ember.median(y).to(F64), np.sort(a[:, :6].reshape(-1))[(24 - 1) // 2], F64)
    assert ember.median(ember.tensor(5, dtype=dtype)).item() == 5
    v, i = ember.median(ember.tensor(5, dtype=dtype), 0)
    assert v.item() == 5 and i.item() == 0 and v.dim() == 0


def test_median_kthvalue_topk_edge_cases():
    assert ember.isnan(ember.median(ember.tensor([]))).item()
    # an empty integer tensor's median is NaN converted as x86 converts it (PyTorch's value)
    assert ember.median(ember.tensor([], dtype=I64)).item() == -2 ** 63
    assert ember.median(ember.tensor([], dtype=I32)).item() == -2 ** 31
    v, i = ember.median(ember.ones(0, 3), 1)
    assert v.shape == (0,) and i.shape == (0,)
    v, i = ember.kthvalue(ember.tensor(3.0), 1, 0, True)
    assert v.shape == () and v.item() == 3.0 and i.item() == 0
    assert ember.kthvalue(ember.ones(0, 3), 2, 1).values.shape == (0,)
    for k in (0, 1, 5):
        with pytest.raises(IndexError, match=r"kthvalue\(\): Expected reduction dim 1 to have non-zero size."):
            ember.kthvalue(ember.ones(3, 0), k, 1)
    for k in (0, 1):  # a 0-d tensor's top-k is the element, k = 0 included
        v, i = ember.topk(ember.tensor(2.5), k)
        assert v.shape == () and v.item() == 2.5 and i.item() == 0
    v, i = ember.topk(ember.ones(2, 0, 3), 0, 1)
    assert v.shape == (2, 0, 3) and i.shape == (2, 0, 3)


# ============================================================================ unique
UNIQUE_CASES = [c for c in DOC["unique"]]


@pytest.mark.parametrize("c", UNIQUE_CASES, ids=[f"{c['op']}-{c['dtype']}-{c['shape']}-dim{c['dim']}"
                                                 for c in UNIQUE_CASES])
def test_unique_as_torch(c):
    values = [float("nan") if v is None else v for v in c["values"]]
    x = ember.tensor(values, dtype=DTYPES[c["dtype"]]).reshape(c["shape"])
    fn = getattr(ember, c["op"])
    kw = {"sorted": True} if c["op"] == "unique" else {}
    v, i, n = fn(x, return_inverse=True, return_counts=True, dim=c["dim"], **kw)
    assert list(v.shape) == c["out_shape"] and list(i.shape) == c["inverse_shape"]
    assert v.dtype == x.dtype and i.dtype == I64 and n.dtype == I64
    matches(flat(v), c["out"][0], "values")
    matches(flat(i), c["out"][1], "inverse")
    matches(flat(n), c["out"][2], "counts")
    # the method form, and what comes back for each flag
    only = getattr(x, c["op"])(dim=c["dim"])
    assert isinstance(only, ember.Tensor) and only.shape == v.shape
    assert len(fn(x, return_counts=True, dim=c["dim"])) == 2


@pytest.mark.parametrize("dtype", ALL, ids=[NAME[d] for d in ALL])
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_unique_vs_numpy(dtype, layout):
    x, a = make(rng(5), (6, 5), dtype, "int", layout)
    u, inv, cnt = np.unique(a, return_inverse=True, return_counts=True)
    v, i, n = ember.unique(x, return_inverse=True, return_counts=True)
    check(v, u, dtype)
    check(i, inv.reshape(a.shape), I64)
    check(n, cnt, I64)
    u, inv, cnt = np.unique(a, axis=1, return_inverse=True, return_counts=True)
    v, i, n = x.unique(dim=1, return_inverse=True, return_counts=True)
    check(v, u, dtype)
    check(i, inv.reshape(-1), I64)
    check(n, cnt, I64)
    # unique_consecutive: runs of equal values
    b = a.reshape(-1)
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    v, i, n = ember.unique_consecutive(x, return_inverse=True, return_counts=True)
    check(v, b[starts], dtype)
    check(n, np.diff(np.r_[starts, b.size]), I64)
    check(i, (np.cumsum(np.r_[True, b[1:] != b[:-1]]) - 1).reshape(a.shape), I64)


def test_unique_edge_cases():
    v, i, n = ember.unique(ember.tensor(3.0), return_inverse=True, return_counts=True)
    assert v.tolist() == [3.0] and i.shape == () and i.item() == 0 and n.tolist() == [1]
    v, i, n = ember.unique(ember.ones(2, 0, 3), return_inverse=True, return_counts=True)
    assert v.shape == (0,) and i.shape == (2, 0, 3) and n.shape == (0,)
    v, i, n = ember.unique(ember.ones(0, 3), dim=0, return_inverse=True, return_counts=True)
    assert v.shape == (0, 3) and i.shape == (0,) and n.shape == (0,)
    with pytest.raises(RuntimeError, match="There are 0 sized dimensions, and they aren't selected, so unique cannot "
                                           "be applied"):
        ember.unique(ember.ones(0, 3), dim=1)
    with pytest.raises(RuntimeError, match="Number of zero sized dimensions is more than one"):
        ember.unique(ember.ones(0, 0), dim=1)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"):
        ember.unique(ember.ones(2, 2), dim=3)
    for f in (ember.unique, ember.unique_consecutive):
        with pytest.raises(IndexError, match="Dimension specified as -1 but tensor has no dimensions"):
            f(ember.tensor(3.0), dim=-1)
    # no derivative, as in PyTorch: the result requires grad, backward through it raises
    a = ember.tensor([1.0, 2.0, 2.0], requires_grad=True)
    u = ember.unique(a)
    assert u.requires_grad and u.grad_fn.name() == "Unique2Backward0"
    with pytest.raises(NotImplementedError, match="the derivative for '_unique2' is not implemented."):
        u.sum().backward()


# ============================================================================ errors (PyTorch's types and words)
def test_sort_topk_errors():
    x = ember.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        ember.sort(x, dim=2)
    with pytest.raises(IndexError, match=r"but got -3\)"):
        x.argsort(dim=-3)
    for k in (4, -1):
        with pytest.raises(RuntimeError, match="selected index k out of range"):
            ember.topk(x, k)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ember.topk(ember.tensor(3.0), 2)
    with pytest.raises(RuntimeError, match="topk does not support bool dtypes on CPU"):
        ember.topk(ember.tensor([True, False]), 1)
    with pytest.raises(RuntimeError, match="kthvalue\\(\\): selected number k out of range for dimension 0"):
        ember.kthvalue(ember.tensor([1.0, 2.0]), 3)
    with pytest.raises(RuntimeError, match="kthvalue\\(\\): selected number k out of range for dimension 0"):
        ember.kthvalue(ember.tensor([1.0, 2.0]), 0)
    with pytest.raises(NotImplementedError, match="\"median_cpu\" not implemented for 'Bool'"):
        ember.median(ember.tensor([True, False]))
    with pytest.raises(IndexError, match="median\\(\\): Expected reduction dim 0 to have non-zero size."):
        ember.median(ember.ones(0, 3), 0)
    # sort of bool works, stable=None is False
    assert ember.sort(ember.tensor([True, False, True]), stable=True).indices.tolist() == [1, 0, 2]
    assert ember.sort(x, stable=None).values.tolist() == [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]]


def test_return_types():
    x = ember.tensor([[3.0, 1.0, 2.0]])
    for res, name in [(x.sort(), "sort"), (x.topk(2), "topk"), (x.kthvalue(1), "kthvalue"), (x.median(1), "median")]:
        assert isinstance(res, tuple) and len(res) == 2
        assert repr(res).startswith(f"torch.return_types.{name}(\nvalues=")
        assert res.values is res[0] and res.indices is res[1]


# ============================================================================ exponential_
@pytest.mark.parametrize("c", DOC["exponential"], ids=[f"{c['dtype']}-{c['shape']}" for c in DOC["exponential"]])
def test_exponential_as_torch(c):
    ember.manual_seed(c["seed"])
    x = ember.empty(c["shape"], dtype=DTYPES[c["dtype"]])
    r = (x.t() if c["transpose"] else x).exponential_(c["lambd"])
    assert r.shape == (x.t() if c["transpose"] else x).shape
    matches(flat(x), c["expected"], "exponential_")


def test_exponential_errors():
    for lambd in (0, -1, float("nan")):
        with pytest.raises(RuntimeError, match=r"exponential_ expects lambda > 0.0, but found lambda="):
            ember.empty(3).exponential_(lambd)
    with pytest.raises(RuntimeError, match="Exponential distribution is a continuous probability distribution. dtype "
                                           "must be a floating point but you specified Long"):
        ember.empty(3, dtype=ember.int64).exponential_()
    g = ember.Generator().manual_seed(7)
    a = ember.empty(5).exponential_(generator=g)
    b = ember.empty(5).exponential_(generator=ember.Generator().manual_seed(7))
    assert a.tolist() == b.tolist() and min(a.tolist()) >= 0


# ============================================================================ multinomial
def multinomial_input(c):
    p = ember.tensor(recipes.make_probs(c["seed"], c["rows"], c["n"], c["zeros"])).to(DTYPES[c["dtype"]])
    return p.t().contiguous().t() if c["transpose"] else p


@pytest.mark.parametrize("c", DOC["multinomial"], ids=[
    f"{c['dtype']}-{c['rows']}x{c['n']}-z{c['zeros']}{'-T' if c['transpose'] else ''}-{c['generator']}"
    for c in DOC["multinomial"]])
def test_multinomial_as_torch(c):
    p = multinomial_input(c)
    if c["generator"] == "default":
        ember.manual_seed(c["seed"])
        g = None
    else:
        g = ember.Generator().manual_seed(c["seed"])
    for (num_samples, replacement), want in zip(c["calls"], c["expected"]):
        form = ember.multinomial if num_samples % 2 else ember.Tensor.multinomial
        got = form(p, num_samples, replacement, generator=g)
        assert got.dtype == I64 and got.shape == ((num_samples,) if c["rows"] == 0 else (c["rows"], num_samples))
        matches(flat(got), want, f"multinomial({num_samples}, replacement={replacement})")
    matches(flat(ember.rand(4, generator=g)), c["after"], "the stream after the samples")


def test_multinomial_samples_follow_the_weights():
    g = ember.Generator().manual_seed(0)
    p = ember.tensor([1.0, 0.0, 3.0, 6.0])
    s = ember.multinomial(p, 20000, True, generator=g)
    freq = np.bincount(s.numpy(), minlength=4) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.3, 0.6], atol=0.015)
    no_rep = ember.multinomial(ember.tensor([[1.0, 2.0, 0.0, 4.0]] * 50), 3, generator=g)
    assert all(sorted(r) == sorted(set(r)) and 2 not in r for r in no_rep.tolist())  # distinct, never p = 0


def test_multinomial_errors():
    p = ember.tensor([0.1, 0.2, 0.3, 0.4])
    nan, inf = float("nan"), float("inf")
    zero_sum = r"invalid multinomial distribution \(sum of probabilities <= 0\)"
    below_0 = r"invalid multinomial distribution \(encountering probability entry < 0\)"
    cases = [
        ((p, 0), "cannot sample n_sample <= 0 samples"),
        ((p, 0, True), "cannot sample n_sample <= 0 samples"),
        ((p, -1), "cannot sample n_sample <= 0 samples"),
        ((p, 5), r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
        ((ember.ones(3, 0), 2), r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
        ((ember.tensor([0.0, 0.0]), 1), zero_sum),
        ((ember.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), zero_sum),
        ((ember.tensor([0.0, 0.0]), 2, True), zero_sum),
        ((ember.tensor([-1.0, 2.0]), 1), "probability tensor contains either `inf`, `nan` or element < 0"),
        ((ember.tensor([nan, 2.0]), 1), "probability tensor contains either `inf`, `nan` or element < 0"),
        ((ember.tensor([inf, 2.0]), 1, True), "probability tensor contains either `inf`, `nan` or element < 0"),
        ((ember.tensor([-1.0, 2.0]), 2, True), below_0),
        ((ember.tensor([nan, 2.0]), 2, True), below_0),  # NaN >= 0 is false: the first check catches it
        ((ember.tensor([inf, 2.0]), 2, True),
         r"invalid multinomial distribution \(encountering probability entry = infinity or NaN\)"),
        ((ember.tensor(1.0), 1), "prob_dist must be 1 or 2 dim"),
        ((ember.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
        ((ember.tensor([1, 2]), 1), "multinomial only supports floating-point dtypes for input, got: Long"),
    ]
    for args, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            ember.multinomial(*args)
    assert ember.multinomial(ember.ones(0, 3), 2).shape == (0, 2)  # nothing to sample: no checks, no draws


# ============================================================================ WeightedRandomSampler
@pytest.mark.parametrize("c", DOC["sampler"], ids=[f"{c['kind']}-{c['seed']}" for c in DOC["sampler"]])
def test_weighted_random_sampler_as_torch(c):
    from ember.utils.data import DataLoader, WeightedRandomSampler
    ember.manual_seed(c["seed"])
    g = ember.Generator().manual_seed(c["seed"] + 50) if c["generator"] == "explicit" else None
    if c["kind"] == "weighted":
        s = WeightedRandomSampler(c["weights"], c["num_samples"], c["replacement"], generator=g)
        assert len(s) == c["num_samples"]
        assert [list(s), list(s)] == c["expected"]
        matches(flat(ember.rand(4, generator=g)), c["after"], "the stream after sampling")
    else:
        loader = DataLoader(list(range(len(c["weights"]))), batch_size=c["batch_size"],
                            sampler=WeightedRandomSampler(c["weights"], c["num_samples"], generator=g))
        assert [[b.tolist() for b in loader] for _ in range(2)] == c["expected"]
        matches(flat(ember.rand(4)), c["after"], "the default stream after two epochs")


def test_weighted_random_sampler_arguments():
    from ember.utils.data import WeightedRandomSampler
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match=f"num_samples should be a positive integer value, but got "
                                             f"num_samples={bad}"):
            WeightedRandomSampler([1.0, 2.0], bad)
    with pytest.raises(ValueError, match="replacement should be a boolean value, but got replacement=1"):
        WeightedRandomSampler([1.0, 2.0], 2, replacement=1)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(1, 2\)"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    s = WeightedRandomSampler(ember.tensor([1, 2, 3]), 4)
    assert s.weights.dtype == F64 and s.weights.tolist() == [1.0, 2.0, 3.0]
