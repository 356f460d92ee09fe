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


def test_einsum_returns_a_new_tensor():
    x = ember.ones(2, 3)
    y = ember.einsum("ij->ij", x)
    assert y is not x and y.shape == (2, 3)


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
                                       ((2, 9), -1), ((3, 40), 1), ((33, 2), 0), ((2, 0), 1)])
def test_cumprod(shape, dim):
    x = R(*shape)
    np.testing.assert_allclose(ember.cumprod(T(x), dim).numpy(), np.cumprod(x, axis=dim if shape else None),
                               rtol=1e-12)
    np.testing.assert_allclose(T(x).cumprod(dim=dim).numpy(), np.cumprod(x, axis=dim if shape else None), rtol=1e-12)


@pytest.mark.parametrize("n", [16, 100])
def test_cumprod_float32_bit_exact(n):
    # PyTorch's CPU kernel accumulates float32 in double and rounds each output once
    x = np.random.default_rng(1).uniform(0.5, 1.5, (4, n)).astype(np.float32)
    want = np.cumprod(x.astype(np.float64), axis=1).astype(np.float32)
    got = ember.cumprod(T(x), 1)
    assert got.dtype == ember.float32 and got.numpy().tobytes() == want.tobytes()


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


@pytest.mark.parametrize("values", [[1.0, 2, 0, 3, 0.5, 4, -1], [0.0, 0, 2, 3], [2.0, 3, 0.5, -1.5, 1.25], [0.0],
                                    list(np.where(np.arange(20) % 7 == 3, 0.0, np.linspace(0.8, 1.2, 20)))])
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


# ----------------------------------------------------------------------------- bincount, take_along_dim, index_*

def test_bincount():
    x = np.array([0, 2, 2, 5, 1, 2])
    w = R(6)
    got = ember.bincount(T(x))
    assert got.dtype == ember.int64 and got.tolist() == np.bincount(x).tolist()
    assert ember.bincount(T(x), minlength=9).tolist() == np.bincount(x, minlength=9).tolist()
    np.testing.assert_allclose(ember.bincount(T(x), T(w)).numpy(), np.bincount(x, w))
    assert ember.bincount(T(x), T(w, dtype=ember.float32)).dtype == ember.float32
    assert ember.bincount(T(x), T(x)).dtype == ember.float64
    assert T(x).bincount().tolist() == np.bincount(x).tolist()
    e = ember.bincount(ember.tensor([], dtype=ember.int64))
    assert e.shape == (0,) and e.dtype == ember.int64
    for bad in (T([-1, 2]), T([[1, 2]])):
        with pytest.raises(RuntimeError, match=r"bincount only supports 1-d non-negative integral inputs\."):
            ember.bincount(bad)
    with pytest.raises(NotImplementedError, match="\"bincount_cpu\" not implemented for 'Float'"):
        ember.bincount(T([1.0]))
    with pytest.raises(RuntimeError, match="minlength should be >= 0"):
        ember.bincount(T([1]), minlength=-1)
    with pytest.raises(RuntimeError, match="weights should be 1-d and have the same length as input"):
        ember.bincount(T([1, 2]), ember.ones(3))


def test_take_along_dim():
    x = R(3, 4)
    idx = np.argsort(x, axis=1)
    np.testing.assert_array_equal(ember.take_along_dim(T(x), T(idx), 1).numpy(), np.take_along_axis(x, idx, 1))
    np.testing.assert_array_equal(T(x).take_along_dim(T(idx[:, :2]), dim=-1).numpy(),
                                  np.take_along_axis(x, idx[:, :2], -1))
    flat = np.array([[0, 5], [11, 3]])
    np.testing.assert_array_equal(ember.take_along_dim(T(x), T(flat)).numpy(), x.reshape(-1)[flat.reshape(-1)])
    b = np.array([[1], [0], [2]])  # broadcast over the other dim
    np.testing.assert_array_equal(ember.take_along_dim(T(x), T(b).expand(3, 1), 0).numpy(),
                                  np.take_along_axis(x, b, 0))
    np.testing.assert_array_equal(ember.take_along_dim(T(R(1, 4)), T(idx), 1).numpy(),
                                  np.take_along_axis(np.broadcast_to(R(1, 4), (3, 4)), idx, 1))
    check_grads(lambda a: ember.take_along_dim(a, T(idx[:, :3]), 1), [x])
    with pytest.raises(RuntimeError, match="should have the same number of dimensions, but got 2 dimensions for "
                                           "input, and 1 dimensions for indices"):
        ember.take_along_dim(ember.ones(2, 3), ember.zeros(1, dtype=ember.int64), 1)
    with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Float"):
        ember.take_along_dim(ember.ones(2, 3), ember.zeros(2, 1), 1)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add(dim):
    x = R(3, 4)
    n = 5
    index = np.array([0, 2, 0, 1, 2])[:n] % x.shape[dim]
    src_shape = list(x.shape)
    src_shape[dim] = n
    src = R(*src_shape, seed=3)
    want = x.copy()
    np.add.at(np.moveaxis(want, dim, 0), index, 2.5 * np.moveaxis(src, dim, 0))
    t = T(x)
    assert t.index_add_(dim, T(index), T(src), alpha=2.5) is t
    np.testing.assert_allclose(t.numpy(), want)
    np.testing.assert_allclose(T(x).index_add(dim, T(index, dtype=ember.int32), T(src), alpha=2.5).numpy(), want)
    np.testing.assert_allclose(ember.index_add(T(x), dim, T(index), T(src), alpha=2.5).numpy(), want)
    check_grads(lambda a, s: a.index_add(dim, T(index), s, alpha=2.5), [x, src])


