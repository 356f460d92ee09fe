"""Pooling, upsampling, GroupNorm, Dropout2d and BatchNorm2d: forward and
gradients against float64 NumPy loop references (gradients by central
differences, nn_helpers.check_grad), PyTorch's reprs, errors, Dropout2d masks
and float32 upsampling values recorded in tests/data/torch_pool.json
(tests/record_torch_pool.py)."""
import json
import math
import os
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from nn_helpers import check_grad, ours

RNG = np.random.default_rng(7)
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_pool.json")) as _f:
    RECORDED = json.load(_f)["cases"]


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def distinct(shape):
    """Values far enough apart that a finite-difference step never changes an argmax."""
    n = int(np.prod(shape))
    return (RNG.permutation(n).reshape(shape) * 0.1 + RNG.uniform(0, 0.01, size=shape)) - n * 0.05


# ---- float64 NumPy references (direct loops) ----
def out_size(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    o = num // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def max_pool_ref(x, k, s=None, p=0, d=1, ceil=False, indices=False):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = pair(k), pair(s if s is not None else k), pair(p), pair(d)
    H, W = x.shape[-2:]
    OH, OW = out_size(H, kh, sh, ph, dh, ceil), out_size(W, kw, sw, pw, dw, ceil)
    out = np.zeros(x.shape[:-2] + (OH, OW))
    idx = np.zeros(out.shape, dtype=np.int64)
    for lead in np.ndindex(*x.shape[:-2]):
        for oh in range(OH):
            for ow in range(OW):
                best, arg = -np.inf, None
                for i in range(kh):
                    for j in range(kw):
                        h, w = oh * sh - ph + i * dh, ow * sw - pw + j * dw
                        if 0 <= h < H and 0 <= w < W:
                            v = x[lead + (h, w)]
                            if arg is None or v > best or math.isnan(v):  # first max; NaN propagates
                                best, arg = v, h * W + w
                out[lead + (oh, ow)], idx[lead + (oh, ow)] = best, arg
    return (out, idx) if indices else out


def avg_pool_ref(x, k, s=None, p=0, ceil=False, count_include_pad=True, divisor=None):
    (kh, kw), (sh, sw), (ph, pw) = pair(k), pair(s if s is not None else k), pair(p)
    H, W = x.shape[-2:]
    OH, OW = out_size(H, kh, sh, ph, 1, ceil), out_size(W, kw, sw, pw, 1, ceil)
    out = np.zeros(x.shape[:-2] + (OH, OW))
    for oh in range(OH):
        for ow in range(OW):
            h0, w0 = oh * sh - ph, ow * sw - pw
            h1, w1 = min(h0 + kh, H + ph), min(w0 + kw, W + pw)
            padded = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, H), min(w1, W)
            win = x[..., h0:h1, w0:w1]
            div = divisor if divisor else (padded if count_include_pad else (h1 - h0) * (w1 - w0))
            out[..., oh, ow] = win.sum(axis=(-2, -1)) / div
    return out


def adaptive_ref(x, osize, reduce):
    OH, OW = pair(osize)
    H, W = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (OH, OW))
    for oh in range(OH):
        for ow in range(OW):
            h0, h1 = (oh * H) // OH, -((-(oh + 1) * H) // OH)
            w0, w1 = (ow * W) // OW, -((-(ow + 1) * W) // OW)
            out[..., oh, ow] = reduce(x[..., h0:h1, w0:w1], axis=(-2, -1))
    return out


def nearest_ref(x, size, scale=None):
    H, W = x.shape[-2:]
    OH, OW = size

    def src(n, o, sc):
        s = np.float32(1.0 / sc) if sc else np.float32(n) / np.float32(o)
        return [min(int(np.floor(np.float32(i) * s)), n - 1) for i in range(o)]

    hs, ws = src(H, OH, scale and scale[0]), src(W, OW, scale and scale[1])
    return x[..., hs, :][..., :, ws]


def linear_weights(n, o, align_corners, sc):
    m = np.zeros((o, n))
    for i in range(o):
        if align_corners:
            r = (n - 1) / (o - 1) * i if o > 1 else 0.0
        else:
            r = max((1.0 / sc if sc else n / o) * (i + 0.5) - 0.5, 0.0)
        i0 = min(int(math.floor(r)), n - 1)
        lam = min(max(r - i0, 0.0), 1.0)
        m[i, i0] += 1 - lam
        m[i, min(i0 + 1, n - 1)] += lam
    return m


