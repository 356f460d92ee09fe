"""Ops written in Python as composites of ember ops: einsum, meshgrid, lerp, addcmul/addcdiv,
cumprod, logit, bincount, take_along_dim, index_add/fill/copy, the stack helpers, isin,
argwhere, searchsorted/bucketize and the small nn activations/layers. Forward against NumPy
float64, gradients against central differences, errors as PyTorch 2.13 raises them."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

T = ember.tensor


def R(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


def numeric_grads(f, arrays, eps=1e-6):
    """Central-difference gradients of sum(f(*arrays) * w) for a fixed random w."""
    out = np.asarray(f(*arrays), dtype=np.float64)
    w = np.random.default_rng(7).standard_normal(out.shape)
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            hi = np.sum(np.asarray(f(*arrays)) * w)
            a[idx] = old - eps
            lo = np.sum(np.asarray(f(*arrays)) * w)
            a[idx] = old
            g[idx] = (hi - lo) / (2 * eps)
        grads.append(g)
    return w, grads


def check_grads(ember_fn, arrays, atol=1e-6):
    """ember_fn's gradients (float64) equal central differences of the same function."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]

    def f(*xs):
        return ember_fn(*[T(x) for x in xs]).numpy()

    w, want = numeric_grads(f, arrays)
    ts = [T(a, requires_grad=True) for a in arrays]
    (ember_fn(*ts) * T(w)).sum().backward()
    for t, g in zip(ts, want):
        np.testing.assert_allclose(t.grad.numpy(), g, atol=atol, rtol=1e-5)