def test_index_fill_copy():
    x = R(3, 4)
    want = x.copy()
    want[:, [1, 3]] = -7
    t = T(x)
    assert t.index_fill_(1, T([1, 3]), -7) is t
    np.testing.assert_array_equal(t.numpy(), want)
    np.testing.assert_array_equal(T(x).index_fill(-1, T([1, 3]), T(-7.0)).numpy(), want)
    src = R(2, 4, seed=5)
    want = x.copy()
    want[[2, 0]] = src
    t = T(x)
    assert t.index_copy_(0, T([2, 0]), T(src)) is t
    np.testing.assert_array_equal(t.numpy(), want)
    np.testing.assert_array_equal(T(x).index_copy(0, T([2, 0]), T(src)).numpy(), want)
    check_grads(lambda a, s: a.index_copy(0, T([2, 0]), s), [x, src])
    check_grads(lambda a: a.index_fill(1, T([0, 2]), 3.0), [x])


def test_index_errors():
    x = ember.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"index_add_\(\): Number of indices \(1\) should be equal to "
                                           r"source.size\(dim\): \(2\), for dim: 0"):
        x.index_add_(0, T([0]), ember.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"index_add_\(\): Expected dtype int32/int64 for index but got: Float"):
        x.index_add_(0, T([0.0]), ember.ones(1, 2))
    with pytest.raises(RuntimeError, match=r"self \(Float\) and source \(Double\) must have the same scalar type"):
        x.index_add_(0, T([0]), ember.ones(1, 2, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x.index_add_(0, T([5]), ember.ones(1, 2))
    with pytest.raises(IndexError, match="index 2 is out of bounds for dimension 1 with size 2"):
        x.index_fill_(1, T([2]), 7)
    with pytest.raises(RuntimeError, match=r"index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                                           r"with 1 dimension\(s\)\."):
        x.index_fill(0, T([1]), T([2.0]))
    with pytest.raises(IndexError, match=r"index_copy_\(\): Number of indices \(2\) should be equal to "
                                         r"source.size\(dim\) \(3\)"):
        x.index_copy_(0, T([2, 0]), ember.ones(3, 2))
    assert x.tolist() == [[0, 0]] * 3


# ----------------------------------------------------------------------------- stacking helpers

SHAPES = [(), (3,), (2, 3), (2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_atleast(shape):
    x = R(*shape)
    for ours, theirs in ((ember.atleast_1d, np.atleast_1d), (ember.atleast_2d, np.atleast_2d),
                         (ember.atleast_3d, np.atleast_3d)):
        got = ours(T(x))
        assert tuple(got.shape) == theirs(x).shape
        np.testing.assert_array_equal(got.numpy(), theirs(x))
        pair = ours(T(x), T(x))
        assert isinstance(pair, tuple) and len(pair) == 2
        one = ours([T(x)])
        assert isinstance(one, tuple) and tuple(one[0].shape) == theirs(x).shape


@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(2, 3), (2, 3)], [(2, 3, 2), (2, 3, 2)],
                                    [(2, 3), (2, 1)], [(3,), (3, 2)]], ids=str)
def test_stacks(shapes):
    xs = [R(*s, seed=k) for k, s in enumerate(shapes)]
    ts = [T(x) for x in xs]
    for ours, theirs in ((ember.vstack, np.vstack), (ember.hstack, np.hstack), (ember.dstack, np.dstack),
                         (ember.column_stack, np.column_stack)):
        try:
            want = theirs(xs)
        except ValueError:
            continue
        got = ours(ts)
        assert tuple(got.shape) == want.shape, ours.__name__
        np.testing.assert_array_equal(got.numpy(), want)
        np.testing.assert_array_equal(ours(tuple(ts)).numpy(), want)


def test_stack_errors_and_grad():
    with pytest.raises(RuntimeError, match="vstack expects a non-empty TensorList"):
        ember.vstack([])
    with pytest.raises(TypeError, match=r"hstack\(\): argument 'tensors' \(position 1\) must be tuple of Tensors, "
                                        "not Tensor"):
        ember.hstack(ember.ones(2))
    check_grads(lambda a, b: ember.column_stack([a, b]), [R(3), R(3, 2)])
    check_grads(lambda a, b: ember.dstack([a, b]), [R(2), R(2)])


# ----------------------------------------------------------------------------- searching

@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_1d(right):
    seq = np.array([1.0, 2, 2, 2, 3, 5, 8])
    vals = np.array([[0.0, 1, 2, 2.5], [5, 8, 9, -1]])
    side = "right" if right else "left"
    want = np.searchsorted(seq, vals, side=side)
    for kwargs in ({"right": right}, {"side": side}):
        got = ember.searchsorted(T(seq), T(vals), **kwargs)
        assert got.dtype == ember.int64
        np.testing.assert_array_equal(got.numpy(), want)
    got = ember.bucketize(T(vals), T(seq), right=right, out_int32=True)
    assert got.dtype == ember.int32
    np.testing.assert_array_equal(got.numpy(), want)
    s = ember.searchsorted(T(seq), 2.0, right=right)
    assert s.dim() == 0 and s.item() == np.searchsorted(seq, 2.0, side=side)


def test_searchsorted_batched_sorter_and_dtypes():
    rng = np.random.default_rng(3)
    seq = np.sort(rng.integers(0, 10, (3, 6)), axis=1)
    vals = rng.integers(-1, 11, (3, 5))
    for side in ("left", "right"):
        want = np.stack([np.searchsorted(seq[i], vals[i], side=side) for i in range(3)])
        np.testing.assert_array_equal(ember.searchsorted(T(seq), T(vals), side=side).numpy(), want)
    # int boundaries, float values: compared after promotion
    np.testing.assert_array_equal(ember.searchsorted(ember.arange(3), T([0.5, 1.5])).tolist(), [1, 2])
    unsorted = np.array([3.0, 1, 2])
    sorter = np.argsort(unsorted)
    got = ember.searchsorted(T(unsorted), T([2.0, 2.5]), sorter=T(sorter))
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(unsorted, [2.0, 2.5], sorter=sorter))
    big = np.sort(rng.standard_normal(2000))
    v = rng.standard_normal(3000)
    np.testing.assert_array_equal(ember.searchsorted(T(big), T(v)).numpy(), np.searchsorted(big, v))
    assert ember.searchsorted(ember.ones(0), T([1.0, 2.0])).tolist() == [0, 0]


def test_searchsorted_errors():
    with pytest.raises(RuntimeError, match=r"boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                                           r"boundaries tensor and input value tensor must match, but we got "
                                           r"boundaries tensor \[2, 3\] and input value tensor \[3, 1\]"):
        ember.searchsorted(ember.ones(2, 3), ember.ones(3, 1))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites, got side of left while right "
                                           "was True"):
        ember.searchsorted(ember.ones(3), ember.ones(2), side="left", right=True)
    with pytest.raises(RuntimeError, match="side can only be 'left' or 'right' but got foo"):
        ember.searchsorted(ember.ones(3), ember.ones(2), side="foo")
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        ember.bucketize(ember.ones(2), ember.ones(2, 2))


