"""Edge cases of PyTorch's semantics that are easy to get silently wrong: NaN
bounds, Python ints beyond int64, what tensor() makes of unusual lists. The
expected values are NumPy's or follow from the rule each test names."""
import math

import numpy as np
import pytest

import ember

NAN = float("nan")


# ---- clamp: a NaN bound propagates (a NaN scalar bound makes every element NaN)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
@pytest.mark.parametrize("lo, hi", [(NAN, 1.0), (0.0, NAN), (NAN, None), (None, NAN)])
def test_clamp_nan_scalar_bound_gives_nan(dtype, lo, hi):
    x = ember.tensor([1.5, -2.5, 0.0], dtype=dtype)
    assert np.isnan(x.clamp(lo, hi).float().numpy()).all()
    y = x.clone()
    y.clamp_(lo, hi)
    assert np.isnan(y.float().numpy()).all()


def test_clamp_nan_tensor_bound_propagates_per_element():
    x = np.array([1.5, -2.5, 0.0, NAN], dtype=np.float32)
    lo = np.array([NAN, 0.0, 0.0, 0.0], dtype=np.float32)
    hi = np.array([2.0, NAN, 1.0, 1.0], dtype=np.float32)
    # np.minimum/np.maximum propagate NaN from either side, as PyTorch's clamp does
    expected = np.minimum(np.maximum(x, lo), hi)
    got = ember.clamp(ember.tensor(x), ember.tensor(lo), ember.tensor(hi)).numpy()
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(ember.tensor(x).clamp(min=ember.tensor(lo)).numpy(), np.maximum(x, lo))
    np.testing.assert_array_equal(ember.tensor(x).clamp(max=ember.tensor(hi)).numpy(), np.minimum(x, hi))


# ---- Python ints in [2**63, 2**64) are unsigned integers, not floats
def test_int_tensor_plus_uint64_wraps_like_int64():
    a = ember.zeros(3, dtype=ember.int64) + 2 ** 63
    assert a.dtype == ember.int64
    assert a.tolist() == [-2 ** 63] * 3
    b = ember.ones(3, dtype=ember.int64) + 2 ** 63
    assert b.tolist() == [-2 ** 63 + 1] * 3
    c = ember.zeros(3, dtype=ember.int32) + (2 ** 63 + 5)  # wraps to the low 32 bits
    assert c.dtype == ember.int32 and c.tolist() == [5] * 3


def test_float_tensor_times_uint64_is_float():
    r = ember.ones(3) * 2 ** 63
    assert r.dtype == ember.float32 and r.tolist() == [2.0 ** 63] * 3
    assert ember.zeros(2).fill_(2 ** 64 - 1).tolist() == [2.0 ** 64] * 2
    h = ember.ones(2, dtype=ember.float16) * 2 ** 63
    assert math.isinf(h.tolist()[0])


# ---- tensor(): tensors inside a list are scalars; ints beyond int64; range checks
def test_tensor_from_list_of_one_element_tensors():
    t = ember.tensor([ember.tensor([1.0]), ember.tensor([2.0])])
    assert t.shape == (2,) and t.tolist() == [1.0, 2.0]
    m = ember.tensor([ember.tensor(1), ember.tensor(2.5)])
    assert m.dtype == ember.float32 and m.tolist() == [1.0, 2.5]
    n = ember.tensor([[ember.tensor(1)], [2]])
    assert n.dtype == ember.int64 and n.tolist() == [[1], [2]]


def test_tensor_big_ints_become_doubles_for_float_targets():
    assert ember.tensor([2 ** 70, 1.5]).tolist() == [float(2 ** 70), 1.5]
    assert ember.tensor([1, 2 ** 63], dtype=ember.float32).tolist() == [1.0, 2.0 ** 63]
    assert ember.tensor(2 ** 63, dtype=ember.float64).item() == 2.0 ** 63
    assert ember.tensor([2 ** 64], dtype=ember.float64).tolist() == [2.0 ** 64]
    assert ember.tensor([2 ** 63], dtype=ember.bool).tolist() == [True]


def test_tensor_int_targets_wrap_only_arrays():
    # NumPy arrays and tensors convert without a check (PyTorch's cast); Python numbers are checked
    assert ember.tensor(np.array([2 ** 40]), dtype=ember.int32).tolist() == [0]
    assert ember.tensor([2.5, -2.5], dtype=ember.int32).tolist() == [2, -2]
    assert ember.tensor([2 ** 31 - 1, -2 ** 31], dtype=ember.int32).tolist() == [2 ** 31 - 1, -2 ** 31]
    assert math.isinf(ember.tensor([1e40]).item())


# ---- in-place writes that PyTorch allows although memory overlaps
def _expanded():
    return ember.ones(1, 3).expand(2, 3)


def test_fill_and_index_put_write_expanded_tensors():
    assert _expanded().fill_(2).tolist() == [[2.0] * 3] * 2
    assert _expanded().zero_().tolist() == [[0.0] * 3] * 2
    r = _expanded().index_put_((ember.tensor([0]),), ember.tensor(2.0))
    assert r.tolist() == [[2.0] * 3] * 2


def test_masked_fill_expanded_writes_only_where_the_mask_is_true():
    mask = ember.tensor([[True, False, False], [False, True, False]])
    with pytest.warns(UserWarning, match="masked_fill_ on expanded tensors is deprecated"):
        r = _expanded().masked_fill_(mask, 5.0)
    # both rows alias one row of memory: a position set through either row shows in both
    assert r.tolist() == [[5.0, 5.0, 1.0]] * 2


def test_overlaps_that_are_whole_or_unprovable_pass():
    x = ember.arange(5.0)
    assert x.copy_(x).tolist() == [0, 1, 2, 3, 4]
    assert x.copy_(x[:]).tolist() == [0, 1, 2, 3, 4]
    y = ember.arange(6.0)
    y[::2].copy_(y[1::2])  # strided: disjoint elements of one block
    assert y.tolist() == [1, 1, 3, 3, 5, 5]
    m = ember.arange(4.0).reshape(2, 2)
    m[0].copy_(m[:, 0])  # one side is not dense: PyTorch cannot prove an overlap and copies in order
    assert m.tolist() == [[0.0, 2.0], [2.0, 3.0]]
    z = ember.arange(5.0)
    z.add_(z.flip(0))  # flip copies
    assert z.tolist() == [4.0] * 5