# ----------------------------------------------------------------------------- einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]), ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk", [(2, 3), (3, 3, 4)]), ("i,i->", [(4,), (4,)]), ("i,j->ij", [(4,), (3,)]),
    ("...ii->...i", [(2, 3, 3)]), ("iij->j", [(3, 3, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd,a->bd", [(2, 3, 4), (4, 5), (2,)]), ("ij,ij->ij", [(2, 3), (1, 3)]), ("i...->...", [(2, 3, 4)]),
    ("Ab,ab", [(2, 3), (2, 3)]), ("bj,ba", [(2, 3), (2, 4)]), ("iji->j", [(2, 3, 2)]),
    ("i,i,i->i", [(3,), (3,), (3,)]), ("ijk,ikl->", [(0, 2, 3), (0, 3, 2)]), ("...,...", [(2, 3), (3,)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("->", [()]),
    ("i,->i", [(3,), ()]), ("ab...,bc...->ac...", [(2, 3, 4), (3, 5, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_forward(eq, shapes):
    arrays = [R(*s, seed=k) for k, s in enumerate(shapes)]
    got = ember.einsum(eq, *[T(a) for a in arrays])
    want = np.einsum(eq.replace(" ", ""), *arrays)
    assert tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    got32 = ember.einsum(eq, [T(a, dtype=ember.float32) for a in arrays])  # operands as one list
    assert got32.dtype == ember.float32
    np.testing.assert_allclose(got32.numpy(), want, atol=1e-4, rtol=1e-4)


def test_einsum_broadcast_ellipsis_summed_when_left_out():
    a, b = R(2, 3, 1), R(2, 1, 4)
    got = ember.einsum("b...,b...->b", T(a), T(b))
    np.testing.assert_allclose(got.numpy(), (a * b).sum((1, 2)), atol=1e-12)


def test_einsum_integer_and_noncontiguous():
    a = np.arange(12).reshape(3, 4)
    got = ember.einsum("ij,kj->ik", T(a), T(a))
    assert got.dtype == ember.int64
    np.testing.assert_array_equal(got.numpy(), a @ a.T)
    x = R(4, 3)
    np.testing.assert_allclose(ember.einsum("ij->i", T(x).t()).numpy(), x.T.sum(1), atol=1e-12)


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
                                       ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("...ij,...jk", [(2, 3), (2, 3, 2)]),
                                       ("i,i,i->", [(3,), (3,), (3,)]), ("ij,ij->ij", [(2, 3), (1, 3)])])
def test_einsum_grad(eq, shapes):
    check_grads(lambda *xs: ember.einsum(eq, *xs), [R(*s, seed=k) for k, s in enumerate(shapes)])


@pytest.mark.parametrize("eq,shapes,exc,msg", [
    ("ij,jk", [(2, 3)], RuntimeError, "einsum(): fewer operands were provided than specified in the equation"),
    ("i,j", [(2,)] * 3, RuntimeError, "einsum(): more operands were provided than specified in the equation"),
    ("ij->i", [(2, 3, 4)], RuntimeError, "einsum(): the number of subscripts in the equation (2) does not match the "
     "number of dimensions (3) for operand 0 and no ellipsis was given"),
    ("i1->i", [(2, 3)], RuntimeError, "einsum(): invalid subscript given at index 1 in the equation string, "
     "subscripts must be in [a-zA-Z]"),
    ("ij->ii", [(2, 3)], RuntimeError, "einsum(): output subscript i appears more than once in the output"),
    ("ij->k", [(2, 3)], RuntimeError, "einsum(): output subscript k does not appear in the equation for any input "
     "operand"),
    ("ii->i", [(2, 3)], RuntimeError, "einsum(): subscript i is repeated for operand 0 but the sizes don't match, "
     "3 != 2"),
    ("ij,ij->i", [(2, 3), (4, 3)], RuntimeError, "einsum(): subscript i has size 4 for operand 1 which does not "
     "broadcast with previously seen size 2"),
    ("i.j", [(2, 3)], RuntimeError, "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
])
def test_einsum_errors(eq, shapes, exc, msg):
    with pytest.raises(exc) as e:
        ember.einsum(eq, *[ember.ones(*s) for s in shapes])
    assert str(e.value) == msg
    with pytest.raises(ValueError):
        ember.einsum("i->")
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        ember.einsum("ij,jk", ember.ones(2, 3), ember.ones(3, 4, dtype=ember.float64))


# ----------------------------------------------------------------------------- meshgrid, lerp, addc*, cumprod, logit

@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    a, b, c = np.arange(2), np.arange(3) * 10, np.array([5, 6, 7, 8])
    got = ember.meshgrid(T(a), T(b), T(c), indexing=indexing)
    want = np.meshgrid(a, b, c, indexing=indexing)
    assert isinstance(got, tuple) and len(got) == 3
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w)
    got = ember.meshgrid([T(a), T(np.array(4))], indexing=indexing)
    want = np.meshgrid(a, np.array([4]), indexing=indexing)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w)


def test_meshgrid_warns_and_errors():
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        x, y = ember.meshgrid(ember.arange(2), ember.arange(3))
    assert x.shape == (2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.meshgrid(ember.arange(2), indexing="ij")
    with pytest.raises(RuntimeError, match=r"Expected 0D or 1D tensor in the tensor list"):
        ember.meshgrid(ember.ones(2, 2), indexing="ij")
    with pytest.raises(RuntimeError, match="meshgrid expects all tensors to have the same dtype"):
        ember.meshgrid(ember.ones(2), ember.arange(2), indexing="ij")
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij", but received: foo'):
        ember.meshgrid(ember.ones(2), indexing="foo")
    a = ember.ones(3, requires_grad=True)
    g = ember.meshgrid(a, ember.ones(2), indexing="xy")[0]
    g.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2, 2, 2])


def test_lerp():
    s, e, w = R(3, 4), R(3, 4, seed=1), np.random.default_rng(2).uniform(-0.5, 1.5, (3, 4))
    for weight in (0.25, 0.75, 1.0, T(w)):
        wv = w if isinstance(weight, ember.Tensor) else weight
        got = ember.lerp(T(s), T(e), weight)
        np.testing.assert_allclose(got.numpy(), s + wv * (e - s), atol=1e-12)
    assert ember.lerp(T(s), T(e), 1.0).numpy().tolist() == e.tolist()  # exact at weight 1
    x = T(s)
    assert x.lerp_(T(e), 0.5) is x
    np.testing.assert_allclose(x.numpy(), (s + e) / 2)
    np.testing.assert_allclose(T(s).lerp(T(e), 0.3).numpy(), s + 0.3 * (e - s))
    check_grads(lambda a, b, c: ember.lerp(a, b, c), [s, e, w])
    check_grads(lambda a, b: ember.lerp(a, b, 0.7), [s, e])
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        ember.lerp(ember.ones(2), ember.ones(2, dtype=ember.float64), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `weight` but got dtype double"):
        ember.lerp(ember.ones(2), ember.ones(2), ember.ones(2, dtype=ember.float64))


def test_addcmul_addcdiv():
    a, b, c = R(2, 3), R(2, 3, seed=1), R(3, seed=2) + 3
    np.testing.assert_allclose(ember.addcmul(T(a), T(b), T(c)).numpy(), a + b * c)
    np.testing.assert_allclose(ember.addcmul(T(a), T(b), T(c), value=-0.5).numpy(), a - 0.5 * b * c)
    np.testing.assert_allclose(ember.addcdiv(T(a), T(b), T(c), value=2).numpy(), a + 2 * b / c)
    np.testing.assert_allclose(T(a).addcdiv(T(b), T(c)).numpy(), a + b / c)
    x = T(a)
    assert x.addcmul_(T(b), T(c), value=3) is x
    np.testing.assert_allclose(x.numpy(), a + 3 * b * c)
    x = T(a)
    x.addcdiv_(T(b), T(c), value=0.5)
    np.testing.assert_allclose(x.numpy(), a + 0.5 * b / c)
    check_grads(lambda x, y, z: ember.addcmul(x, y, z, value=0.3), [a, b, c])
    check_grads(lambda x, y, z: ember.addcdiv(x, y, z, value=0.3), [a, b, c])
    i = ember.ones(2, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        ember.addcdiv(i, i, i)
    assert ember.addcmul(i, i, i, value=2).dtype == ember.int64


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1), ((0, 3), 1), ((), 0),
                                       ((2, 9), -1)])
def test_cumprod(shape, dim):
    x = R(*shape)
    np.testing.assert_allclose(ember.cumprod(T(x), dim).numpy(), np.cumprod(x, axis=dim if shape else None),
                               rtol=1e-12)
    np.testing.assert_allclose(T(x).cumprod(dim=dim).numpy(), np.cumprod(x, axis=dim if shape else None), rtol=1e-12)


def test_cumprod_dtypes_errors_and_inplace():
    assert ember.cumprod(T([1, 2, 3]), 0).tolist() == [1, 2, 6]
    assert ember.cumprod(T([1, 2, 3], dtype=ember.int32), 0).dtype == ember.int64
    assert ember.cumprod(T([True, False]), 0).tolist() == [1, 0]
    r = ember.cumprod(T([1, 2]), 0, dtype=ember.float32)
    assert r.dtype == ember.float32 and r.tolist() == [1.0, 2.0]
    x = T([1.0, 2.0, 3.0])
    assert x.cumprod_(0) is x and x.tolist() == [1, 2, 6]
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        ember.cumprod(ember.ones(2, 3), 2)
    with pytest.raises(IndexError):
        ember.cumprod(ember.tensor(1.0), 1)


@pytest.mark.parametrize("values", [[1.0, 2, 0, 3, 0.5, 4, -1], [0.0, 0, 2, 3], [2.0, 3, 0.5, -1.5, 1.25], [0.0]])
def test_cumprod_grad_with_zeros(values):
    x = np.array(values)
    check_grads(lambda a: ember.cumprod(a, 0), [x])
    check_grads(lambda a: ember.cumprod(a, 1), [np.stack([x, x[::-1]])])


def test_logit():
    p = np.array([0.0, 1e-8, 0.25, 0.5, 0.9, 1.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(ember.logit(T(p)).numpy(), np.log(p / (1 - p)))
    q = np.clip(p, 1e-6, 1 - 1e-6)
    np.testing.assert_allclose(ember.logit(T(p), eps=1e-6).numpy(), np.log(q / (1 - q)))
    np.testing.assert_allclose(T(p).logit(1e-6).numpy(), np.log(q / (1 - q)))
    got = ember.logit(T([1, 0, 2]))
    assert got.dtype == ember.float32
    assert got[0].item() == float("inf") and got[1].item() == float("-inf") and np.isnan(got[2].item())
    check_grads(lambda a: ember.logit(a), [np.array([0.1, 0.3, 0.75])])
    check_grads(lambda a: ember.logit(a, eps=0.2), [np.array([0.1, 0.3, 0.75, 0.9])])
    x = T([0.5, 0.25])
    assert x.logit_() is x
