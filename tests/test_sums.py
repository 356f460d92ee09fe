"""float32/float64 sums, means, 2-norms, var and std give PyTorch's bits.

A float sum's last bits depend on the order of its additions, and training
amplifies them; ember adds in PyTorch's order (csrc/ember/ops/cascade_sum.h).
References recorded from torch 2.13 by tests/record_torch_sums.py (its
docstring gives the format); inputs are regenerated from their NumPy seeds.
"""
import hashlib
import json
import os

import numpy as np
import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_sums.json")) as _f:
    CASES = json.load(_f)["cases"]


def make_input(seed, shape, dtype):  # as tests/record_torch_sums.py makes it
    return (np.random.RandomState(seed).randn(*shape) * 10).astype(dtype)


def op_of(lib, c):  # as tests/record_torch_sums.py maps a case to a call
    if c["op"] == "norm":
        return lambda t, *d: t.norm(dim=d[0] if d else None)
    if c["op"] in ("var", "std"):
        return lambda t, *d: getattr(t, c["op"])(dim=d[0] if d else None, correction=c["correction"])
    return getattr(lib, c["op"])


@pytest.fixture
def threads():
    before = ember.get_num_threads()
    yield ember.set_num_threads
    ember.set_num_threads(before)


@pytest.mark.parametrize("c", CASES, ids=[f"{c['op']}-{c['dtype']}-{c['shape']}-{c['dim']}-t{c['threads']}"
                                          for c in CASES])
def test_matches_torch(c, threads):
    threads(c["threads"])
    x = ember.tensor(make_input(c["seed"], c["shape"], c["dtype"]))
    f = op_of(ember, c)
    got = (f(x) if c["dim"] is None else f(x, c["dim"])).reshape(-1).double().numpy()
    if "expected" in c:
        assert [float(v).hex() for v in got] == c["expected"]
    else:
        assert len(got) == c["count"]
        assert hashlib.sha256(got.astype("<f8").tobytes()).hexdigest() == c["sha256"]


def test_sums_are_close_to_the_exact_sum():
    # Independent of the recording: within a few float32 ulps of the float64 sum.
    x = make_input(7, (100000,), np.float32)
    exact = x.astype(np.float64).sum()
    assert abs(float(ember.tensor(x).sum()) - exact) <= 4 * np.spacing(np.float32(abs(exact))) + 1e-3
    cols = make_input(8, (300, 40), np.float32)
    assert np.allclose(ember.tensor(cols).sum(0).numpy(), cols.astype(np.float64).sum(0), rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("dim", [0, 1])
def test_cumsum_keeps_pytorch_accumulation_type(dim):
    # PyTorch's CPU cumsum runs in its accumulation type: double for float32
    # (each prefix rounded once), float for float16.
    x = make_input(11, (30, 200), np.float32)
    got = ember.tensor(x).cumsum(dim).numpy()
    assert np.array_equal(got, np.cumsum(x.astype(np.float64), dim).astype(np.float32))
    h = x.astype(np.float16)
    got = ember.tensor(h).cumsum(dim).numpy()
    assert np.array_equal(got, np.cumsum(h.astype(np.float32), dim, dtype=np.float32).astype(np.float16))
    # dtype=float16 from float32: the input is rounded to float16 first, then summed in float
    got = ember.tensor(x).cumsum(dim, dtype=ember.float16).numpy()
    assert np.array_equal(got, np.cumsum(h.astype(np.float32), dim, dtype=np.float32).astype(np.float16))
    # 2048 + float16(1.0002) = 2049 rounds to even (2048); 2048 + 1.0002 would round to 2050
    assert ember.tensor([2048.0, 1.0002]).cumsum(0, dtype=ember.float16).tolist() == [2048.0, 2048.0]


def test_var_std_against_numpy_and_the_dof_warning():
    x = make_input(12, (20, 30), np.float64)
    np.testing.assert_allclose(ember.tensor(x).var(1).numpy(), x.var(1, ddof=1), rtol=1e-13)
    np.testing.assert_allclose(ember.tensor(x).std(0, correction=0).numpy(), x.std(0), rtol=1e-13)
    np.testing.assert_allclose(ember.tensor(x).std().item(), x.std(ddof=1), rtol=1e-13)
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        assert np.isnan(ember.tensor([1.0]).std().item())


def test_int32_sums_do_not_wrap():
    # int32 sums to int64, as in PyTorch; summing in int32 first would wrap past 2**31.
    x = np.full((2, 3), 2**30, dtype=np.int32)
    assert ember.tensor(x).sum().dtype == ember.int64
    assert ember.tensor(x).sum().item() == 6 * 2**30
    assert ember.tensor(x).sum(0).tolist() == [2**31] * 3
    assert ember.tensor(x).sum(1).tolist() == [3 * 2**30] * 2
