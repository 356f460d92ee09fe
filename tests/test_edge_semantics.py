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


# ---- shape ops
def test_fill_diagonal_wrap_restarts_below_a_tall_matrix():
    for rows, cols in [(5, 2), (7, 2), (2, 5), (3, 3), (7, 3)]:
        x = ember.ones(rows, cols).fill_diagonal_(5.0, wrap=True)
        # PyTorch's rule: every (cols + 1)-th element of the flat buffer, from 0 (NumPy's fill_diagonal too)
        expected = np.ones((rows, cols), dtype=np.float32)
        np.fill_diagonal(expected, 5.0, wrap=True)
        np.testing.assert_array_equal(x.numpy(), expected)
    no_wrap = ember.ones(5, 2).fill_diagonal_(5.0)
    assert no_wrap.tolist() == [[5, 1], [1, 5], [1, 1], [1, 1], [1, 1]]
    cube = ember.ones(3, 3, 3).fill_diagonal_(5.0)
    assert [cube[i, i, i].item() for i in range(3)] == [5.0] * 3 and cube.sum().item() == 27 + 3 * 4


def test_fill_diagonal_of_a_view_writes_the_view():
    base = ember.ones(6, 6)
    base[1:, 1:4].fill_diagonal_(5.0, wrap=True)
    expected = np.ones((6, 6), dtype=np.float32)
    for r, c in [(1, 1), (2, 2), (3, 3), (5, 1)]:
        expected[r, c] = 5.0
    np.testing.assert_array_equal(base.numpy(), expected)


def test_chunk_split_unbind_return_tuples_and_empty_chunks():
    assert isinstance(ember.ones(3).split(2), tuple)
    assert isinstance(ember.ones(3).chunk(2), tuple)
    assert isinstance(ember.ones(2, 3).unbind(), tuple)
    pieces = ember.empty(0).chunk(3)
    assert len(pieces) == 3 and all(p.shape == (0,) for p in pieces)
    assert [p.shape[1] for p in ember.empty(2, 0).chunk(2, 1)] == [0, 0]


def test_movedim_rules():
    x = ember.ones(2, 3, 4)
    assert x.movedim(0, -1).shape == (3, 4, 2)
    assert x.moveaxis((0, 1), (2, 0)).shape == np.moveaxis(np.ones((2, 3, 4)), (0, 1), (2, 0)).shape
    assert ember.movedim(ember.tensor(1.0), -1, 0).shape == ()


def test_size_slices_and_sums_are_sizes():
    s = ember.ones(2, 3, 4).shape
    for r in (s[1:], s[::-1], s + (1,), (1,) + s, s * 2, 2 * s):
        assert type(r) is type(s)
    assert s[::-1] == (4, 3, 2) and s + (1,) == (2, 3, 4, 1) and s[0] == 2


# ---- indexing
def test_list_holding_sequences_is_a_tuple_index():
    x = ember.arange(60).reshape(3, 4, 5)
    a = np.arange(60).reshape(3, 4, 5)
    with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
        r = x[[[0, 1], [1, 2]]]
    np.testing.assert_array_equal(r.numpy(), a[[0, 1], [1, 2]])
    with pytest.warns(UserWarning):
        assert x[[0, slice(1, 3)]].shape == (2, 5)
    with pytest.warns(UserWarning):
        assert x[[ember.tensor(0), 1]].tolist() == a[0, 1].tolist()
    assert x[[0, 1]].shape == (2, 4, 5)  # plain ints: positions along dim 0
    assert x[[]].shape == (0, 4, 5)


def test_setitem_drops_leading_ones_of_the_value():
    y = ember.zeros(5)
    y[:] = ember.ones(1, 5)
    assert y.tolist() == [1.0] * 5
    y[:] = ember.full((1, 1, 5), 2.0)
    assert y.tolist() == [2.0] * 5
    z = ember.zeros(3)
    z[1] = ember.tensor([[5.0]])
    assert z.tolist() == [0.0, 5.0, 0.0]
    m = ember.zeros(2, 3)
    m[0] = ember.ones(1, 3)
    assert m.tolist() == [[1.0] * 3, [0.0] * 3]


# ---- factories and conversions
def test_size_keyword_and_tensor_sizes():
    assert ember.zeros(size=(2, 3)).shape == (2, 3)
    assert ember.ones(size=[2]).tolist() == [1.0, 1.0]
    assert ember.empty(size=(2,)).shape == (2,)
    assert ember.rand(size=(2,)).shape == (2,) and ember.randn(size=(3,)).shape == (3,)
    assert ember.ones(ember.tensor(3)).shape == (3,)


def test_full_with_a_0d_tensor_takes_its_kind():
    assert ember.full((2,), ember.tensor(3)).dtype == ember.int64
    assert ember.full((2,), ember.tensor(3.5)).tolist() == [3.5, 3.5]
    assert ember.full((2,), ember.tensor(True)).dtype == ember.bool


