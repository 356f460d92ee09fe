"""Helpers for the ember.nn tests (tests/test_nn_*.py).

- replay(case): runs one case of tests/data/torch_nn.json (recorded from
  PyTorch by tests/record_torch_nn.py, which documents the format) with
  `torch`, `nn`, `F` bound to ember, ember.nn, ember.nn.functional, and
  asserts ember gives PyTorch's result.
- check_grad(fn, ref, arrays): ember's forward and gradients of fn against a
  float64 NumPy reference `ref` (its gradients by central differences).
"""
import collections
import hashlib
import json
import os
import re
import warnings

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_nn.json")) as _f:
    _DATA = json.load(_f)
PRELUDE = _DATA["prelude"]
CASES = {c["id"]: c for c in _DATA["cases"]}


def cases(kind=None, prefix=(), exclude=()):
    """Recorded cases of `kind` whose id starts with one of `prefix` (all when empty)."""
    prefix = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    return [c for c in _DATA["cases"] if (kind is None or c["kind"] == kind)
            and (not prefix or c["id"].startswith(prefix)) and c["id"] not in exclude]


def ids(case_list):
    return [c["id"] for c in case_list]


def ours(text):
    """PyTorch's text as ember prints it: torch.Size / torch.float64 / torch.nn.modules read 'ember.'."""
    return re.sub(r"torch\.(?=Size\(|float32|float64|int64|int32|bool\b|nn\.modules)", "ember.", text)


def namespace():
    ns = {"torch": ember, "nn": nn, "F": F, "collections": collections}
    exec(PRELUDE, ns)  # noqa: S102 (our own recorded text)
    return ns


def run_case(case):
    """(namespace after the setup) for a recorded case, seeded as recorded."""
    ns = namespace()
    if case["seed"] is not None:
        ember.manual_seed(case["seed"])
    if case["setup"]:
        exec(case["setup"], ns)  # noqa: S102
    return ns


def replay(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ns = run_case(case)
        kind, expr, expected = case["kind"], case["expr"], case["expected"]
        if kind == "error":
            try:
                eval(expr, ns)  # noqa: S307
            except Exception as e:  # noqa: BLE001
                got = {"type": type(e).__name__, "message": str(e)}
            else:
                raise AssertionError(f"expected {expected['type']}: {expected['message']}")
            want = {"type": expected["type"], "message": ours(expected["message"])}
            assert got == want, f"ember raised {got}, PyTorch {want}"
        elif kind == "repr":
            got = repr(eval(expr, ns))  # noqa: S307
            assert got == ours(expected), f"ember prints\n{got}\nPyTorch\n{ours(expected)}"
        elif kind == "value":
            assert json.loads(json.dumps(eval(expr, ns))) == expected  # noqa: S307
        else:
            for e, rec in zip(expr, expected):
                check_record(eval(e, ns), rec, case["exact"], what=e)  # noqa: S307


def check_record(t, rec, exact, what=""):
    """t equals a recorded tensor: bit for bit when exact, else to float32 rounding."""
    a = np.array(np.asarray(t.detach()), order="C")
    assert list(a.shape) == rec["shape"], f"{what}: shape {list(a.shape)}, PyTorch {rec['shape']}"
    floating = rec["dtype"] in ("float32", "float64")
    assert str(t.dtype) == "ember." + rec["dtype"], f"{what}: dtype {t.dtype}, PyTorch {rec['dtype']}"
    if "values" in rec:
        want = np.array([float.fromhex(v) if floating else v for v in rec["values"]], dtype=np.float64)
    else:
        want = np.array([float.fromhex(v) if floating else v for v in rec["first"]], dtype=np.float64)
    got = a.reshape(-1)[:want.size].astype(np.float64)
    if exact or not floating:
        np.testing.assert_array_equal(got, want, err_msg=what)
        assert hashlib.sha256(a.tobytes()).hexdigest() == rec["sha256"], f"{what}: values differ from PyTorch's"
    else:
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=what)
        assert abs(a.astype(np.float64).sum() - rec["sum"]) <= 1e-5 * max(1.0, abs(rec["sum"])) + 1e-5 * a.size


# ---- float64 references ----
def numeric_vjp(ref, arrays, cot, wrt, eps=1e-6):
    """d sum(cot * ref(*arrays)) / d arrays[i] for i in wrt, by central differences."""
    grads = []
    for i in wrt:
        a = np.array(arrays[i], dtype=np.float64)
        g = np.zeros_like(a)
        for j in np.ndindex(*a.shape):
            args = list(arrays)
            hi, lo = a.copy(), a.copy()
            hi[j] += eps
            lo[j] -= eps
            args[i] = hi
            f_hi = np.sum(cot * ref(*args))
            args[i] = lo
            f_lo = np.sum(cot * ref(*args))
            g[j] = (f_hi - f_lo) / (2 * eps)
        grads.append(g)
    return grads


def check_grad(fn, ref, arrays, wrt=(0,), *, consts=(), seed=0, rtol=1e-6, atol=1e-7):
    """fn(*tensors, *consts) in float64 equals ref(*arrays, *consts), and its
    gradients w.r.t. arrays[i] (i in wrt) for a random cotangent equal the
    central differences of ref. Returns the ember output."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    ts = [ember.tensor(a, dtype=ember.float64, requires_grad=(i in wrt)) for i, a in enumerate(arrays)]
    out = fn(*ts, *consts)
    want = np.asarray(ref(*arrays, *consts), dtype=np.float64)
    assert tuple(out.shape) == want.shape, f"shape {tuple(out.shape)}, reference {want.shape}"
    assert out.dtype == ember.float64
    np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-10, atol=1e-12, err_msg="forward")
    cot = np.random.default_rng(seed).uniform(0.5, 1.5, size=want.shape)
    out.backward(ember.tensor(cot, dtype=ember.float64))
    for i, g in zip(wrt, numeric_vjp(lambda *a: ref(*a, *consts), arrays, cot, wrt)):
        assert ts[i].grad is not None, f"no gradient for input {i}"
        np.testing.assert_allclose(np.asarray(ts[i].grad), g, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")
    return out


def check_float32(fn, ref, arrays, *, consts=(), rtol=2e-5, atol=2e-6):
    """fn on float32 tensors stays float32 and matches the float64 reference to float32 rounding."""
    ts = [ember.tensor(np.asarray(a, dtype=np.float32)) for a in arrays]
    out = fn(*ts, *consts)
    assert out.dtype == ember.float32
    want = ref(*[np.asarray(a, dtype=np.float32).astype(np.float64) for a in arrays], *consts)
    np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=rtol, atol=atol)
    return out
