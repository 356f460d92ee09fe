"""float16 and bfloat16 tensors on the CPU: conversion (round to nearest even),
arithmetic in float32 rounded once (PyTorch's opmath), type promotion,
reductions, matmul/conv/pool/norm, autograd, optimizers, NumPy and files.

References are NumPy: float16 rounding is NumPy's float32 -> float16 cast (IEEE
round to nearest even); bfloat16 rounding is computed here in float64 from the
two neighbouring bfloat16 values, independently of ember's bit trick."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

RNG = np.random.default_rng(7)


def bf16_round(x):
    """float32 array -> the float32 values of the nearest bfloat16 (ties to even, NaN stays NaN)."""
    x = np.asarray(x, np.float32)
    u = x.view(np.uint32).astype(np.uint64)
    lo = (u >> 16) << 16
    hi = lo + (1 << 16)
    lo_f = lo.astype(np.uint32).view(np.float32).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        hi_f = np.where(hi < 2**32, hi, lo).astype(np.uint32).view(np.float32).astype(np.float64)
        xd = x.astype(np.float64)
        d_lo, d_hi = np.abs(xd - lo_f), np.abs(hi_f - xd)
    even_lo = ((lo >> 16) & 1) == 0
    pick_hi = (d_hi < d_lo) | ((d_hi == d_lo) & ~even_lo)
    # |x| above the largest finite bfloat16's halfway point rounds to inf, as the next pattern (inf) shows
    out = np.where(pick_hi & (hi < 2**32), hi, lo).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out)


def rounded(x, dtype):
    x = np.asarray(x, np.float32)
    return x.astype(np.float16).astype(np.float32) if dtype == ember.float16 else bf16_round(x)


def values(t):
    return t.detach().float().numpy()


DTYPES = [ember.float16, ember.bfloat16]


# ---- conversion ----------------------------------------------------------------------------
def edge_floats():
    specials = [0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, 65536.0, 1e9, np.inf, -np.inf,
                2.0**-14, 2.0**-24, 2.0**-25, 1.5 * 2.0**-25, 2.0**-26, 3 * 2.0**-25, 1.0 + 2.0**-11,
                1.0 + 3 * 2.0**-11, 1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8, 3.0e38, 1e-40, 1e-45]
    bits = RNG.integers(0, 2**32, 20000, dtype=np.uint64).astype(np.uint32)
    rand = bits.view(np.float32)
    rand = rand[~np.isnan(rand)]
    mid = RNG.normal(0, 1e4, 5000).astype(np.float32)
    return np.concatenate([np.array(specials, np.float32), -np.array(specials, np.float32), rand, mid])


@pytest.mark.parametrize("dtype", DTYPES)
def test_float32_conversion_rounds_to_nearest_even(dtype):
    x = edge_floats()
    with np.errstate(over="ignore"):
        want = rounded(x, dtype)
    got = values(ember.from_numpy(x).to(dtype))
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_and_back_conversion(dtype):
    t = ember.tensor([float("nan"), -float("nan"), 1.0], dtype=dtype)
    assert np.isnan(values(t)[:2]).all()
    for other in (ember.float64, ember.int64, ember.int32, ember.bool):
        src = ember.tensor([1.5, -2.0, 0.0, 3.0], dtype=dtype)
        want = np.array([1.5, -2.0, 0.0, 3.0]).astype(np.float64)
        got = src.to(other).numpy()
        np.testing.assert_array_equal(got, want.astype(got.dtype))


def test_float64_goes_through_float32_like_torch():
    # A Python float is rounded to float32, then to float16 (PyTorch's Half(float(double))).
    v = 1.0 + 2.0**-11 + 2.0**-40  # just above the float16 tie, but float32 rounds it onto the tie
    assert ember.tensor([v], dtype=ember.float16).item() == 1.0
    assert ember.tensor([v], dtype=ember.float64).half().item() == 1.0


# ---- arithmetic ----------------------------------------------------------------------------
EXACT_BINARY = [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.divide)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn", EXACT_BINARY)
def test_binary_ops_round_once(dtype, name, fn):
    a32 = rounded(RNG.normal(0, 3, 500), dtype)
    b32 = rounded(RNG.normal(0, 3, 500), dtype)
    a, b = ember.tensor(a32).to(dtype), ember.tensor(b32).to(dtype)
    out = getattr(ember, name)(a, b)
    assert out.dtype == dtype
    np.testing.assert_array_equal(values(out), rounded(fn(a32, b32), dtype))
    # with a Python number: it takes part as float32
    out = getattr(ember, name)(a, 0.1)
    np.testing.assert_array_equal(values(out), rounded(fn(a32, np.float32(0.1)), dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_ops_match_float32_rounded(dtype):
    x32 = rounded(RNG.normal(0, 2, 1000), dtype)
    x = ember.tensor(x32).to(dtype)
    np.testing.assert_array_equal(values(ember.sqrt(x.abs())), rounded(np.sqrt(np.abs(x32)), dtype))
    np.testing.assert_array_equal(values(ember.relu(x)), np.maximum(x32, 0))
    np.testing.assert_array_equal(values(-x), -x32)
    ulp = 2.0**-10 if dtype == ember.float16 else 2.0**-7
    for name, ref in [("exp", np.exp), ("tanh", np.tanh), ("sigmoid", lambda v: 1 / (1 + np.exp(-v)))]:
        got = getattr(ember, name)(x)
        assert got.dtype == dtype
        want = ref(x32.astype(np.float64))
        np.testing.assert_allclose(values(got), want, rtol=ulp, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_comparisons_where_clamp(dtype):
    x32 = rounded(RNG.normal(0, 2, 300), dtype)
    x = ember.tensor(x32).to(dtype)
    np.testing.assert_array_equal((x > 0.5).numpy(), x32 > np.float32(0.5))
    np.testing.assert_array_equal(values(ember.where(x > 0, x, ember.zeros_like(x))), np.where(x32 > 0, x32, 0))
    got = x.clamp(-1, 1)
    assert got.dtype == dtype
    np.testing.assert_array_equal(values(got), np.clip(x32, -1, 1))


def test_type_promotion():
    h = ember.ones(2, dtype=ember.float16)
    b = ember.ones(2, dtype=ember.bfloat16)
    assert (h + b).dtype == ember.float32
    assert (h + ember.ones(2)).dtype == ember.float32
    assert (h + ember.ones(2, dtype=ember.float64)).dtype == ember.float64
    assert (h + ember.ones(2, dtype=ember.int64)).dtype == ember.float16
    assert (h + 2.5).dtype == ember.float16
    assert (b * ember.tensor(3.0, dtype=ember.float64)).dtype == ember.bfloat16  # a 0-d tensor ranks lower
    assert (ember.ones(2, dtype=ember.int32) / 2).dtype == ember.float32
    assert h.is_floating_point() and ember.float16.is_floating_point and ember.bfloat16.itemsize == 2
    assert ember.half == ember.float16


def test_overflow_to_inf_like_torch():
    h = ember.tensor([60000.0, 2.0], dtype=ember.float16)
    assert values(h * 2).tolist() == [np.inf, 4.0]  # float16's max is 65504
    b = ember.tensor([60000.0], dtype=ember.bfloat16)
    assert values(b * 2).tolist() == [bf16_round([120000.0])[0]]


# ---- reductions, matmul, nn ops ------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_reductions_accumulate_in_float32(dtype):
    x32 = rounded(RNG.uniform(0, 1, (64, 300)), dtype)
    x = ember.tensor(x32).to(dtype)
    for name, ref in [("sum", np.sum), ("mean", np.mean), ("amax", np.max)]:
        got = getattr(x, name)(1)
        assert got.dtype == dtype
        want = rounded(ref(x32.astype(np.float64), axis=1), dtype)
        np.testing.assert_allclose(values(got), want, rtol=1e-6)  # float32 sum, one rounding
    short = x[:, :6]  # a product of 6 values in (0, 1): float32 keeps it far from underflow
    got = short.prod(1)
    assert got.dtype == dtype
    tol = 2.0**-10 if dtype == ember.float16 else 2.0**-7
    # float32 products, rounded once (atol: the float16 subnormal spacing, where small products land)
    np.testing.assert_allclose(values(got), rounded(np.prod(x32[:, :6].astype(np.float64), 1), dtype), rtol=tol,
                               atol=2.0**-24)
    assert x.sum(dtype=ember.float32).dtype == ember.float32
    np.testing.assert_allclose(x.sum(dtype=ember.float32).item(), x32.astype(np.float64).sum(), rtol=1e-5)
    v, i = x.max(1)
    np.testing.assert_array_equal(i.numpy(), x32.argmax(1))
    np.testing.assert_array_equal(values(v), x32.max(1))
    np.testing.assert_allclose(values(x.var(1)), rounded(x32.astype(np.float64).var(1, ddof=1), dtype), rtol=1e-5)
    np.testing.assert_allclose(values(x.cumsum(1)), rounded(np.cumsum(x32, 1, dtype=np.float32), dtype), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_linear_and_their_gradients(dtype):
    a32 = rounded(RNG.normal(0, 1, (8, 40)), dtype)
    w32 = rounded(RNG.normal(0, 1, (40, 5)), dtype)
    b32 = rounded(RNG.normal(0, 1, 5), dtype)
    tol = 2.0**-10 if dtype == ember.float16 else 2.0**-7
    a = ember.tensor(a32).to(dtype).requires_grad_()
    w = ember.tensor(w32).to(dtype).requires_grad_()
    b = ember.tensor(b32).to(dtype).requires_grad_()
    y = a @ w
    assert y.dtype == dtype
    # summed in float32, rounded once: within one unit of the last place of the exactly rounded product
    np.testing.assert_allclose(values(y), rounded(a32.astype(np.float64) @ w32, dtype), rtol=tol, atol=1e-6)
    z = F.linear(a, w.t(), b)
    ref = a32.astype(np.float64) @ w32 + b32
    np.testing.assert_allclose(values(z), ref, rtol=tol, atol=tol)
    z.sum().backward()
    for t in (a, w, b):
        assert t.grad.dtype == dtype
    np.testing.assert_allclose(values(a.grad), np.ones((8, 5)) @ w32.T.astype(np.float64), rtol=tol, atol=tol)
    np.testing.assert_allclose(values(w.grad), a32.T.astype(np.float64) @ np.ones((8, 5)), rtol=tol, atol=tol)
    np.testing.assert_array_equal(values(b.grad), np.full(5, 8.0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy(dtype):
    x32 = rounded(RNG.normal(0, 2, (6, 10)), dtype)
    tgt = RNG.integers(0, 10, 6)
    x = ember.tensor(x32).to(dtype).requires_grad_()
    xd = x32.astype(np.float64)
    p = np.exp(xd - xd.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    sm = F.softmax(x, 1)
    assert sm.dtype == dtype
    np.testing.assert_array_equal(values(sm), rounded(p, dtype))  # computed in float32: one rounding
    loss = F.cross_entropy(x, ember.tensor(tgt))
    assert loss.dtype == dtype
    want = -np.log(p[np.arange(6), tgt]).mean()
    np.testing.assert_allclose(loss.item(), want, rtol=2.0**-7)
    loss.backward()
    onehot = np.eye(10)[tgt]
    np.testing.assert_allclose(values(x.grad), (p - onehot) / 6, atol=2.0**-8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_pool_batchnorm(dtype):
    x32 = rounded(RNG.normal(0, 1, (2, 3, 9, 9)), dtype)
    conv = nn.Conv2d(3, 4, 3, padding=1)
    ref_w = conv.weight.detach().numpy().astype(np.float64)
    conv = conv.to(dtype)
    w32 = values(conv.weight.detach())
    b32 = values(conv.bias.detach())
    x = ember.tensor(x32).to(dtype).requires_grad_()
    y = conv(x)
    assert y.dtype == dtype and conv.weight.dtype == dtype
    # reference: a direct float64 convolution of the rounded values
    xp = np.pad(x32.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((2, 4, 9, 9))
    for i in range(3):
        for j in range(3):
            want += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 9, j:j + 9], w32[:, :, i, j])
    want += b32[None, :, None, None]
    tol = 2.0**-10 if dtype == ember.float16 else 2.0**-7
    np.testing.assert_allclose(values(y), want, rtol=tol, atol=tol)
    assert np.abs(ref_w - w32).max() <= 2.0**-8  # the module's weights were rounded
    pooled, idx = F.max_pool2d(y, 2, return_indices=True)
    assert pooled.dtype == dtype
    yv = values(y.detach())[:, :, :8, :8].reshape(2, 4, 4, 2, 4, 2)
    np.testing.assert_array_equal(values(pooled), yv.max((3, 5)))
    bn = nn.BatchNorm2d(4).to(dtype)
    out = bn(pooled)
    assert out.dtype == dtype and bn.running_mean.dtype == dtype
    pv = values(pooled.detach()).astype(np.float64)
    mu, var = pv.mean((0, 2, 3)), pv.var((0, 2, 3))
    np.testing.assert_allclose(values(out), (pv - mu[None, :, None, None]) / np.sqrt(var + 1e-5)[None, :, None, None],
                               rtol=4 * tol, atol=4 * tol)
    np.testing.assert_allclose(values(bn.running_mean), rounded(0.1 * mu, dtype), rtol=tol, atol=1e-6)
    out.sum().backward()
    assert x.grad.dtype == dtype and conv.weight.grad.dtype == dtype and bn.weight.grad.dtype == dtype
    np.testing.assert_allclose(values(bn.bias.grad), np.full(4, 2 * 4 * 4.0))
    # avg pooling and interpolation
    ap = F.avg_pool2d(x.detach(), 3)
    np.testing.assert_allclose(values(ap), rounded(x32.reshape(2, 3, 3, 3, 3, 3).mean((3, 5)), dtype), rtol=1e-6)
    assert F.interpolate(x.detach(), scale_factor=2, mode="bilinear").dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_indexing_moves_two_byte_elements(dtype):
    x32 = rounded(RNG.normal(0, 1, (5, 3)), dtype)
    x = ember.tensor(x32).to(dtype)
    idx = np.array([4, 0, 2, 0])
    np.testing.assert_array_equal(values(x[ember.tensor(idx)]), x32[idx])
    np.testing.assert_array_equal(values(x[:, ember.tensor([2, 1])]), x32[:, [2, 1]])
    np.testing.assert_array_equal(values(x.index_select(0, ember.tensor(idx))), x32[idx])
    np.testing.assert_array_equal(values(x.gather(1, ember.tensor([[1], [0], [2], [2], [1]]))),
                                  np.take_along_axis(x32, np.array([[1], [0], [2], [2], [1]]), 1))
    np.testing.assert_array_equal(values(x[x > 0]), x32[x32 > 0])
    np.testing.assert_array_equal(values(F.embedding(ember.tensor([[3, 1]]), x)), x32[[[3, 1]]])
    y = x.clone()
    y[ember.tensor([1, 3])] = ember.tensor(np.ones((2, 3), np.float32)).to(dtype)
    want = x32.copy()
    want[[1, 3]] = 1
    np.testing.assert_array_equal(values(y), want)
    y[y < 0] = 0.5
    want[want < 0] = rounded(0.5, dtype)
    np.testing.assert_array_equal(values(y), want)
    w = ember.tensor(x32).to(dtype).requires_grad_()
    w[ember.tensor([0, 0, 2])].sum().backward()
    assert w.grad.dtype == dtype
    np.testing.assert_array_equal(values(w.grad)[:, 0], [2, 0, 1, 0, 0])


# ---- training ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_momentum_steps_in_float32_rounded_once(dtype):
    p32 = rounded(RNG.normal(0, 1, 50), dtype)
    g32 = rounded(RNG.normal(0, 1, 50), dtype)
    p = ember.tensor(p32).to(dtype).requires_grad_()
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    buf = None
    for _ in range(3):
        p.grad = ember.tensor(g32).to(dtype)
        opt.step()
        # PyTorch's fused rule (fused=True: in float32, buf*m + g and p - lr*buf as fused multiply-adds); the
        # param and the buffer are stored (rounded) in `dtype` after the step. (PyTorch's default single-tensor
        # path instead rounds after every op, so its last bits may differ.)
        if buf is None:
            b = g32.astype(np.float32)
        else:
            b = ((buf * np.float32(0.9)).astype(np.float64) + g32).astype(np.float32)
        buf = rounded(b, dtype)
        p32 = rounded(p32.astype(np.float64) - np.float64(np.float32(0.1)) * b, dtype)
        assert p.dtype == dtype
        np.testing.assert_array_equal(values(p.detach()), p32)
    assert opt.state[p]["momentum_buffer"].dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_updates_reduced_params(dtype):
    p = ember.tensor(rounded(RNG.normal(0, 1, 20), dtype)).to(dtype).requires_grad_()
    start = values(p.detach()).copy()
    opt = ember.optim.Adam([p], lr=0.01)
    p.grad = ember.ones(20, dtype=dtype)
    opt.step()
    # the first Adam step moves every element by lr (m / sqrt(v) = 1), then rounds
    np.testing.assert_array_equal(values(p.detach()), rounded(start.astype(np.float32) - np.float32(0.01), dtype))
    assert opt.state[p]["exp_avg"].dtype == dtype


def test_half_model_trains():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).to(ember.bfloat16)
    opt = ember.optim.SGD(model.parameters(), lr=0.5)
    x = ember.randn(64, 4)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    xb = x.to(ember.bfloat16)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.dtype == ember.bfloat16 for p in model.parameters())
    assert losses[-1] < 0.5 * losses[0]


# ---- interop -------------------------------------------------------------------------------
def test_numpy_and_dlpack():
    a = np.array([1.5, -0.25, 65504], np.float16)
    t = ember.from_numpy(a)
    assert t.dtype == ember.float16
    a[0] = 2.0  # shares memory
    assert t[0].item() == 2.0
    assert ember.tensor(a).dtype == ember.float16
    assert t.numpy().dtype == np.float16
    b = t.bfloat16()
    with pytest.raises(TypeError, match="BFloat16"):
        b.numpy()
    assert b.tolist() == [2.0, -0.25, 65536.0]
    for x in (t, b):
        back = ember.from_dlpack(x)
        assert back.dtype == x.dtype and back.tolist() == x.tolist()


def test_save_load_roundtrip(tmp_path):
    h = ember.tensor([0.1, -3.0, 1e-6], dtype=ember.float16)
    b = ember.tensor([0.1, -3.0, 1e30], dtype=ember.bfloat16)
    ember.save({"h": h, "b": b}, tmp_path / "x.st")
    got = ember.load(tmp_path / "x.st")
    assert got["h"].dtype == ember.float16 and got["b"].dtype == ember.bfloat16
    assert got["h"].tolist() == h.tolist() and got["b"].tolist() == b.tolist()


def test_repr_like_torch():
    # strings printed by torch 2.13 for the same tensors (dtype=torch.* there)
    x = ember.tensor([0.1, 1.5, 65504.0, 70000.0, 1e-8, -2.0], dtype=ember.float16)
    assert repr(x) == ("tensor([ 9.9976e-02,  1.5000e+00,  6.5504e+04,         inf,  0.0000e+00,\n"
                       "        -2.0000e+00], dtype=ember.float16)")
    b = ember.tensor([1.0, 2.5], dtype=ember.bfloat16)
    assert repr(b) == "tensor([1.0000, 2.5000], dtype=ember.bfloat16)"
    assert x.type() == "torch.HalfTensor" and b.type() == "torch.BFloat16Tensor"


def test_finfo_iinfo_like_torch():
    # values printed by torch 2.13
    f = ember.finfo(ember.float16)
    assert (f.bits, f.eps, f.max, f.min, f.tiny, f.resolution, f.dtype) == (
        16, 0.0009765625, 65504.0, -65504.0, 6.103515625e-05, 0.001, "float16")
    b = ember.finfo(ember.bfloat16)
    assert (b.eps, b.max, b.tiny, b.resolution) == (0.0078125, 3.3895313892515355e+38, 1.1754943508222875e-38, 0.01)
    assert ember.finfo().dtype == "float32" and ember.finfo(ember.float32).resolution == 1e-06
    assert ember.finfo(ember.float64).eps == 2.0**-52
    assert ember.iinfo(ember.int64).max == 2**63 - 1 and ember.iinfo(ember.int32).min == -2**31
    # the largest finite value survives the round trip; one step beyond rounds to inf
    assert ember.tensor([b.max], dtype=ember.bfloat16).item() == b.max
    assert ember.tensor([f.max], dtype=ember.float16).item() == f.max
    with pytest.raises(TypeError):
        ember.finfo(ember.int64)
    with pytest.raises(TypeError):
        ember.iinfo(ember.float32)
