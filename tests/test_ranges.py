"""arange and linspace give PyTorch's values bit for bit.

The references were recorded from torch 2.13 by tests/record_torch_ranges.py
(its docstring gives the format): floating arange follows the structure of
PyTorch's CPU kernel (vector chunks, one chunk per thread above 32768
elements), and float16/bfloat16 linspace computes in the element type.
"""
import hashlib
import json
import os

import numpy as np
import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_ranges.json")) as _f:
    CASES = json.load(_f)["cases"]
DTYPES = {"float16": ember.float16, "bfloat16": ember.bfloat16, "float32": ember.float32,
          "float64": ember.float64, "int64": ember.int64}


def case_id(c):
    size = f"{c['start']}:{c['end']}:{c['step']}" if c["op"] == "arange" else f"{c['start']}:{c['end']}x{c['steps']}"
    return f"{c['op']}-{c['dtype']}-{size}-t{c['threads']}"


@pytest.fixture
def threads():
    before = ember.get_num_threads()
    yield ember.set_num_threads
    ember.set_num_threads(before)


@pytest.mark.parametrize("c", CASES, ids=[case_id(c) for c in CASES])
def test_matches_torch(c, threads):
    threads(c["threads"])
    dt = DTYPES[c["dtype"]]
    t = (ember.arange(c["start"], c["end"], c["step"], dtype=dt) if c["op"] == "arange"
         else ember.linspace(c["start"], c["end"], c["steps"], dtype=dt))
    assert t.dtype == dt
    got = t.double().numpy()
    exp = c["expected"]
    assert len(got) == exp["count"]
    hexes = [float(v).hex() for v in got]
    if "values" in exp:
        assert hexes == exp["values"]
    else:
        assert hexes[:len(exp["head"])] == exp["head"] and hexes[-len(exp["tail"]):] == exp["tail"]
        assert hashlib.sha256(got.astype("<f8").tobytes()).hexdigest() == exp["sha256"]


def test_half_arange_is_close_to_the_exact_values():
    # Independent of the recording: each value is start + i*step within one
    # float16 step at the range's magnitude (2**-9 in [2, 4)), the rounding of
    # the chunk bases it counts from.
    t = ember.arange(-3.0, 3.0, 0.01, dtype=ember.float16).float().numpy()
    exact = -3.0 + 0.01 * np.arange(600)
    assert len(t) == 600
    assert np.max(np.abs(t - exact)) <= 2.0**-9
    lin = ember.linspace(0, 1, 11, dtype=ember.bfloat16).float().numpy()
    assert lin[0] == 0 and lin[-1] == 1 and np.all(np.diff(lin) > 0)


@pytest.mark.parametrize("args, dtype, expected", [
    # int64: the bounds truncated to integers first, the count exact from them
    ((-5.5, -0.2, 1.7), ember.int64, [-5, -4, -3, -2, -1]),   # ceil(5.3 / 1.7) would give 4
    ((0.9, 4.1, 1.5), ember.int64, [0, 1, 2, 3]),
    ((5.9, -3.2, -2.6), ember.int64, [5, 3, 1, -1]),
    ((0.7, 0.9), ember.int64, []),
    # other integer types: the count from the float bounds, the values from the truncated start and step
    ((-1.5, 3.7, 1.3), ember.int32, [-1, 0, 1, 2]),
    ((0, 2.5, 0.5), ember.int32, [0, 0, 0, 0, 0]),
    ((0, 1e10, 1e9), ember.int32, [(i * 10**9 + 2**31) % 2**32 - 2**31 for i in range(10)]),  # wrapped to int32
    # exact int64 arithmetic across the whole int64 range (torch 2.13's wraps and gives [])
    ((-2**63, 2**63 - 1, 2**62), ember.int64, [-2**63, -2**62, 0, 2**62]),
])
def test_integer_arange_with_float_bounds(args, dtype, expected):
    t = ember.arange(*args, dtype=dtype)
    assert t.dtype == dtype and t.tolist() == expected