def bilinear_ref(x, size, align_corners=False, scale=None):
    mh = linear_weights(x.shape[-2], size[0], align_corners, scale and scale[0])
    mw = linear_weights(x.shape[-1], size[1], align_corners, scale and scale[1])
    return np.einsum("ih,...hw,jw->...ij", mh, x, mw)


# ---- max_pool2d ----
MAX_CASES = [
    # (input shape, kwargs)
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2)),
    ((2, 1, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 8, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ((1, 2, 9, 9), dict(kernel_size=3, dilation=2)),
    ((1, 1, 9, 8), dict(kernel_size=(2, 3), dilation=(3, 2), padding=(1, 1), stride=1)),
    ((2, 2, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    ((1, 2, 5, 7), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((1, 1, 6, 6), dict(kernel_size=3, stride=4, padding=1, ceil_mode=True)),
    ((1, 1, 4, 4), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((3, 5, 5), dict(kernel_size=2, stride=1)),  # unbatched (C, H, W)
    ((1, 1, 1, 1), dict(kernel_size=1)),
    ((1, 1, 3, 3), dict(kernel_size=3)),
]


def _max_ref(kw):
    return lambda x: max_pool_ref(x, kw["kernel_size"], kw.get("stride"), kw.get("padding", 0), kw.get("dilation", 1),
                                  kw.get("ceil_mode", False))


@pytest.mark.parametrize("shape,kw", MAX_CASES, ids=[f"{s}-{k}" for s, k in MAX_CASES])
def test_max_pool2d(shape, kw):
    x = distinct(shape)
    check_grad(lambda t: F.max_pool2d(t, **kw), _max_ref(kw), [x])
    out, idx = F.max_pool2d(ember.tensor(x), return_indices=True, **kw)
    _, want = max_pool_ref(x, kw["kernel_size"], kw.get("stride"), kw.get("padding", 0), kw.get("dilation", 1),
                           kw.get("ceil_mode", False), indices=True)
    assert idx.dtype == ember.int64
    np.testing.assert_array_equal(np.asarray(idx), want)
    # float32 keeps its dtype and gives the same maxima
    f = F.max_pool2d(ember.tensor(x.astype(np.float32)), **kw)
    assert f.dtype == ember.float32
    np.testing.assert_array_equal(np.asarray(f), _max_ref(kw)(x.astype(np.float32).astype(np.float64)))


def test_max_pool2d_non_contiguous():
    x = distinct((2, 3, 7, 6))
    check_grad(lambda t: F.max_pool2d(t.transpose(-1, -2), 3, 2, 1),
               lambda a: max_pool_ref(a.swapaxes(-1, -2), 3, 2, 1), [x])
    check_grad(lambda t: F.max_pool2d(t[:, ::2], 2), lambda a: max_pool_ref(a[:, ::2], 2), [x])


def test_max_pool2d_ties_take_first_max():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = x[0, 0, 1, 0] = 5.0  # tie inside the first window: (1, 0) comes first in scan order
    t = ember.tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(t, 2, return_indices=True)
    np.testing.assert_array_equal(np.asarray(idx)[0, 0], [[4, 2], [8, 10]])
    out.sum().backward()
    g = np.zeros((4, 4))
    g[1, 0] = g[0, 2] = g[2, 0] = g[2, 2] = 1
    np.testing.assert_array_equal(np.asarray(t.grad)[0, 0], g)


def test_max_pool2d_overlapping_windows_accumulate():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0  # the max of all four 2x2 windows (stride 1)
    t = ember.tensor(x, requires_grad=True)
    F.max_pool2d(t, 2, stride=1).sum().backward()
    assert np.asarray(t.grad)[0, 0, 1, 1] == 4.0 and np.asarray(t.grad).sum() == 4.0


def test_max_pool2d_nan_propagates():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    out, idx = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    assert math.isnan(np.asarray(out)[0, 0, 0, 0]) and np.asarray(idx)[0, 0, 0, 0] == 1
    assert np.asarray(out)[0, 0, 1, 1] == 15.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [9, 38, 70])  # odd width, and rows long enough for the vectorized 2x2 path
def test_max_pool2d_2x2_ties_and_nans_match_scan_order(dtype, width):
    rng = np.random.default_rng(width)
    x = rng.integers(0, 3, (2, 3, 6, width)).astype(dtype)  # many ties inside windows
    x[rng.random(x.shape) < 0.05] = np.nan  # and some windows with one or two NaNs
    out, idx = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    ref, ref_idx = max_pool_ref(x.astype(np.float64), 2, indices=True)
    np.testing.assert_array_equal(np.asarray(idx), ref_idx)
    np.testing.assert_array_equal(np.asarray(out), ref.astype(dtype))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=(2, 3), stride=2, dilation=(2, 1))])
def test_max_pool2d_integers(dtype, kw):
    # PyTorch pools integer tensors too (values and indices), not bool
    x = np.random.default_rng(3).integers(-50, 50, (2, 3, 7, 8)).astype(dtype)
    out, idx = F.max_pool2d(ember.tensor(x), return_indices=True, **kw)
    ref, ref_idx = max_pool_ref(x.astype(np.float64), kw["kernel_size"], kw.get("stride"), kw.get("padding", 0),
                                kw.get("dilation", 1), indices=True)
    assert out.dtype == ember.tensor(x).dtype
    np.testing.assert_array_equal(np.asarray(out), ref.astype(dtype))
    np.testing.assert_array_equal(np.asarray(idx), ref_idx)
    with pytest.raises(NotImplementedError, match="\"max_pool2d\" not implemented for 'Bool'"):
        F.max_pool2d(ember.tensor(x > 0), 2)


def test_avg_pool2d_int64_truncates_like_pytorch():
    # int64 averages are the window sums divided with C++'s truncation toward zero; int32 is not supported
    x = np.random.default_rng(4).integers(-40, 40, (2, 2, 5, 6))
    t = ember.tensor(x)
    trunc_div = lambda s, d: np.trunc(np.rint(s) / d).astype(np.int64)
    ones = np.ones_like(x, dtype=np.float64)
    cases = [  # (kwargs, divisor per output)
        (dict(kernel_size=2), 4.0),
        (dict(kernel_size=3, stride=1, padding=1), 9.0),
        (dict(kernel_size=3, stride=1, padding=1, count_include_pad=False),
         avg_pool_ref(ones, 3, 1, 1, divisor=1)),
        (dict(kernel_size=2, divisor_override=3), 3.0),
    ]
    for kw, div in cases:
        sums = avg_pool_ref(x.astype(np.float64), kw["kernel_size"], kw.get("stride"), kw.get("padding", 0), divisor=1)
        out = F.avg_pool2d(t, **kw)
        assert out.dtype == ember.int64
        np.testing.assert_array_equal(np.asarray(out), trunc_div(sums, div))
    with pytest.raises(NotImplementedError, match="\"avg_pool2d\" not implemented for 'Int'"):
        F.avg_pool2d(t.int(), 2)


def test_max_pool2d_all_padding_minus_inf_and_empty_batch():
    x = np.full((1, 1, 2, 2), -np.inf)
    out, idx = F.max_pool2d(ember.tensor(x), 2, stride=1, padding=1, return_indices=True)
    assert np.all(np.asarray(out) == -np.inf)
    np.testing.assert_array_equal(np.asarray(idx)[0, 0], [[0, 0, 1], [0, 0, 1], [2, 2, 3]])  # each window's first
    assert tuple(F.max_pool2d(ember.zeros(0, 3, 6, 6), 2).shape) == (0, 3, 3, 3)


def test_max_pool2d_double_backward():
    x = distinct((1, 2, 4, 4))
    t = ember.tensor(x, requires_grad=True)
    y = F.max_pool2d(t, 2)
    # d/dv of <grad_input(v), w> = w gathered at the argmax
    v = ember.ones(1, 2, 2, 2, dtype=ember.float64, requires_grad=True)
    (gi,) = ember.autograd.grad(y, t, v, create_graph=True)
    w = RNG.uniform(size=(1, 2, 4, 4))
    (gv,) = ember.autograd.grad((gi * ember.tensor(w)).sum(), v)
    _, idx = max_pool_ref(x, 2, indices=True)
    want = np.take_along_axis(w.reshape(1, 2, 16), idx.reshape(1, 2, 4), axis=2).reshape(1, 2, 2, 2)
    np.testing.assert_allclose(np.asarray(gv), want)


def test_grad_fn_names():
    t = ember.ones(1, 1, 4, 4, requires_grad=True)
    names = {F.max_pool2d(t, 2): "MaxPool2DWithIndicesBackward0", F.avg_pool2d(t, 2): "AvgPool2DBackward0",
             F.adaptive_avg_pool2d(t, 2): "AdaptiveAvgPool2DBackward0",
             F.adaptive_max_pool2d(t, 2): "AdaptiveMaxPool2DBackward0",
             F.interpolate(t, scale_factor=2): "UpsampleNearest2DBackward0",
             F.interpolate(t, scale_factor=2, mode="bilinear"): "UpsampleBilinear2DBackward0"}
    for out, name in names.items():
        assert out.grad_fn.name() == name


# ---- avg_pool2d ----
AVG_CASES = [
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2)),
    ((2, 1, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 1, 7, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 8, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ((2, 2, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    ((1, 2, 5, 7), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 5, 7), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 1, 6, 6), dict(kernel_size=3, stride=4, padding=1, ceil_mode=True)),
    ((1, 2, 6, 5), dict(kernel_size=3, padding=1, divisor_override=4)),
    ((1, 2, 6, 5), dict(kernel_size=3, stride=1, divisor_override=2, count_include_pad=False)),
    ((3, 5, 5), dict(kernel_size=2, stride=1)),
    ((1, 1, 1, 1), dict(kernel_size=1)),
]


def _avg_ref(kw):
    return lambda x: avg_pool_ref(x, kw["kernel_size"], kw.get("stride"), kw.get("padding", 0),
                                  kw.get("ceil_mode", False), kw.get("count_include_pad", True),
                                  kw.get("divisor_override"))


@pytest.mark.parametrize("shape,kw", AVG_CASES, ids=[f"{s}-{k}" for s, k in AVG_CASES])
def test_avg_pool2d(shape, kw):
    x = RNG.normal(size=shape)
    check_grad(lambda t: F.avg_pool2d(t, **kw), _avg_ref(kw), [x])
    f = F.avg_pool2d(ember.tensor(x.astype(np.float32)), **kw)
    assert f.dtype == ember.float32
    np.testing.assert_allclose(np.asarray(f), _avg_ref(kw)(x.astype(np.float32).astype(np.float64)), rtol=1e-5,
                               atol=1e-6)


def test_avg_pool2d_non_contiguous_and_double_backward():
    x = RNG.normal(size=(2, 3, 7, 6))
    check_grad(lambda t: F.avg_pool2d(t.transpose(-1, -2), 3, 2, 1),
               lambda a: avg_pool_ref(a.swapaxes(-1, -2), 3, 2, 1), [x])
    # the backward is linear in the cotangent: its gradient w.r.t. the cotangent is the forward map
    t = ember.tensor(x, requires_grad=True)
    y = F.avg_pool2d(t, 2)
    v = ember.tensor(RNG.normal(size=tuple(y.shape)), requires_grad=True)
    (gi,) = ember.autograd.grad(y, t, v, create_graph=True)
    w = RNG.normal(size=x.shape)
    (gv,) = ember.autograd.grad((gi * ember.tensor(w)).sum(), v)
    np.testing.assert_allclose(np.asarray(gv), avg_pool_ref(w, 2))


# ---- adaptive pooling ----
ADAPTIVE_CASES = [((2, 3, 6, 6), 3), ((1, 2, 7, 5), (3, 2)), ((1, 2, 5, 7), (4, 5)), ((2, 1, 7, 7), 1),
                  ((3, 5, 5), (2, 3)), ((1, 1, 3, 4), (5, 7)), ((1, 2, 6, 4), (6, 4))]


@pytest.mark.parametrize("shape,osize", ADAPTIVE_CASES, ids=[f"{s}-{o}" for s, o in ADAPTIVE_CASES])
def test_adaptive_avg_pool2d(shape, osize):
    x = RNG.normal(size=shape)
    check_grad(lambda t: F.adaptive_avg_pool2d(t, osize), lambda a: adaptive_ref(a, osize, np.mean), [x])
    check_grad(lambda t: nn.AdaptiveAvgPool2d(osize)(t), lambda a: adaptive_ref(a, osize, np.mean), [x])


@pytest.mark.parametrize("shape,osize", ADAPTIVE_CASES, ids=[f"{s}-{o}" for s, o in ADAPTIVE_CASES])
def test_adaptive_max_pool2d(shape, osize):
    x = distinct(shape)
    check_grad(lambda t: F.adaptive_max_pool2d(t, osize), lambda a: adaptive_ref(a, osize, np.max), [x])
    out, idx = nn.AdaptiveMaxPool2d(osize, return_indices=True)(ember.tensor(x))
    flat = x.reshape(x.shape[:-2] + (-1,))
    np.testing.assert_array_equal(np.take_along_axis(flat, np.asarray(idx).reshape(idx.shape[:-2] + (-1,)), -1),
                                  np.asarray(out).reshape(flat.shape[:-1] + (-1,)))


def test_adaptive_none_keeps_input_size():
    x = RNG.normal(size=(1, 2, 6, 5))
    out = F.adaptive_avg_pool2d(ember.tensor(x), (None, 2))
    np.testing.assert_allclose(np.asarray(out), adaptive_ref(x, (6, 2), np.mean))
    assert tuple(F.adaptive_max_pool2d(ember.tensor(x), (3, None)).shape) == (1, 2, 3, 5)


def test_adaptive_max_ties_and_non_contiguous():
    x = np.zeros((1, 1, 4, 4))
    out, idx = F.adaptive_max_pool2d(ember.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(np.asarray(idx)[0, 0], [[0, 2], [8, 10]])
    y = distinct((2, 3, 7, 6))
    check_grad(lambda t: F.adaptive_max_pool2d(t.transpose(-1, -2), (4, 3)),
               lambda a: adaptive_ref(a.swapaxes(-1, -2), (4, 3), np.max), [y])


# ---- 1-d pooling ----
def test_pool1d():
    x = distinct((2, 3, 9))
    check_grad(lambda t: F.max_pool1d(t, 3, 2, 1), lambda a: max_pool_ref(a[..., None, :], (1, 3), (1, 2),
                                                                           (0, 1))[..., 0, :], [x])
    check_grad(lambda t: nn.AvgPool1d(3, 2, 1)(t), lambda a: avg_pool_ref(a[..., None, :], (1, 3), (1, 2),
                                                                          (0, 1))[..., 0, :], [x])
    check_grad(lambda t: nn.MaxPool1d(2)(t), lambda a: max_pool_ref(a[..., None, :], (1, 2))[..., 0, :], [x])


# ---- upsampling ----
NEAREST_CASES = [((1, 2, 3, 5), dict(scale_factor=2)), ((2, 1, 3, 5), dict(scale_factor=1.7)),
                 ((1, 2, 3, 5), dict(scale_factor=(0.6, 2.3))), ((1, 2, 3, 5), dict(size=(7, 4))),
                 ((1, 1, 4, 4), dict(size=4)), ((1, 1, 4, 6), dict(size=(2, 3)))]


def _nearest_args(shape, kw):
    if "size" in kw:
        return pair(kw["size"]), None
    sc = pair(kw["scale_factor"]) if not isinstance(kw["scale_factor"], float) else (kw["scale_factor"],) * 2
    sc = tuple(float(s) for s in sc)
    return (int(shape[2] * sc[0]), int(shape[3] * sc[1])), sc


@pytest.mark.parametrize("shape,kw", NEAREST_CASES, ids=[f"{s}-{k}" for s, k in NEAREST_CASES])
def test_interpolate_nearest(shape, kw):
    x = RNG.normal(size=shape)
    size, sc = _nearest_args(shape, kw)
    check_grad(lambda t: F.interpolate(t, **kw), lambda a: nearest_ref(a, size, sc), [x])
    check_grad(lambda t: nn.Upsample(**kw)(t), lambda a: nearest_ref(a, size, sc), [x])


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape,kw", NEAREST_CASES + [((1, 1, 1, 3), dict(size=(1, 1)))],
                         ids=[f"{s}-{k}" for s, k in NEAREST_CASES + [((1, 1, 1, 3), dict(size=(1, 1)))]])
def test_interpolate_bilinear(shape, kw, align_corners):
    x = RNG.normal(size=shape)
    size, sc = _nearest_args(shape, kw)
    check_grad(lambda t: F.interpolate(t, mode="bilinear", align_corners=align_corners, **kw),
               lambda a: bilinear_ref(a, size, align_corners, None if align_corners else sc), [x])


def test_interpolate_non_contiguous_and_recompute_scale_factor():
    x = RNG.normal(size=(2, 3, 5, 4))
    check_grad(lambda t: F.interpolate(t.transpose(-1, -2), size=(6, 9), mode="bilinear"),
               lambda a: bilinear_ref(a.swapaxes(-1, -2), (6, 9)), [x])
    check_grad(lambda t: F.interpolate(t, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
               lambda a: bilinear_ref(a, (8, 6)), [x])


# ---- GroupNorm ----
def group_norm_ref(x, G, w=None, b=None, eps=1e-5):
    n, c = x.shape[:2]
    g = x.reshape(n, G, -1)
    out = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)).reshape(x.shape)
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if w is not None:
        out = out * w.reshape(bshape)
    if b is not None:
        out = out + b.reshape(bshape)
    return out


