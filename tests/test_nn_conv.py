"""Convolutions: F.conv1d / conv2d / conv_transpose2d and nn.Conv1d / Conv2d /
ConvTranspose2d against a direct float64 NumPy loop (forward and gradients by
central differences), plus PyTorch's initialization, repr and errors recorded
in tests/data/torch_conv.json (tests/record_torch_conv.py)."""
import json
import os
import re

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from nn_helpers import check_grad, check_float32

DATA = json.load(open(os.path.join(os.path.dirname(__file__), "data", "torch_conv.json")))


# ---- float64 references: a loop over kernel taps, each a strided slice of the padded input ----
def ref_conv2d(x, w, b=None, stride=(1, 1), pad=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    N, C, H, W = x.shape
    O, Cg, kH, kW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), pad[0], pad[1]))
    OH = (xp.shape[2] - dilation[0] * (kH - 1) - 1) // stride[0] + 1
    OW = (xp.shape[3] - dilation[1] * (kW - 1) - 1) // stride[1] + 1
    out = np.zeros((N, O, OH, OW))
    Og = O // groups
    for g in range(groups):
        for i in range(kH):
            for j in range(kW):
                r0, c0 = i * dilation[0], j * dilation[1]
                patch = xp[:, g * Cg:(g + 1) * Cg, r0:r0 + stride[0] * (OH - 1) + 1:stride[0],
                           c0:c0 + stride[1] * (OW - 1) + 1:stride[1]]
                out[:, g * Og:(g + 1) * Og] += np.einsum("ncij,oc->noij", patch, w[g * Og:(g + 1) * Og, :, i, j])
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def ref_conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), groups=1,
                         dilation=(1, 1)):
    N, Ci, H, W = x.shape
    _, Cog, kH, kW = w.shape
    full = [(H - 1) * stride[0] + dilation[0] * (kH - 1) + 1 + output_padding[0],
            (W - 1) * stride[1] + dilation[1] * (kW - 1) + 1 + output_padding[1]]
    out = np.zeros((N, Cog * groups, full[0], full[1]))
    Cig = Ci // groups
    for g in range(groups):
        for i in range(kH):
            for j in range(kW):
                r0, c0 = i * dilation[0], j * dilation[1]
                out[:, g * Cog:(g + 1) * Cog, r0:r0 + stride[0] * (H - 1) + 1:stride[0],
                    c0:c0 + stride[1] * (W - 1) + 1:stride[1]] += np.einsum(
                        "ncij,co->noij", x[:, g * Cig:(g + 1) * Cig], w[g * Cig:(g + 1) * Cig, :, i, j])
    out = out[:, :, padding[0]:full[0] - padding[0], padding[1]:full[1] - padding[1]]
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def ref_padding(padding, w, dilation):
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":  # PyTorch: total d*(k-1), the odd one extra at the end
        tot = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
        return tuple((t // 2, t - t // 2) for t in tot)
    return tuple((p, p) for p in pair(padding))


# (x shape, weight shape, stride, padding, dilation, groups)
CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1, 1),
    ((1, 2, 5, 5), (3, 2, 3, 3), 1, 1, 1, 1),               # batch 1, padding
    ((2, 2, 9, 8), (3, 2, 3, 2), (2, 3), (1, 2), 1, 1),     # anisotropic stride/padding, even kernel
    ((2, 2, 9, 9), (2, 2, 3, 3), 1, 2, (2, 3), 1),          # dilation
    ((2, 4, 6, 7), (6, 2, 3, 3), 2, 1, 1, 2),               # groups
    ((2, 3, 6, 5), (3, 1, 3, 3), 1, 1, 1, 3),               # depthwise
    ((2, 4, 5, 5), (4, 1, 2, 2), 1, 0, 1, 4),               # depthwise, even kernel
    ((1, 2, 7, 6), (3, 2, 3, 3), 1, "same", 1, 1),
    ((2, 2, 6, 7), (3, 2, 4, 2), 1, "same", (1, 2), 1),     # 'same', even kernel: asymmetric padding
    ((2, 2, 5, 6), (3, 2, 3, 3), 1, "valid", 1, 1),
    ((1, 1, 5, 5), (2, 1, 5, 5), 1, 0, 1, 1),               # kernel = input: 1x1 output
    ((2, 3, 4, 4), (2, 3, 1, 1), 3, 0, 1, 1),               # 1x1 kernel, stride larger than kernel
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV2D, ids=[str(i) for i in range(len(CONV2D))])
def test_conv2d_forward_and_gradients(xs, ws, stride, padding, dilation, groups):
    g = np.random.default_rng(1)
    x, w, b = g.normal(size=xs), g.normal(size=ws), g.normal(size=ws[0])
    pad = ref_padding(padding, w, pair(dilation))

    def ref(x, w, b):
        return ref_conv2d(x, w, b, pair(stride), pad, pair(dilation), groups)

    def fn(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    out = check_grad(fn, ref, [x, w, b], wrt=(0, 1, 2))
    assert out.grad_fn.name() == "ConvolutionBackward0"
    check_float32(fn, ref, [x, w, b], rtol=1e-4, atol=1e-5)
    check_grad(lambda x, w: fn(x, w, None), lambda x, w: ref(x, w, None), [x, w], wrt=(0, 1))  # no bias


DIRECT = [  # float32 stride-1 convs with few taps (the direct kernel): rows and channel blocks of every size
    ((3, 1, 28, 28), (6, 1, 5, 5), 2, 1, 1),      # LeNet's first conv
    ((3, 6, 14, 14), (16, 6, 5, 5), 0, 1, 1),     # LeNet's second
    ((2, 3, 9, 37), (19, 3, 3, 3), 1, 1, 1),      # 37 = 16 + 16 + 5 columns; 19 = 16 + 3 channels
    ((2, 4, 8, 18), (34, 2, 3, 2), (1, 0), (2, 1), 2),  # groups, dilation, 17 channels per group
]


@pytest.mark.parametrize("xs,ws,padding,dilation,groups", DIRECT, ids=[str(i) for i in range(len(DIRECT))])
def test_conv2d_float32_direct_kernel(xs, ws, padding, dilation, groups):
    g = np.random.default_rng(11)
    x, w, b = g.normal(size=xs), g.normal(size=ws), g.normal(size=ws[0])
    pad = tuple((p, p) for p in pair(padding))
    ref = lambda x, w, b: ref_conv2d(x, w, b, (1, 1), pad, pair(dilation), groups)
    fn = lambda x, w, b: F.conv2d(x, w, b, padding=padding, dilation=dilation, groups=groups)
    check_float32(fn, ref, [x, w, b], rtol=1e-4, atol=1e-4)
    check_float32(lambda x, w: fn(x, w, None), lambda x, w: ref(x, w, None), [x, w], rtol=1e-4, atol=1e-4)
    # the weight gradient of <cot, conv(x, w)> in float32, against the float64 tap-by-tap correlation
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    wt = ember.tensor(w32, requires_grad=True)
    out = fn(ember.tensor(x32), wt, None)
    cot = g.normal(size=tuple(out.shape)).astype(np.float32)
    out.backward(ember.tensor(cot))
    xp = np.pad(x32.astype(np.float64), ((0, 0), (0, 0)) + pad)
    (dh, dw), (O, Cg, kH, kW) = pair(dilation), w.shape
    OH, OW = cot.shape[2:]
    want = np.zeros(w.shape)
    for gi in range(groups):
        go, gc = slice(gi * (O // groups), (gi + 1) * (O // groups)), slice(gi * Cg, (gi + 1) * Cg)
        for i in range(kH):
            for j in range(kW):
                patch = xp[:, gc, i * dh:i * dh + OH, j * dw:j * dw + OW]
                want[go, :, i, j] = np.einsum("noij,ncij->oc", cot[:, go].astype(np.float64), patch)
    np.testing.assert_allclose(np.asarray(wt.grad), want, rtol=1e-4, atol=1e-3)


def test_conv2d_non_contiguous_input_and_weight():
    g = np.random.default_rng(2)
    xa, wa = g.normal(size=(2, 3, 8, 14)), g.normal(size=(4, 3, 3, 3))
    x = ember.tensor(xa)[:, :, :, ::2]  # strided view
    w = ember.tensor(wa.transpose(1, 0, 2, 3).copy()).transpose(0, 1)  # permuted view
    assert not x.is_contiguous() and not w.is_contiguous()
    out = F.conv2d(x, w, padding=1)
    np.testing.assert_allclose(np.asarray(out), ref_conv2d(xa[..., ::2], wa, pad=((1, 1), (1, 1))), rtol=1e-12,
                               atol=1e-12)
    xt = ember.tensor(xa, requires_grad=True)
    F.conv2d(xt[:, :, :, ::2], w, padding=1).sum().backward()
    assert np.all(np.asarray(xt.grad)[..., 1::2] == 0)


def test_conv2d_unbatched():
    g = np.random.default_rng(3)
    x, w = g.normal(size=(2, 5, 5)), g.normal(size=(3, 2, 3, 3))
    out = F.conv2d(ember.tensor(x), ember.tensor(w), padding=1)
    assert tuple(out.shape) == (3, 5, 5)
    np.testing.assert_allclose(np.asarray(out), ref_conv2d(x[None], w, pad=((1, 1), (1, 1)))[0], rtol=1e-12,
                               atol=1e-12)


def test_conv2d_double_backward():
    # The gradients are convolutions themselves, so they are differentiable:
    # d/dx <dL/dw, v> for L = <conv(x, w), c> matches central differences.
    g = np.random.default_rng(4)
    x, w, c, v = (g.normal(size=s) for s in ((1, 2, 5, 5), (3, 2, 3, 3), (1, 3, 3, 3), (3, 2, 3, 3)))

    def ref(x):  # <d<conv(x, w), c>/dw, v> = <conv(x, v), c>: linear in x
        return np.sum(ref_conv2d(x, v) * c)

    xt = ember.tensor(x, requires_grad=True)
    wt = ember.tensor(w, requires_grad=True)
    (gw,) = ember.autograd.grad((F.conv2d(xt, wt) * ember.tensor(c)).sum(), [wt], create_graph=True)
    (gx,) = ember.autograd.grad((gw * ember.tensor(v)).sum(), [xt])
    eps, num = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += eps
        lo[idx] -= eps
        num[idx] = (ref(hi) - ref(lo)) / (2 * eps)
    np.testing.assert_allclose(np.asarray(gx), num, rtol=1e-6, atol=1e-7)


# ---- conv1d ----
CONV1D = [
    ((2, 3, 9), (4, 3, 3), 1, 0, 1, 1),
    ((1, 2, 10), (4, 1, 4), 2, 1, 1, 2),
    ((2, 2, 11), (3, 2, 3), 1, 2, 3, 1),
    ((2, 2, 8), (3, 2, 4), 1, "same", 1, 1),
    ((2, 3, 8), (3, 1, 3), 1, "valid", 1, 3),
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV1D, ids=[str(i) for i in range(len(CONV1D))])
def test_conv1d(xs, ws, stride, padding, dilation, groups):
    g = np.random.default_rng(5)
    x, w, b = g.normal(size=xs), g.normal(size=ws), g.normal(size=ws[0])
    pad = ref_padding(padding if isinstance(padding, str) else (0, padding), w[:, :, None], (1, dilation))

    def ref(x, w, b):
        return ref_conv2d(x[:, :, None], w[:, :, None], b, (1, stride), pad, (1, dilation), groups)[:, :, 0]

    def fn(x, w, b):
        return F.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    check_grad(fn, ref, [x, w, b], wrt=(0, 1, 2))
    out = F.conv1d(ember.tensor(x[0]), ember.tensor(w), ember.tensor(b), stride, padding, dilation, groups)
    np.testing.assert_allclose(np.asarray(out), ref(x, w, b)[0], rtol=1e-12, atol=1e-12)  # unbatched


# ---- conv_transpose2d ----
# (x shape, weight shape (C_in, C_out/groups, kH, kW), stride, padding, output_padding, groups, dilation)
CONVT = [
    ((2, 3, 4, 4), (3, 2, 3, 3), 1, 0, 0, 1, 1),
    ((1, 2, 3, 4), (2, 3, 3, 3), 2, 1, 1, 1, 1),
    ((2, 4, 3, 3), (4, 2, 2, 3), (2, 3), (0, 1), (1, 2), 2, 1),
    ((2, 2, 4, 3), (2, 2, 3, 3), 1, 1, 0, 1, 2),
    ((1, 3, 3, 3), (3, 1, 3, 3), 2, 1, 0, 3, 1),  # depthwise
]


@pytest.mark.parametrize("xs,ws,stride,padding,outpad,groups,dilation", CONVT, ids=[str(i) for i in range(len(CONVT))])
def test_conv_transpose2d(xs, ws, stride, padding, outpad, groups, dilation):
    g = np.random.default_rng(6)
    x, w, b = g.normal(size=xs), g.normal(size=ws), g.normal(size=ws[1] * groups)

    def ref(x, w, b):
        return ref_conv_transpose2d(x, w, b, pair(stride), pair(padding), pair(outpad), groups, pair(dilation))

    def fn(x, w, b):
        return F.conv_transpose2d(x, w, b, stride, padding, outpad, groups, dilation)

    out = check_grad(fn, ref, [x, w, b], wrt=(0, 1, 2))
    check_float32(fn, ref, [x, w, b], rtol=1e-4, atol=1e-5)
    # the adjoint of conv2d: <conv(y, w), x> = <y, conv_T(x, w)> (without output_padding's extra rows)
    y = g.normal(size=tuple(out.shape))
    lhs = np.sum(ref_conv2d(y, w, None, pair(stride), tuple((p, p) for p in pair(padding)), pair(dilation),
                            groups) * x)
    rhs = np.sum(y * np.asarray(fn(ember.tensor(x), ember.tensor(w), None)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


# ---- modules ----
def test_modules_forward():
    ember.manual_seed(0)
    m = nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2)
    x = np.random.default_rng(7).normal(size=(2, 2, 7, 7)).astype(np.float32)
    out = m(ember.tensor(x))
    want = ref_conv2d(x.astype(np.float64), np.asarray(m.weight.detach(), np.float64),
                      np.asarray(m.bias.detach(), np.float64), (2, 2), ((1, 1), (1, 1)), (1, 1), 2)
    np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-4, atol=1e-5)
    t = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    assert tuple(t(out).shape) == (2, 2, 7, 7)
    assert tuple(t(out, output_size=[8, 8]).shape) == (2, 2, 8, 8)
    c1 = nn.Conv1d(3, 5, 3, bias=False)
    assert c1.bias is None and tuple(c1(ember.ones(2, 3, 10)).shape) == (2, 5, 8)
    assert set(dict(m.named_parameters())) == {"weight", "bias"}


def _torch_to_ember(text):
    return text.replace("torch.", "ember.")


def _cases(kind):
    return [c for c in DATA["cases"] if c["kind"] == kind]


NS = {"ember": ember, "torch": ember, "nn": nn, "F": F}


@pytest.mark.parametrize("case", _cases("init"), ids=lambda c: c["expr"])
def test_init_matches_pytorch(case):
    ember.manual_seed(case["seed"])
    m = eval(case["expr"], NS)
    params = dict(m.named_parameters())
    assert list(params) == list(case["expected"])
    for name, rec in case["expected"].items():
        p = params[name]
        assert list(p.shape) == rec["shape"]
        got = np.asarray(p.detach(), np.float64).ravel()
        np.testing.assert_array_equal(got, [float.fromhex(v) for v in rec["values"]], err_msg=name)


@pytest.mark.parametrize("case", _cases("repr"), ids=lambda c: c["expr"])
def test_repr_matches_pytorch(case):
    assert repr(eval(case["expr"], NS)) == case["expected"]


@pytest.mark.parametrize("case", _cases("output"), ids=lambda c: c["expr"])
def test_output_matches_pytorch(case):
    ember.manual_seed(case["seed"])
    out = eval(case["expr"], NS)
    assert list(out.shape) == case["expected"]["shape"]
    want = [float.fromhex(v) for v in case["expected"]["values"]]
    np.testing.assert_allclose(np.asarray(out.detach(), np.float64).ravel(), want, rtol=1e-5, atol=1e-6)


def _same_message(got, want):
    # messages that print a Python set depend on hash order: compare the set's items
    pattern = re.compile(r"\{[^}]*\}")
    if pattern.search(want):
        items = lambda s: sorted(re.findall(r"'[^']*'", "".join(pattern.findall(s))))  # noqa: E731
        return pattern.sub("{}", got) == pattern.sub("{}", want) and items(got) == items(want)
    return got == want


@pytest.mark.parametrize("case", _cases("error"), ids=lambda c: c["expr"])
def test_errors_match_pytorch(case):
    with pytest.raises(Exception) as info:
        eval(case["expr"], NS)
    assert type(info.value).__name__ == case["expected"]["type"]
    got = str(info.value).splitlines()[0]
    assert _same_message(got, _torch_to_ember(case["expected"]["message"])), got


def _np_conv2d(x, w, b):
    """Valid cross-correlation of (N, C, H, W) with (O, C, kh, kw), in float64."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    out = np.zeros((n, o, h - kh + 1, wd - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nchw,oc->nohw", x[:, :, i:i + out.shape[2], j:j + out.shape[3]], w[:, :, i, j])
    return out + b[None, :, None, None]


@pytest.mark.parametrize("mode, np_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
@pytest.mark.parametrize("padding, pads", [(1, ((1, 1), (1, 1))), ((2, 1), ((2, 2), (1, 1))),
                                           ("same", ((1, 1), (1, 1)))])
def test_conv2d_padding_modes_pad_the_input_first(mode, np_mode, padding, pads):
    ember.manual_seed(0)
    m = nn.Conv2d(3, 4, 3, padding=padding, padding_mode=mode).double()
    a = np.random.default_rng(3).standard_normal((2, 3, 6, 5))
    got = m(ember.tensor(a)).detach().numpy()
    padded = np.pad(a, ((0, 0), (0, 0)) + pads, mode=np_mode)
    want = _np_conv2d(padded, m.weight.detach().numpy(), m.bias.detach().numpy())
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert f"padding_mode={mode}" in repr(m)


def test_conv1d_circular_padding():
    ember.manual_seed(0)
    m = nn.Conv1d(2, 1, 3, padding=2, padding_mode="circular", bias=False).double()
    a = np.random.default_rng(4).standard_normal((1, 2, 5))
    padded = np.pad(a, ((0, 0), (0, 0), (2, 2)), mode="wrap")
    w = m.weight.detach().numpy()
    want = np.array([[[(padded[0, :, t:t + 3] * w[0]).sum() for t in range(7)]]])
    np.testing.assert_allclose(m(ember.tensor(a)).detach().numpy(), want, rtol=1e-12)


CHUNKED = [  # (transposed, x shape, w shape, kwargs): several chunks, strided and stride-1 ('wide') paths
    (False, (41, 1, 20, 19), (3, 1, 3, 3), dict(padding=1, stride=(1, 2))),
    (False, (41, 2, 12, 12), (3, 2, 3, 3), dict(padding=(1, 2), dilation=(1, 2))),
    (True, (41, 3, 20, 20), (3, 1, 3, 3), dict(stride=2, padding=1)),
    (True, (41, 3, 12, 11), (3, 2, 3, 3), dict(padding=1)),
    (False, (37, 4, 11, 10), (6, 2, 3, 3), dict(padding=1, groups=2)),  # chunks shared by threads, per group
]


@pytest.mark.parametrize("transposed,xs,ws,kw", CHUNKED, ids=[str(i) for i in range(len(CHUNKED))])
def test_large_batch_in_chunks_matches_per_item(transposed, xs, ws, kw):
    # a long batch: the kernels walk it in several cache-sized chunks
    g = np.random.default_rng(8)
    x, w = g.normal(size=xs), g.normal(size=ws)
    op = (lambda x, w: F.conv_transpose2d(x, w, **kw)) if transposed else (lambda x, w: F.conv2d(x, w, **kw))
    xt, wt = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    out = op(xt, wt)
    cot = g.normal(size=tuple(out.shape))
    out.backward(ember.tensor(cot))
    gw = np.zeros_like(w)
    for n in range(x.shape[0]):
        xn, wn = ember.tensor(x[n:n + 1], requires_grad=True), ember.tensor(w, requires_grad=True)
        on = op(xn, wn)
        np.testing.assert_allclose(np.asarray(out.detach())[n:n + 1], np.asarray(on.detach()), rtol=1e-12, atol=1e-12)
        on.backward(ember.tensor(cot[n:n + 1]))
        np.testing.assert_allclose(np.asarray(xt.grad)[n:n + 1], np.asarray(xn.grad), rtol=1e-12, atol=1e-12)
        gw += np.asarray(wn.grad)
    np.testing.assert_allclose(np.asarray(wt.grad), gw, rtol=1e-10, atol=1e-10)
    if not transposed:
        want = ref_conv2d(x, w, None, pair(kw.get("stride", 1)), tuple((p, p) for p in pair(kw["padding"])),
                          pair(kw.get("dilation", 1)), kw.get("groups", 1))
        np.testing.assert_allclose(np.asarray(out.detach()), want, rtol=1e-12, atol=1e-12)