def test_int_of_a_float_tensor_is_pythons_int():
    assert int(ember.tensor(2.7)) == 2
    assert int(ember.tensor(1e20, dtype=ember.float64)) == int(1e20)
    with pytest.raises(ValueError, match="cannot convert float NaN to integer"):
        int(ember.tensor(NAN))
    with pytest.raises(OverflowError, match="cannot convert float infinity to integer"):
        int(ember.tensor(float("inf")))


def test_bool_add_takes_alpha_as_a_bool():
    a, b = ember.tensor([True, False]), ember.tensor([True, True])
    assert a.add(b, alpha=2).tolist() == [True, True]
    assert a.add(b, alpha=0).tolist() == [True, False]
    assert a.add(True, alpha=2).dtype == ember.bool
    wide = ember.tensor([True]).add(ember.tensor([[True], [False]]), alpha=0)
    assert wide.shape == (2, 1) and wide.tolist() == [[True], [True]]


def test_integer_hardtanh_and_relu6_stay_integer():
    import ember.nn.functional as F
    x = ember.tensor([-2, 3, 8])
    assert F.relu6(x).dtype == ember.int64 and F.relu6(x).tolist() == [0, 3, 6]
    assert F.hardtanh(x).tolist() == [-1, 1, 1]
    assert F.hardtanh(x, 0.5, 6.5).tolist() == [0, 3, 6]  # bounds truncated to 0 and 6
    assert F.hardtanh(x.int(), 0, 6).dtype == ember.int32


# ---- hooks
def test_hook_may_not_change_the_gradients_shape_or_type():
    w = ember.ones(3, requires_grad=True)
    w.register_hook(lambda g: ember.ones(2))
    with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the size of value"):
        (w * 3).sum().backward()
    v = ember.ones(3, requires_grad=True)
    v.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match=r"has changed the type of value \(was torch.FloatTensor got torch.DoubleTensor\)"):
        (v * 3).sum().backward()

    def five(g):
        return 5
    u = ember.ones(3, requires_grad=True)
    u.register_hook(five)
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
        (u * 3).sum().backward()


# ---- keyword arguments PyTorch scripts pass
def test_addmm_beta_alpha():
    a = np.arange(6.0).reshape(2, 3)
    b = np.ones((3, 2))
    got = ember.addmm(ember.ones(2, dtype=ember.float64), ember.tensor(a), ember.tensor(b), beta=0.5, alpha=2)
    np.testing.assert_allclose(got.numpy(), 0.5 * np.ones(2) + 2 * (a @ b))
    nan_bias = ember.full((2, 2), NAN, dtype=ember.float64)
    assert not np.isnan(ember.addmm(nan_bias, ember.tensor(a), ember.tensor(b), beta=0).numpy()).any()
    m = ember.ones(2, 2, dtype=ember.float64).addmm(ember.tensor(a), ember.tensor(b), alpha=3)
    np.testing.assert_allclose(m.numpy(), 1 + 3 * (a @ b))
    ints = ember.arange(4).reshape(2, 2).addmm(ember.ones(2, 2, dtype=ember.int64), ember.ones(2, 2, dtype=ember.int64),
                                               beta=2, alpha=3)
    assert ints.tolist() == [[6, 8], [10, 12]]


def test_addmm_beta_alpha_gradients():
    a = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = ember.tensor(np.ones((3, 2)), requires_grad=True)
    c = ember.tensor(np.ones(2), requires_grad=True)
    ember.addmm(c, a, b, beta=0.5, alpha=2).sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), [1.0, 1.0])        # 0.5 per element, 2 rows
    np.testing.assert_allclose(a.grad.numpy(), np.full((2, 3), 4.0))  # alpha * row sums of ones(3, 2)
    np.testing.assert_allclose(b.grad.numpy(), 2 * np.arange(6.0).reshape(2, 3).sum(0)[:, None].repeat(2, 1))


def test_softmax_dtype_argument():
    x = ember.arange(6.0).reshape(2, 3)
    for r in (x.log_softmax(dim=1, dtype=ember.float64), ember.softmax(x, 1, dtype=ember.float64),
              x.softmax(0, ember.float64)):
        assert r.dtype == ember.float64
    e = np.exp(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(x.softmax(1, dtype=ember.float64).numpy(), e / e.sum(1, keepdims=True), rtol=1e-12)


# ---- process exit
def test_interpreter_exits_cleanly_after_import():
    """Python objects kept in C++ statics must not be destroyed after the interpreter finalized:
    that aborted the process at exit ("PyThreadState_Get ... the GIL is released")."""
    import subprocess
    import sys
    code = "import ember; x = ember.tensor([1.0, 2.0]); x[[0]] = 3.0; print(ember.bincount(ember.tensor([1, 1])))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Fatal Python error" not in r.stderr