@pytest.mark.parametrize("shape,G", [((2, 4, 3, 3), 2), ((3, 6, 2, 5), 3), ((1, 4, 5), 4), ((2, 3, 4, 4), 1),
                                     ((1, 6), 2)])
def test_group_norm(shape, G):
    x = RNG.normal(size=shape)
    w, b = RNG.normal(size=shape[1]), RNG.normal(size=shape[1])
    check_grad(lambda t, wt, bt: F.group_norm(t, G, wt, bt), lambda a, wa, ba: group_norm_ref(a, G, wa, ba),
               [x, w, b], wrt=(0, 1, 2), rtol=1e-5, atol=1e-6)
    check_grad(lambda t: F.group_norm(t, G, eps=1e-3), lambda a: group_norm_ref(a, G, eps=1e-3), [x],
               rtol=1e-5, atol=1e-6)


def test_group_norm_double_backward():
    x = ember.tensor(RNG.normal(size=(2, 4, 3, 2)) * 2 + 1, requires_grad=True)
    w = ember.tensor(RNG.normal(size=4), requires_grad=True)
    b = ember.tensor(RNG.normal(size=4), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))


def test_group_norm_float32_matches_float64_reference():
    x = (RNG.normal(size=(3, 6, 5, 4)) * 3 + 1).astype(np.float32)
    w, b = RNG.normal(size=6).astype(np.float32), RNG.normal(size=6).astype(np.float32)
    out = F.group_norm(ember.tensor(x), 3, ember.tensor(w), ember.tensor(b))
    assert out.dtype == ember.float32
    np.testing.assert_allclose(np.asarray(out), group_norm_ref(x.astype(np.float64), 3, w, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("where", [0, 2])  # the first value (the sums' shift) or another
def test_norms_of_non_finite_input(bad, where):
    # NumPy: the mean is the bad value, the variance NaN (inf - inf), so every
    # output is NaN, and BatchNorm's running mean takes the bad value.
    x = np.array([1.0, 5.0, 2.0, 3.0], dtype=np.float32)
    x[where] = bad
    t = ember.tensor(x).reshape(1, 1, 4)
    bn = nn.BatchNorm1d(1)
    assert np.isnan(bn(t).detach().numpy()).all()
    mean = bn.running_mean.item()
    assert (np.isnan(mean) and np.isnan(bad)) or mean == 0.1 * bad
    assert np.isnan(bn.running_var.item())
    assert np.isnan(F.group_norm(t, 1).numpy()).all()
    assert np.isnan(F.layer_norm(t, (4,)).numpy()).all()


def test_group_norm_module():
    m = nn.GroupNorm(2, 4)
    assert np.all(np.asarray(m.weight.detach()) == 1) and np.all(np.asarray(m.bias.detach()) == 0)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    x = RNG.normal(size=(2, 4, 3, 3))
    with ember.no_grad():
        m.weight.copy_(ember.tensor([1.0, 2.0, 0.5, -1.0]))
        m.bias.copy_(ember.tensor([0.0, 1.0, -1.0, 2.0]))
    out = m(ember.tensor(x, dtype=ember.float32))
    want = group_norm_ref(x, 2, np.array([1.0, 2.0, 0.5, -1.0]), np.array([0.0, 1.0, -1.0, 2.0]))
    np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    assert m.weight.grad is not None and m.bias.grad is not None
    assert nn.GroupNorm(2, 4, affine=False).weight is None


# ---- Dropout2d ----
def test_dropout2d_zeroes_whole_channels():
    ember.manual_seed(0)
    x = ember.ones(8, 16, 3, 3, requires_grad=True)
    y = F.dropout2d(x, 0.5)
    a = np.asarray(y.detach())
    per_channel = a.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), a)
    m = nn.Dropout2d(0.3)
    m.eval()
    t = ember.ones(2, 3, 2, 2)
    assert m(t) is t
    assert F.dropout2d(t, 0.0) is t and float(F.dropout2d(t, 1.0).sum()) == 0.0