def test_isin_argwhere():
    e = np.array([[1, 2, 3], [4, 5, 2]])
    t = np.array([2, 5, 9, 2])
    np.testing.assert_array_equal(ember.isin(T(e), T(t)).numpy(), np.isin(e, t))
    np.testing.assert_array_equal(ember.isin(T(e), T(t), invert=True).numpy(), np.isin(e, t, invert=True))
    np.testing.assert_array_equal(ember.isin(T(e), 2).numpy(), np.isin(e, 2))
    np.testing.assert_array_equal(ember.isin(T(e), T([2.0])).numpy(), np.isin(e, [2.0]))
    r = ember.isin(2, T([2]))
    assert r.dim() == 0 and r.item() is True
    assert ember.isin(T(e), ember.tensor([], dtype=ember.int64)).numpy().any() == np.False_
    f = np.array([0.5, np.nan, 1.0])
    np.testing.assert_array_equal(ember.isin(T(f), T([np.nan, 1.0])).numpy(), np.isin(f, [np.nan, 1.0]))
    x = np.array([[0, 1.5], [2, 0]])
    np.testing.assert_array_equal(ember.argwhere(T(x)).numpy(), np.argwhere(x))
    np.testing.assert_array_equal(T(x).argwhere().numpy(), np.argwhere(x))
    np.testing.assert_array_equal(T(e).isin(T(t)).numpy(), np.isin(e, t))
    assert tuple(ember.argwhere(T(3.0)).shape) == (1, 0)