# ---- BatchNorm2d statistics (4-D train/eval) ----
def bn_ref_train(x, rm, rv, w, b, momentum, eps=1e-5):
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    n = x.size // x.shape[1]
    new_rm = None if rm is None else (1 - momentum) * rm + momentum * mean
    new_rv = None if rv is None else (1 - momentum) * rv + momentum * var * n / (n - 1)
    out = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps)
    if w is not None:
        out = out * w[None, :, None, None] + b[None, :, None, None]
    return out, new_rm, new_rv


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm2d_statistics(momentum, affine):
    C = 3
    m = nn.BatchNorm2d(C, momentum=momentum, affine=affine).double()
    w = RNG.normal(size=C) if affine else None
    b = RNG.normal(size=C) if affine else None
    if affine:
        with ember.no_grad():
            m.weight.copy_(ember.tensor(w))
            m.bias.copy_(ember.tensor(b))
    rm, rv = np.zeros(C), np.ones(C)
    for step in range(1, 4):
        x = RNG.normal(loc=step, scale=2.0, size=(4, C, 3, 5))
        out = m(ember.tensor(x))
        factor = 1.0 / step if momentum is None else momentum  # None: cumulative average
        want, rm, rv = bn_ref_train(x, rm, rv, w, b, factor)
        np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(np.asarray(m.running_mean), rm, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(m.running_var), rv, rtol=1e-12)
        assert int(m.num_batches_tracked) == step
    m.eval()
    x = RNG.normal(size=(2, C, 4, 4))
    out = m(ember.tensor(x))
    want = (x - rm[None, :, None, None]) / np.sqrt(rv[None, :, None, None] + 1e-5)
    if affine:
        want = want * w[None, :, None, None] + b[None, :, None, None]
    np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(m.running_mean), rm, rtol=1e-12)  # eval leaves the stats alone
    assert int(m.num_batches_tracked) == 3


def test_batchnorm2d_without_running_stats_and_gradients():
    m = nn.BatchNorm2d(2, track_running_stats=False).double()
    assert m.running_mean is None and m.num_batches_tracked is None
    x = RNG.normal(size=(3, 2, 2, 3))
    m.eval()  # no running stats: batch statistics even in eval mode
    np.testing.assert_allclose(np.asarray(m(ember.tensor(x)).detach()), bn_ref_train(x, None, None, None, None, 0)[0],
                               rtol=1e-10, atol=1e-10)
    w, b = RNG.normal(size=2), RNG.normal(size=2)
    check_grad(lambda t, wt, bt: F.batch_norm(t, None, None, wt, bt, True),
               lambda a, wa, ba: bn_ref_train(a, None, None, wa, ba, 0.1)[0], [x, w, b], wrt=(0, 1, 2),
               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        nn.BatchNorm2d(2)(ember.zeros(2, 2, 3))


# ---- recorded from PyTorch: reprs, errors, Dropout2d masks, float32 upsampling ----
def _case_id(c):
    return f"{c['kind']}:{c['setup']}:{c['expr']}"


@pytest.mark.parametrize("case", RECORDED, ids=[_case_id(c) for c in RECORDED])
def test_recorded(case):
    ns = {"torch": ember, "nn": nn, "F": F}
    if case["seed"] is not None:
        ember.manual_seed(case["seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(case["setup"], ns)  # noqa: S102 (our own recorded text)
        if case["kind"] == "error":
            want = case["expected"]
            with pytest.raises(Exception) as info:  # noqa: PT011
                eval(case["expr"], ns)  # noqa: S307
            got = {"type": type(info.value).__name__, "message": str(info.value)}
            assert got == {"type": want["type"], "message": ours(want["message"])}
            return
        got = eval(case["expr"], ns)  # noqa: S307
    if case["kind"] == "repr":
        assert repr(got) == ours(case["expected"])
        return
    rec = case["expected"]
    want = np.array([float.fromhex(v) for v in rec["values"]])
    assert list(got.shape) == rec["shape"] and str(got.dtype) == "ember." + rec["dtype"]
    a = np.asarray(got.detach()).reshape(-1).astype(np.float64)
    if "bilinear" in case["expr"]:  # same formulas; float32 sums may round differently in the last bit
        np.testing.assert_allclose(a, want, rtol=2e-7, atol=4e-6)
    else:
        np.testing.assert_array_equal(a, want)