# ----------------------------------------------------------------------------- nn

def test_hardsigmoid_hardswish():
    x = np.array([-5.0, -3, -2.5, -1, 0, 0.5, 2.9, 3, 4])
    hs = np.clip(x + 3, 0, 6) / 6
    np.testing.assert_allclose(F.hardsigmoid(T(x)).numpy(), hs)
    np.testing.assert_allclose(F.hardswish(T(x)).numpy(), x * hs)
    np.testing.assert_allclose(nn.Hardsigmoid()(T(x)).numpy(), hs)
    np.testing.assert_allclose(nn.Hardswish()(T(x)).numpy(), x * hs)
    t = T(x)
    assert nn.Hardswish(inplace=True)(t) is t
    np.testing.assert_allclose(t.numpy(), x * hs)
    a = T(x, requires_grad=True)
    F.hardswish(a).sum().backward()  # PyTorch's gradient: 0 at -3, 1 at 3
    np.testing.assert_allclose(a.grad.numpy(), np.where(x <= -3, 0, np.where(x >= 3, 1, x / 3 + 0.5)))
    a.grad = None
    F.hardsigmoid(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.where((x > -3) & (x < 3), 1 / 6, 0))
    with pytest.raises(NotImplementedError, match="\"hardsigmoid_cpu\" not implemented for 'Long'"):
        F.hardsigmoid(T([1, 2]))
    assert repr(nn.Hardswish()) == "Hardswish()" and repr(nn.Hardsigmoid(inplace=True)) == "Hardsigmoid()"


def test_logsigmoid():
    x = np.array([-30.0, -1, 0, 2, 40])
    np.testing.assert_allclose(F.logsigmoid(T(x)).numpy(), -np.logaddexp(0, -x))
    np.testing.assert_allclose(nn.LogSigmoid()(T(x)).numpy(), -np.logaddexp(0, -x))


def test_prelu():
    x = R(2, 3, 4)
    m = nn.PReLU(3, init=0.1)
    assert repr(m) == "PReLU(num_parameters=3)" and m.weight.tolist() == pytest.approx([0.1] * 3)
    w = np.array([0.1, -0.5, 2.0])
    with ember.no_grad():
        m.weight.copy_(T(w, dtype=ember.float32))
    want = np.where(x > 0, x, w[None, :, None] * x)
    np.testing.assert_allclose(m(T(x, dtype=ember.float32)).detach().numpy(), want, rtol=1e-6)
    one = nn.PReLU()
    assert repr(one) == "PReLU(num_parameters=1)" and one.weight.shape == (1,) and one.weight.item() == 0.25
    np.testing.assert_allclose(one(T(x, dtype=ember.float32)).detach().numpy(), np.where(x > 0, x, 0.25 * x),
                               rtol=1e-6)
    check_grads(lambda a, b: F.prelu(a, b), [x, w])
    check_grads(lambda a, b: F.prelu(a, b), [R(5), np.array([0.3])])
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size. Found parameter "
                                           "numbers = 3 and channel size = 4."):
        F.prelu(ember.ones(2, 4), ember.ones(3))


@pytest.mark.parametrize("s1,s2,dim", [((4, 5), (4, 5), 1), ((2, 3, 4), (3, 4), -1), ((1, 3), (3,), 1),
                                       ((5,), (5,), 0)])
def test_cosine_similarity(s1, s2, dim):
    a, b = R(*s1), R(*s2, seed=1)
    aa, bb = np.broadcast_arrays(a, b)
    want = (aa * bb).sum(dim) / (np.linalg.norm(aa, axis=dim) * np.linalg.norm(bb, axis=dim))
    np.testing.assert_allclose(F.cosine_similarity(T(a), T(b), dim=dim).numpy(), want)
    np.testing.assert_allclose(nn.CosineSimilarity(dim=dim)(T(a), T(b)).numpy(), want)
    check_grads(lambda x, y: F.cosine_similarity(x, y, dim), [a, b])


def test_cosine_similarity_eps_and_errors():
    x = T([1e-5, 0.0])
    assert F.cosine_similarity(x, x, dim=0).item() == pytest.approx(1.0)
    z = F.cosine_similarity(ember.zeros(2, 3), ember.ones(2, 3))
    assert z.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(4\) at "
                                           r"non-singleton dimension 0"):
        F.cosine_similarity(ember.ones(2, 3), ember.ones(4, 3))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pairwise_distance(p):
    a, b = R(4, 5), R(4, 5, seed=1)
    want = (np.abs(a - b + 1e-6) ** p).sum(-1) ** (1 / p)
    np.testing.assert_allclose(F.pairwise_distance(T(a), T(b), p=p).numpy(), want)
    got = nn.PairwiseDistance(p=p, keepdim=True)(T(a), T(b[0]))
    np.testing.assert_allclose(got.numpy(), ((np.abs(a - b[0] + 1e-6) ** p).sum(-1) ** (1 / p))[:, None])
    assert F.pairwise_distance(ember.ones(3), ember.zeros(3)).dim() == 0
    check_grads(lambda x, y: F.pairwise_distance(x, y, p=p), [a, b])


def _np_pixel_shuffle(x, r):
    *batch, c, h, w = x.shape
    y = x.reshape(*batch, c // (r * r), r, r, h, w)
    nb = len(batch)
    y = y.transpose(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return y.reshape(*batch, c // (r * r), h * r, w * r)


@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((2, 9, 2, 2), 3), ((4, 1, 1), 2), ((2, 3, 4, 2, 2), 1)])
def test_pixel_shuffle(shape, r):
    x = R(*shape)
    if shape[-3] % (r * r):
        return
    got = F.pixel_shuffle(T(x), r)
    want = _np_pixel_shuffle(x, r)
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(nn.PixelShuffle(r)(T(x)).numpy(), want)
    np.testing.assert_array_equal(F.pixel_unshuffle(got, r).numpy(), x)
    np.testing.assert_array_equal(nn.PixelUnshuffle(r)(got).numpy(), x)
    check_grads(lambda a: F.pixel_shuffle(a, r), [x])


def test_pixel_shuffle_errors():
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    with pytest.raises(RuntimeError, match=r"pixel_shuffle expects input to have at least 3 dimensions, but got "
                                           r"input with 2 dimension\(s\)"):
        F.pixel_shuffle(ember.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match=r"divisible by the square of upscale_factor, but input.size\(-3\)=5 is "
                                           r"not divisible by 4"):
        F.pixel_shuffle(ember.ones(5, 2, 3), 2)
    with pytest.raises(RuntimeError, match=r"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                                           r"input.size\(-2\)=3 is not divisible by 2"):
        F.pixel_unshuffle(ember.ones(1, 3, 3), 2)


@pytest.mark.parametrize("padding", [1, (1, 0, 2, 1), (0, 2, 1, 0)], ids=str)
def test_pad2d_modules(padding):
    x = R(2, 3, 4, 5)
    l, r, t, b = (padding,) * 4 if isinstance(padding, int) else padding
    widths = ((0, 0), (0, 0), (t, b), (l, r))
    for mod, mode in ((nn.ZeroPad2d, "constant"), (nn.ReflectionPad2d, "reflect"), (nn.ReplicationPad2d, "edge")):
        m = mod(padding)
        np.testing.assert_array_equal(m(T(x)).numpy(), np.pad(x, widths, mode=mode), err_msg=mod.__name__)
        assert repr(m) == f"{mod.__name__}({(l, r, t, b)})"
    np.testing.assert_array_equal(nn.ConstantPad2d(padding, 3.5)(T(x)).numpy(),
                                  np.pad(x, widths, constant_values=3.5))
    check_grads(lambda a: nn.ReflectionPad2d(padding)(a), [R(1, 1, 3, 4)])
