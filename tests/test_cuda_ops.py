"""The CUDA backend against the CPU: every op with a CUDA kernel on a device
axis, gradients, the caching allocator, out-of-memory recovery, cross-device
errors, streams and events. Needs a GPU: marked `cuda`, skipped without one."""
import numpy as np
import pytest

import ember
from ember import nn
from helpers import ALL, BOOL, F32, F64, FLOATS, I32, I64, INTS, NAME, NUMERIC, TOL, draw, rng

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not ember.cuda.is_available(), reason="needs a CUDA GPU")]

DEV = "cuda"


def cpu(a):
    return ember.from_numpy(np.array(a, order="C"))  # 0-d arrays stay 0-d


def on_gpu(a):
    return cpu(a).to(DEV)


HALVES = (ember.float16, ember.bfloat16)
HALF_TOL = {ember.float16: 2.0**-10, ember.bfloat16: 2.0**-7}   # a unit in the last place, relative


def as_numpy(t):
    """A CPU tensor's values; float16/bfloat16 as float32 (exact)."""
    return t.detach().float().numpy() if t.dtype in HALVES else t.detach().numpy()


def check(gpu, ref, f32_tol=1e-5):
    """A CUDA result against the CPU result of the same op: device, dtype, shape, values."""
    assert gpu.device.type == DEV, gpu.device
    assert gpu.dtype == ref.dtype and tuple(gpu.shape) == tuple(ref.shape)
    check_np(gpu, as_numpy(ref), f32_tol)


def check_np(gpu, ref, f32_tol=1e-5):
    """A CUDA result against a NumPy reference (float64 for float results): shape and values."""
    assert gpu.device.type == DEV, gpu.device
    assert tuple(gpu.shape) == np.shape(ref), (tuple(gpu.shape), np.shape(ref))
    g = as_numpy(gpu.cpu())
    if gpu.dtype in HALVES:
        np.testing.assert_allclose(g, ref, equal_nan=True, rtol=HALF_TOL[gpu.dtype], atol=HALF_TOL[gpu.dtype])
    elif gpu.dtype in FLOATS:
        tol = dict(rtol=f32_tol, atol=f32_tol) if gpu.dtype == F32 else dict(rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g, ref, equal_nan=True, **tol)
    else:
        np.testing.assert_array_equal(g, ref)


# ---- moving tensors ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL, ids=[NAME[d] for d in ALL])
def test_round_trip(dtype):
    a = draw(rng(), (3, 4), dtype)
    x = cpu(a)
    y = x.to(DEV)
    assert y.is_cuda and y.device == ember.device("cuda:0") and str(y.device) == "cuda:0"
    np.testing.assert_array_equal(y.cpu().numpy(), a)
    assert y.to(DEV) is y and y.cuda() is y and y.to("cuda:0") is y


def test_copies_of_any_layout_and_dtype():
    a = draw(rng(), (4, 5), F64)
    x = cpu(a)
    check(x.t().to(DEV), x.t())                               # non-contiguous source
    check(x.to(DEV, ember.float32), x.float())                # conversion on the way
    dst = ember.zeros(5, 4, device=DEV)
    dst.t().copy_(x)                                          # strided destination, CPU source
    check(dst, x.t().float().contiguous())
    back = ember.zeros(4, 5, dtype=ember.int64)
    back.copy_(x.to(DEV))                                     # CUDA -> CPU with conversion
    np.testing.assert_array_equal(back.numpy(), a.astype(np.int64))
    row = ember.zeros(3, 5, device=DEV)
    row.copy_(cpu(a[0]))                         # broadcast across devices
    check(row, cpu(np.tile(a[0], (3, 1))).float())


def test_item_tolist_repr_and_numpy():
    x = ember.tensor([1.5, -2.0], device=DEV)
    assert x[0].item() == 1.5 and x.tolist() == [1.5, -2.0]
    assert "device='cuda:0'" in repr(x)
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        x.numpy()


# ---- factories -----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda d: ember.zeros(2, 3, device=d),
    lambda d: ember.ones(2, 3, dtype=ember.int32, device=d),
    lambda d: ember.full((2, 3), 7.5, device=d),
    lambda d: ember.full((4,), True, device=d),
    lambda d: ember.arange(10, device=d),
    lambda d: ember.arange(0.5, 3.0, 0.25, device=d),
    lambda d: ember.arange(10, 0, -3, dtype=ember.float64, device=d),
    lambda d: ember.linspace(-1, 1, 7, device=d),
    lambda d: ember.eye(3, 4, device=d),
    lambda d: ember.zeros_like(ember.ones(2, 2, device=d)),
    lambda d: ember.full_like(ember.ones(2, 2, device=d), 3),
], ids=["zeros", "ones", "full", "full-bool", "arange", "arange-float", "arange-down", "linspace", "eye",
        "zeros_like", "full_like"])
def test_factories(make):
    check(make(DEV), make("cpu"))


# ---- elementwise ---------------------------------------------------------------------------
UNARY = [("neg", NUMERIC, "real"), ("abs", NUMERIC, "real"), ("exp", ALL, "real"), ("log", ALL, "pos"),
         ("log2", FLOATS, "pos"), ("log10", FLOATS, "pos"), ("log1p", FLOATS, "gt-1"), ("expm1", FLOATS, "real"),
         ("sqrt", ALL, "pos"), ("rsqrt", FLOATS, "pos"), ("sin", FLOATS, "real"), ("cos", FLOATS, "real"),
         ("tan", FLOATS, "tan"), ("tanh", FLOATS, "real"), ("sigmoid", FLOATS, "real"), ("relu", NUMERIC, "real"),
         ("sign", ALL, "real"), ("floor", NUMERIC, "real"), ("ceil", NUMERIC, "real"), ("round", NUMERIC, "real"),
         ("trunc", NUMERIC, "real"), ("reciprocal", FLOATS, "nonzero"), ("square", NUMERIC, "real"),
         ("logical_not", ALL, "real"), ("asin", FLOATS, "unit"), ("acos", FLOATS, "unit"), ("atan", FLOATS, "real"),
         ("sinh", FLOATS, "real"), ("cosh", FLOATS, "real"), ("erf", FLOATS, "real"), ("frac", FLOATS, "real")]


@pytest.mark.parametrize("name, dtype, domain", [(n, d, dom) for n, ds, dom in UNARY for d in ds],
                         ids=[f"{n}-{NAME[d]}" for n, ds, _ in UNARY for d in ds])
def test_unary(name, dtype, domain):
    a = draw(rng(1), (5, 7), dtype, domain)
    f = getattr(ember, name)
    check(f(on_gpu(a)), f(cpu(a)))
    check(f(on_gpu(a).t()), f(cpu(a).t()))  # strided input


BINARY = [("add", ALL), ("sub", NUMERIC), ("mul", ALL), ("div", NUMERIC), ("floor_divide", FLOATS),
          ("remainder", NUMERIC), ("fmod", FLOATS), ("pow", FLOATS), ("maximum", ALL), ("minimum", ALL),
          ("atan2", FLOATS), ("eq", ALL), ("ne", ALL), ("lt", ALL), ("le", ALL), ("gt", ALL), ("ge", ALL),
          ("logical_and", ALL), ("logical_or", ALL), ("logical_xor", ALL), ("bitwise_and", (I64, I32, BOOL)),
          ("bitwise_or", (I64, I32, BOOL)), ("bitwise_xor", (I64, I32, BOOL))]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("name, dtype", [(n, d) for n, ds in BINARY for d in ds],
                         ids=[f"{n}-{NAME[d]}" for n, ds in BINARY for d in ds])
@pytest.mark.parametrize("shapes", SHAPES, ids=[f"{a}x{b}" for a, b in SHAPES])
def test_binary(name, dtype, shapes):
    g = rng(2)
    domain = "nonzero" if name in ("div", "remainder", "fmod", "floor_divide") else \
        "pos" if name == "pow" else "int"
    a, b = draw(g, shapes[0], dtype, "int" if name != "pow" else "pos"), draw(g, shapes[1], dtype, domain)
    f = getattr(ember, name)
    check(f(on_gpu(a), on_gpu(b)), f(cpu(a), cpu(b)))


@pytest.mark.parametrize("dtype", NUMERIC, ids=[NAME[d] for d in NUMERIC])
def test_binary_with_python_numbers_and_cpu_scalars(dtype):
    a = draw(rng(3), (4, 3), dtype, "nonzero")
    x, xc = on_gpu(a), cpu(a)
    check(x + 2, xc + 2)
    check(2.5 * x, 2.5 * xc)
    check(1 - x, 1 - xc)
    check(x / 3, xc / 3)
    check(x > 0, xc > 0)
    s = ember.tensor(2)                 # a 0-d CPU tensor takes part in a CUDA op, as in PyTorch
    check(x * s, xc * s)
    check(s - x, s - xc)


def test_in_place_and_out():
    a = draw(rng(4), (3, 4), F32)
    x, xc = on_gpu(a), cpu(a)
    x.add_(1).mul_(2)
    xc.add_(1).mul_(2)
    check(x, xc)
    out = ember.empty(3, 4, device=DEV)
    ember.add(x, x, out=out)
    check(out, xc + xc)


def test_where_and_clamp():
    g = rng(5)
    c, a, b = g.random((3, 4)) < 0.5, draw(g, (3, 4), F32), draw(g, (4,), F32)
    check(ember.where(on_gpu(c), on_gpu(a), on_gpu(b)), ember.where(*map(ember.from_numpy, (c, a, b))))
    check(ember.where(on_gpu(c), on_gpu(a), 0.0), ember.where(cpu(c), cpu(a), 0.0))
    x = draw(g, (5, 6), F64)
    check(ember.clamp(on_gpu(x), -1, 1), ember.clamp(cpu(x), -1, 1))
    check(ember.clamp(on_gpu(x), min=0.5), ember.clamp(cpu(x), min=0.5))
    check(ember.clamp(on_gpu(x), max=0.5), ember.clamp(cpu(x), max=0.5))
    lo = draw(g, (6,), F64)
    check(ember.clamp(on_gpu(x), min=on_gpu(lo)), ember.clamp(cpu(x), min=cpu(lo)))
    check(on_gpu(x).clamp_(-0.5, 0.5), cpu(x).clamp_(-0.5, 0.5))


# ---- reductions ----------------------------------------------------------------------------
REDUCE = [((7,), None), ((5, 6), None), ((5, 6), 1), ((5, 6), 0), ((4, 5, 6), (0, 2)), ((3, 100000), 1),
          ((100000, 3), 0), ((1 << 20,), None), ((2, 3), ()), ((0, 3), 0)]


@pytest.mark.parametrize("dtype", NUMERIC + (BOOL,), ids=[NAME[d] for d in NUMERIC + (BOOL,)])
@pytest.mark.parametrize("shape, dim", REDUCE, ids=[f"{s}-{d}" for s, d in REDUCE])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum(shape, dim, dtype, keepdim):
    a = draw(rng(6), shape, dtype, "int")
    x, xc = on_gpu(a), cpu(a)
    if dim is None:
        check(x.sum(), xc.sum())
    else:
        check(x.sum(dim, keepdim=keepdim), xc.sum(dim, keepdim=keepdim))
    if dtype in FLOATS and dim is not None and dim != ():
        check(x.mean(dim, keepdim=keepdim), xc.mean(dim, keepdim=keepdim))


def test_sum_of_a_transposed_tensor_and_mean():
    a = draw(rng(7), (300, 200), F64)
    x, xc = on_gpu(a), cpu(a)
    check(x.t().sum(0), xc.t().sum(0))
    check(x.mean(), xc.mean())


PROD = [((7,), None), ((5, 6), 1), ((5, 6), 0), ((4, 5, 6), (0, 2)), ((3, 300), 1), ((300, 3), 0), ((200, 5), 1),
        ((0, 3), 0), ((0, 3), 1)]


@pytest.mark.parametrize("dtype", NUMERIC + (BOOL,), ids=[NAME[d] for d in NUMERIC + (BOOL,)])
@pytest.mark.parametrize("shape, dim", PROD, ids=[f"{s}-{d}" for s, d in PROD])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(shape, dim, dtype, keepdim):
    a = draw(rng(36), shape, dtype, "near1")          # |x| near 1 (integers: +-1): long products stay finite
    x, xc = on_gpu(a), cpu(a)
    if dim is None:
        got, ref, want = x.prod(), xc.prod(), np.prod(a.astype(np.float64))
    else:
        got, ref = x.prod(dim, keepdim=keepdim), xc.prod(dim, keepdim=keepdim)
        want = np.prod(a.astype(np.float64), axis=dim, keepdims=keepdim)
    check(got, ref, f32_tol=1e-4)                      # long float32 runs multiply in a tree on the GPU
    check_np(got, want, f32_tol=1e-4)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)], ids=str)
def test_prod_gradients_with_zeros(dim):
    a = draw(rng(37), (4, 5), F64, "near1")
    a[0, 1] = 0                                       # one zero in a run, and two in another
    a[2, :2] = 0
    check_with_grads(lambda x: x.prod() if dim is None else x.prod(dim), a)


CUMSUM = [((7,), 0), ((5, 6), 1), ((5, 6), 0), ((4, 5, 6), 1), ((3, 5000), 1), ((5000, 3), 0), ((), 0), ((0, 3), 1),
          ((2, 3), -1)]


@pytest.mark.parametrize("dtype", ALL + HALVES, ids=[NAME.get(d, str(d)[6:]) for d in ALL + HALVES])
@pytest.mark.parametrize("shape, dim", CUMSUM, ids=[f"{s}-{d}" for s, d in CUMSUM])
def test_cumsum(shape, dim, dtype):
    a = draw(rng(38), shape, F32 if dtype in HALVES else dtype, "int")   # small integers: exact sums
    x, xc = on_gpu(a).to(dtype), cpu(a).to(dtype)
    check(x.cumsum(dim), xc.cumsum(dim))
    check_np(x.cumsum(dim), np.cumsum(a.astype(np.float64), axis=dim) if a.ndim else a)
    if dtype in INTS + (BOOL,):
        check(x.cumsum(dim, dtype=F64), xc.cumsum(dim, dtype=F64))


def test_cumsum_of_floats_and_gradients():
    a = draw(rng(39), (3, 5000), F32)
    check(on_gpu(a).cumsum(1), cpu(a).cumsum(1), f32_tol=1e-4)     # a scan across each block on the GPU
    check(on_gpu(a).t().cumsum(0), cpu(a).t().cumsum(0), f32_tol=1e-4)
    check_np(on_gpu(a).cumsum(1), np.cumsum(a.astype(np.float64), axis=1), f32_tol=1e-3)
    for dim in (0, 1, -1):
        check_with_grads(lambda x: x.cumsum(dim), draw(rng(40), (4, 6), F64))


TRIANGLE = [((4, 5), 0), ((5, 4), -1), ((2, 3, 4), 2), ((3, 3), -5), ((3, 0), 0)]


@pytest.mark.parametrize("dtype", ALL + HALVES, ids=[NAME.get(d, str(d)[6:]) for d in ALL + HALVES])
@pytest.mark.parametrize("shape, diagonal", TRIANGLE, ids=[f"{s}-{d}" for s, d in TRIANGLE])
@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu(name, shape, diagonal, dtype):
    a = draw(rng(41), shape, F32 if dtype in HALVES else dtype, "int")
    x, xc = on_gpu(a).to(dtype), cpu(a).to(dtype)
    check(getattr(x, name)(diagonal), getattr(xc, name)(diagonal))
    check_np(getattr(x, name)(diagonal), getattr(np, name)(a, diagonal))
    check(getattr(ember, name)(x.mT, diagonal), getattr(ember, name)(xc.mT, diagonal))   # a transposed view


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_gradients(name):
    check_with_grads(lambda x: getattr(x, name)(1), draw(rng(42), (2, 4, 3), F64))


# ---- matmul --------------------------------------------------------------------------------
MATMUL = [((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((2, 3, 4), (2, 4, 5)),
          ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((64, 128), (128, 32)), ((3, 0), (0, 4))]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("sa, sb", MATMUL, ids=[f"{a}@{b}" for a, b in MATMUL])
def test_matmul(sa, sb, dtype):
    g = rng(8)
    a, b = draw(g, sa, dtype), draw(g, sb, dtype)
    gpu = ember.matmul(on_gpu(a), on_gpu(b))
    ref = ember.matmul(cpu(a), cpu(b))
    assert gpu.device.type == DEV
    np.testing.assert_allclose(gpu.cpu().numpy(), ref.numpy(), rtol=1e-4 if dtype == F32 else 1e-12, atol=1e-4)


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
def test_mm_bmm_with_transposed_operands(dtype):
    g = rng(9)
    a, b = draw(g, (6, 5), dtype), draw(g, (7, 6), dtype)
    A, B = on_gpu(a), on_gpu(b)
    np.testing.assert_allclose(ember.mm(A.t(), B.t()).cpu().numpy(), a.T @ b.T, rtol=1e-4, atol=1e-4)
    p, q = draw(g, (3, 4, 5), dtype), draw(g, (3, 6, 4), dtype)
    np.testing.assert_allclose(ember.bmm(on_gpu(p).mT, on_gpu(q).mT).cpu().numpy(),
                               np.swapaxes(p, 1, 2) @ np.swapaxes(q, 1, 2), rtol=1e-4, atol=1e-4)


def test_integer_matmul_is_not_implemented_on_cuda():
    x = ember.ones(2, 2, dtype=ember.int64, device=DEV)
    with pytest.raises(NotImplementedError, match="mm_cuda"):
        x @ x


# ---- autograd ------------------------------------------------------------------------------
def test_gradients_match_the_cpu():
    g = rng(10)
    w0, x0 = draw(g, (4, 3), F64), draw(g, (5, 4), F64)
    grads = {}
    for dev in ("cpu", DEV):
        w = cpu(w0).to(dev).requires_grad_()
        x = cpu(x0).to(dev)
        loss = (ember.tanh(x @ w).clamp(-0.5, 0.5) * 2 + 1).pow(2).mean()
        loss.backward()
        assert w.grad.device.type == dev.split(":")[0]
        grads[dev] = w.grad.cpu().numpy()
    np.testing.assert_allclose(grads[DEV], grads["cpu"], rtol=1e-10, atol=1e-12)


def test_gradient_flows_back_across_devices():
    w = ember.ones(3, requires_grad=True)            # a CPU leaf
    (w.to(DEV) * 2).sum().backward()
    assert w.grad.device.type == "cpu"
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])


def test_pinned_memory():
    x = ember.arange(12.0).reshape(3, 4).t()  # a strided source: the pinned copy is contiguous
    p = x.pin_memory()
    assert p.is_pinned() and not x.is_pinned() and p.device.type == "cpu" and p.is_contiguous()
    np.testing.assert_array_equal(p.numpy(), x.numpy())
    assert p.pin_memory() is p  # already pinned
    np.testing.assert_array_equal(p.cuda(non_blocking=True).cpu().numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        ember.ones(2, device="cuda").pin_memory()
    from ember.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(ember.arange(6.0), ember.arange(6)), batch_size=4, pin_memory=True)
    for xb, yb in loader:
        assert xb.is_pinned() and yb.is_pinned()


def test_module_to_moves_parameters_and_buffers():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    params = list(model.parameters())
    model.to(DEV)
    assert all(p.is_cuda for p in model.parameters())
    assert ember.device("cuda", 0) == model[0].weight.device
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]  # identity kept
    x = ember.ones(5, 3, device=DEV)
    out = model(x)
    assert out.is_cuda and tuple(out.shape) == (5, 2)
    model.cpu()
    assert not any(p.is_cuda for p in model.parameters())


def test_linear_layer_forward_and_backward_match_the_cpu():
    g = rng(11)
    x0 = draw(g, (16, 64), F32)
    grads, outs = {}, {}
    for dev in ("cpu", DEV):
        ember.manual_seed(0)
        layer = nn.Linear(64, 32).to(dev)               # addmm: bias + mm on CUDA
        out = layer(cpu(x0).to(dev))
        ((out - 1) ** 2).mean().backward()
        outs[dev] = out.detach().cpu().numpy()
        grads[dev] = (layer.weight.grad.cpu().numpy(), layer.bias.grad.cpu().numpy())
    np.testing.assert_allclose(outs[DEV], outs["cpu"], rtol=1e-4, atol=1e-5)
    for a, b in zip(grads[DEV], grads["cpu"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_cat_and_stack_are_copies():
    a, b = draw(rng(12), (2, 3), F32), draw(rng(13), (4, 3), F32)
    check(ember.cat([on_gpu(a), on_gpu(b)]), ember.cat([cpu(a), cpu(b)]))
    check(ember.stack([on_gpu(a), on_gpu(a)], 1), ember.stack([cpu(a), cpu(a)], 1))


# ---- softmax, losses ------------------------------------------------------------------------
def cotangent(shape):
    """The output gradient that grads_on_both feeds backward (float64): a ramp from -1 to 1."""
    return np.linspace(-1, 1, int(np.prod(shape))).reshape(tuple(shape))


def grads_on_both(f, *arrays):
    """f's output and the gradients of its float inputs, on the GPU and on the CPU."""
    res = {}
    for dev in ("cpu", DEV):
        xs = [cpu(a).to(dev) for a in arrays]
        for x in xs:
            if x.dtype in FLOATS:
                x.requires_grad_()
        out = f(*xs)
        out.backward(ember.from_numpy(cotangent(out.shape)).to(out.dtype).to(dev))
        res[dev] = (out.detach(), [x.grad for x in xs if x.dtype in FLOATS])
    return res[DEV], res["cpu"]


def check_with_grads(f, *arrays, f32_tol=1e-5):
    (out, grads), (ref, ref_grads) = grads_on_both(f, *arrays)
    check(out, ref, f32_tol)
    for g, r in zip(grads, ref_grads):
        check(g, r, f32_tol)


SOFTMAX = [((5, 7), 1), ((5, 7), 0), ((3, 4, 5), 1), ((2, 3000), -1), ((6,), 0), ((), 0)]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("shape, dim", SOFTMAX, ids=[f"{s}-{d}" for s, d in SOFTMAX])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, shape, dim, dtype):
    a = draw(rng(20), shape, dtype) * 5
    check_with_grads(lambda x: getattr(ember, name)(x, dim), a)


def test_softmax_of_a_strided_view_and_infinities():
    a = draw(rng(21), (6, 4), F32)
    a[0, :] = -np.inf
    a[1, 2] = np.inf
    check(ember.softmax(on_gpu(a).t(), 0), ember.softmax(cpu(a).t(), 0))
    check(ember.log_softmax(on_gpu(a), 1), ember.log_softmax(cpu(a), 1))


NLL = [dict(), dict(reduction="sum"), dict(reduction="none"), dict(ignore_index=2),
       dict(weight=True), dict(weight=True, ignore_index=1), dict(weight=True, reduction="none")]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("kw", NLL, ids=["mean", "sum", "none", "ignore", "weight", "weight-ignore", "weight-none"])
@pytest.mark.parametrize("shape", [(8, 5), (4, 5, 3), (5,)], ids=["NC", "NCd", "C"])
def test_nll_loss_and_cross_entropy(shape, kw, dtype):
    import ember.nn.functional as F
    g = rng(22)
    a = draw(g, shape, dtype)
    t = g.integers(0, 5, size=(shape[0],) + shape[2:] if len(shape) > 1 else ())
    w = g.uniform(0.5, 2, 5).astype(a.dtype) if kw.get("weight") else None
    opts = {k: v for k, v in kw.items() if k != "weight"}
    for loss in (F.nll_loss, F.cross_entropy):
        res = {}
        for dev in ("cpu", DEV):
            x = cpu(a).to(dev).requires_grad_()
            out = loss(x, cpu(t).to(dev), weight=None if w is None else cpu(w).to(dev), **opts)
            out.backward(ember.ones_like(out))
            res[dev] = (out.detach(), x.grad)
        check(res[DEV][0], res["cpu"][0])
        check(res[DEV][1], res["cpu"][1])


def test_nll_loss_target_out_of_bounds_raises():
    import ember.nn.functional as F
    x = ember.zeros(3, 4, device=DEV)
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        F.nll_loss(x, ember.tensor([0, 7, 1], device=DEV))


# ---- max / min ------------------------------------------------------------------------------
EXTREME = [((7,), None), ((5, 6), 1), ((5, 6), 0), ((4, 5, 6), 1), ((3, 5000), 1), ((5000, 3), 0),
           ((300, 40), 1), ((1 << 17,), None)]


@pytest.mark.parametrize("dtype", ALL, ids=[NAME[d] for d in ALL])
@pytest.mark.parametrize("shape, dim", EXTREME, ids=[f"{s}-{d}" for s, d in EXTREME])
def test_max_min_argmax_argmin_amax_amin(shape, dim, dtype):
    a = draw(rng(23), shape, dtype, "int")        # small integers: many ties (the first index wins)
    if dtype in FLOATS and a.size > 10:
        a.reshape(-1)[[3, 9]] = np.nan            # NaN wins
    x, xc = on_gpu(a), cpu(a)
    for name in ("argmax", "argmin"):
        if dtype == ember.bool:  # PyTorch has no bool argmax/argmin
            with pytest.raises(RuntimeError, match=f"{name}\\(\\): does not support bool input"):
                getattr(x, name)(dim)
            continue
        check(getattr(x, name)(dim), getattr(xc, name)(dim))
    if dim is None:
        for name in ("max", "min", "amax", "amin"):
            check(getattr(x, name)(), getattr(xc, name)())
        return
    for name in ("max", "min"):
        (v, i), (vc, ic) = getattr(x, name)(dim, keepdim=True), getattr(xc, name)(dim, keepdim=True)
        check(v, vc)
        check(i, ic)
    check(x.amax(dim), xc.amax(dim))
    check(x.amin((dim,)), xc.amin((dim,)))
    if dtype != ember.bool:
        check(x.t().argmax(0) if x.dim() == 2 else x.argmax(0), xc.t().argmax(0) if xc.dim() == 2 else xc.argmax(0))


@pytest.mark.parametrize("f", [lambda x: x.max(), lambda x: x.amax(1), lambda x: x.min(0)[0],
                               lambda x: x.amin((0, 1))], ids=["max", "amax", "min-dim", "amin-all"])
def test_max_min_gradients(f):
    a = draw(rng(24), (6, 5), F64, "int")        # ties: the gradient is shared as on the CPU
    check_with_grads(f, a)


# ---- indexing with tensors ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL + HALVES, ids=[NAME.get(d, str(d)[6:]) for d in ALL + HALVES])
def test_gather_scatter_index_select(dtype):
    g = rng(25)
    values = F32 if dtype in HALVES else dtype          # small integers: exact in every dtype, sums too
    a = draw(g, (4, 5), values, "int")
    idx = g.integers(0, 4, size=(3, 5))
    x, xc = on_gpu(a).to(dtype), cpu(a).to(dtype)
    check(ember.gather(x, 0, on_gpu(idx)), ember.gather(xc, 0, cpu(idx)))
    check(ember.gather(x.t(), 1, on_gpu(idx.T)), ember.gather(xc.t(), 1, cpu(idx.T)))
    src = draw(g, (3, 5), values, "int")
    s, sc = on_gpu(src).to(dtype), cpu(src).to(dtype)
    perm = np.stack([g.permutation(4)[:3] for _ in range(5)], 1)   # no repeats: scatter is deterministic
    check(x.scatter(0, on_gpu(perm), s), xc.scatter(0, cpu(perm), sc))
    check(x.scatter(0, on_gpu(perm), 1), xc.scatter(0, cpu(perm), 1))
    if dtype != BOOL:
        added = a.astype(np.float64)
        np.add.at(added, (idx, np.arange(5)), src)
        check_np(x.scatter_add(0, on_gpu(idx), s), added)                                        # repeats add up
        check(x.scatter_add(0, on_gpu(idx), s), xc.scatter_add(0, cpu(idx), sc))
        check(x.scatter(0, on_gpu(idx), s, reduce="multiply"), xc.scatter(0, cpu(idx), sc, reduce="multiply"))
    sel = np.array([3, 0, 3, 1])
    check(ember.index_select(x, 1, on_gpu(sel)), ember.index_select(xc, 1, cpu(sel)))
    check(ember.index_select(x, 0, on_gpu(sel[:2]).int()), ember.index_select(xc, 0, cpu(sel[:2]).int()))
    m = g.random((4, 5)) < 0.5
    check(x.masked_fill(on_gpu(m), 1), xc.masked_fill(cpu(m), 1))
    check(x.masked_select(on_gpu(m)), xc.masked_select(cpu(m)))      # forward only: its backward is index_put_


def test_indexing_gradients():
    g = rng(26)
    a, idx = draw(g, (4, 5), F64), g.integers(0, 4, size=(6, 5))
    check_with_grads(lambda x: ember.gather(x, 0, cpu(idx).to(x.device)), a)
    check_with_grads(lambda x: ember.index_select(x, 1, cpu(np.array([4, 0, 4])).to(x.device)), a)
    src = draw(g, (6, 5), F64)
    check_with_grads(lambda x, s: x.scatter_add(0, cpu(idx).to(x.device), s), a, src)
    m = g.random((4, 5)) < 0.5
    check_with_grads(lambda x: x.masked_fill(cpu(m).to(x.device), 0.5), a)


INDEXING = [lambda x, i, m: x[i], lambda x, i, m: x[:, i[:2]], lambda x, i, m: x[..., i[1:] - 3],
            lambda x, i, m: x[1:, i.reshape(2, 2)], lambda x, i, m: x[None, 2, i], lambda x, i, m: x[i.cpu()],
            lambda x, i, m: x[m], lambda x, i, m: x[m[:, 0]], lambda x, i, m: x[:, m[0]],
            lambda x, i, m: x[m.cpu()]]


@pytest.mark.parametrize("f", INDEXING, ids=["int", "slice-int", "ellipsis-negative", "2d-index", "none-int-tensor",
                                             "cpu-index", "mask", "row-mask", "column-mask", "cpu-mask"])
def test_indexing_with_one_tensor(f):
    g = rng(29)
    a, i, m = draw(g, (4, 5, 3), F64), np.array([3, 0, 3, 1]), g.random((4, 5)) < 0.5
    (out, grads), (ref, ref_grads) = grads_on_both(lambda x: f(x, cpu(i).to(x.device), cpu(m).to(x.device)), a)
    check(out, ref)
    check(grads[0], ref_grads[0])


# several tensor indices, masks beside other indices, True/False: each written so that it also indexes NumPy arrays
MULTI_INDEXING = [lambda x, i, m: x[i, i], lambda x, i, m: x[:, i, i % 3], lambda x, i, m: x[i.reshape(4, 1), :, i % 3],
                  lambda x, i, m: x[-i - 1, 1:, i[None, :] % 3], lambda x, i, m: x[m, 1], lambda x, i, m: x[None, m],
                  lambda x, i, m: x[1, m[0], i[:2] % 3], lambda x, i, m: x[..., i[:2] % 3][i],
                  lambda x, i, m: x[True], lambda x, i, m: x[False], lambda x, i, m: x[m & False]]


@pytest.mark.parametrize("f", MULTI_INDEXING, ids=["two", "slice-two", "broadcast-apart", "negative-apart", "mask-int",
                                                   "none-mask", "int-mask-tensor", "chained", "true", "false",
                                                   "empty-mask"])
def test_indexing_with_several_tensors_and_masks(f):
    g = rng(30)
    a, i, m = draw(g, (4, 5, 3), F64), np.array([3, 0, 3, 1]), g.random((4, 5)) < 0.5
    (out, (grad,)), (ref, (ref_grad,)) = grads_on_both(lambda x: f(x, cpu(i).to(x.device), cpu(m).to(x.device)), a)
    check(out, ref)
    check(grad, ref_grad)
    check_np(out, f(a, i, m))
    # NumPy's gradient: the cotangent added into the positions the index picks (repeats add up)
    picked = f(np.arange(a.size).reshape(a.shape), i, m)
    want = np.zeros(a.size)
    np.add.at(want, picked.ravel(), cotangent(picked.shape).ravel())
    check_np(grad, want.reshape(a.shape))


# (name, indices into a (4, 5, 3) tensor (a mask among them), values' shape, accumulate). Repeated positions only
# with accumulate=True (which
# of the repeated values a plain put keeps is unspecified on a GPU).
MASK = rng(31).random((4, 5)) < 0.5
PUTS = [("mask", (MASK,), (int(MASK.sum()), 3)), ("mask-0d-value", (MASK,), ()),
        ("two", (np.array([3, 0, 2]), np.array([1, 4, 0])), (3, 3)),
        ("two-broadcast", (np.array([[3], [0]]), np.array([1, 4, 0])), (2, 3, 1)),
        ("mask-and-tensor", (MASK[:, 0], np.array([2, -1])), (2, 3))]
PUTS = [(*p, False) for p in PUTS] + [(*p, True) for p in PUTS] + [("repeated", (np.array([1, 1, 2, 1]),), (5, 3), True)]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("name, indices, shape, accumulate", PUTS, ids=[p[0] + "-add" * p[3] for p in PUTS])
def test_index_put_with_gradients(name, indices, shape, accumulate, dtype):
    g = rng(32)
    a, v = draw(g, (4, 5, 3), dtype), draw(g, shape, dtype)
    for on_device in (True, False):          # index tensors on the CUDA tensor's device, or on the CPU
        (out, (ga, gv)), (ref, (ref_ga, ref_gv)) = grads_on_both(
            lambda x, y: x.index_put(tuple(cpu(ix).to(x.device if on_device else "cpu") for ix in indices), y,
                                     accumulate=accumulate), a, v)
        for got, want in ((out, ref), (ga, ref_ga), (gv, ref_gv)):
            check(got, want)
    # NumPy: the put itself, self's gradient (zero where overwritten) and the values' (summed over their broadcast)
    want = a.astype(np.float64)
    if accumulate:
        np.add.at(want, indices, v)
    else:
        want[indices] = v
    check_np(out, want)
    cot = cotangent(want.shape)
    want_ga = cot.copy()
    if not accumulate:
        want_ga[indices] = 0
    want_gv = cot[indices]
    while want_gv.ndim > v.ndim:
        want_gv = want_gv.sum(0)
    want_gv = want_gv.sum(tuple(k for k in range(v.ndim) if v.shape[k] == 1), keepdims=True)
    check_np(ga, want_ga)
    check_np(gv, want_gv)


def test_setitem_with_masks_and_tensors_on_cuda():
    g = rng(33)
    a, m = draw(g, (4, 5), F32), g.random((4, 5)) < 0.5
    x, want = on_gpu(a), a.astype(np.float64)
    x[on_gpu(m)] = 2.5
    want[m] = 2.5
    x[on_gpu(~m)] = on_gpu(np.arange((~m).sum(), dtype=np.float32))
    want[~m] = np.arange((~m).sum())
    x[on_gpu(np.array([0, 3])), 1:] = on_gpu(np.ones(4, np.float32))     # broadcast along the rows
    want[[0, 3], 1:] = 1
    x[cpu(np.array([2])), cpu(np.array([4]))] = -1.0                      # CPU indices for a CUDA tensor
    want[2, 4] = -1
    x[on_gpu(np.array([1, 1])), on_gpu(np.array([0, 0]))] += 1.0          # read, add, write back: adds once
    want[1, 0] += 1
    check_np(x, want)


@pytest.mark.parametrize("shape", [(4, 5), (3,), (), (0, 3), (3, 7000), (2, 3, 4, 5)], ids=str)
@pytest.mark.parametrize("dtype", ALL + HALVES, ids=[NAME.get(d, str(d)[6:]) for d in ALL + HALVES])
def test_nonzero(shape, dtype):
    a = draw(rng(34), shape, F32 if dtype in HALVES else dtype, "int")   # about 40% zeros, over several blocks
    x, xc = on_gpu(a).to(dtype), cpu(a).to(dtype)
    check(x.nonzero(), xc.nonzero())
    check_np(x.nonzero(), np.argwhere(a))
    got, want = ember.nonzero(x, as_tuple=True), np.nonzero(np.atleast_1d(a))    # 0-d counts as 1-d
    assert len(got) == len(want)
    for t, w in zip(got, want):
        check_np(t, w)


@pytest.mark.parametrize("mask_shape", [(4, 5), (5,), (4, 1), ()], ids=str)
def test_masked_select_with_gradients(mask_shape):
    g = rng(35)
    a, m = draw(g, (4, 5), F64), g.random(mask_shape) < 0.5
    (out, (grad,)), (ref, (ref_grad,)) = grads_on_both(lambda x: x.masked_select(cpu(m).to(x.device)), a)
    check(out, ref)
    check(grad, ref_grad)
    full = np.broadcast_to(m, (4, 5))
    check_np(out, a[full])
    want = np.zeros((4, 5))
    want[full] = cotangent(out.shape)
    check_np(grad, want)


def test_index_errors_on_cuda():
    x = ember.zeros(3, 4, device=DEV)
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        x[ember.tensor([0, 1], device=DEV), ember.tensor([0, 7], device=DEV)]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        x[ember.tensor([-4], device=DEV)] = 1.0
    with pytest.raises(IndexError, match="The shape of the mask"):
        x[ember.ones(4, dtype=ember.bool, device=DEV)]
    with pytest.raises(IndexError, match=r"indices should be either on cpu or on the same device as the indexed "
                                         r"tensor \(cpu\)"):
        ember.zeros(3)[ember.tensor([0], device=DEV)]
    with pytest.raises(RuntimeError, match="shape mismatch: value tensor of shape \\[3\\] cannot be broadcast"):
        x[ember.tensor([0, 1], device=DEV)] = ember.ones(3, device=DEV)
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        x.index_put_((ember.tensor([0], device=DEV),), ember.ones(4, dtype=ember.float64, device=DEV))


EMBEDDING = [dict(), dict(padding_idx=2), dict(padding_idx=-1), dict(scale_grad_by_freq=True),
             dict(max_norm=1.0, norm_type=1.0), dict(padding_idx=0, scale_grad_by_freq=True, max_norm=2.0)]


@pytest.mark.parametrize("index_dtype", INTS, ids=[NAME[d] for d in INTS])
@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("kw", EMBEDDING, ids=["plain", "padding", "padding-negative", "freq", "max_norm", "all"])
def test_embedding_with_gradients(kw, dtype, index_dtype):
    F = nn.functional
    w = draw(rng(45), (6, 4), dtype)
    idx = np.array([[0, 2, 5], [2, 2, 1]])       # row 2 three times: its gradients add up
    (out, (gw,)), (ref, (ref_gw,)) = grads_on_both(
        lambda t: F.embedding(cpu(idx).to(t.device, index_dtype), t, **kw), w)
    check(out, ref)
    check(gw, ref_gw)
    # NumPy: looked-up rows renormed to max_norm; the gradient is the cotangent added into each looked-up row,
    # divided by the row's count (scale_grad_by_freq), none for the padding row
    table = w.astype(np.float64)
    if "max_norm" in kw:
        looked_up = np.unique(idx)
        norms = np.linalg.norm(table[looked_up], kw.get("norm_type", 2.0), axis=1, keepdims=True)
        table[looked_up] *= np.where(norms > kw["max_norm"], kw["max_norm"] / (norms + 1e-7), 1.0)
    check_np(out, table[idx])
    cot = cotangent(idx.shape + (4,))
    if kw.get("scale_grad_by_freq"):
        cot = cot / np.bincount(idx.ravel(), minlength=6)[idx][..., None]
    if "padding_idx" in kw:
        cot[idx == kw["padding_idx"] % 6] = 0
    grad = np.zeros((6, 4))
    np.add.at(grad, idx, cot)
    check_np(gw, grad)


@pytest.mark.parametrize("dtype", HALVES, ids=["float16", "bfloat16"])
def test_embedding_in_float16_and_bfloat16(dtype):
    w = draw(rng(46), (6, 4), F32)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    res = {}
    for dev in ("cpu", DEV):
        t = cpu(w).to(dev, dtype).requires_grad_()
        out = nn.functional.embedding(cpu(idx).to(dev), t, padding_idx=5)
        out.backward(ember.ones_like(out))                 # integer gradient sums: exact in any order
        res[dev] = (out, t.grad)
    for got, want in zip(res[DEV], res["cpu"]):
        check(got, want)
    check_np(res[DEV][0], as_numpy(cpu(w).to(dtype))[idx])
    check_np(res[DEV][1], np.array([1, 1, 3, 0, 0, 0])[:, None] * np.ones((6, 4)))


def test_embedding_module_and_index_errors_on_cuda():
    F = nn.functional
    ember.manual_seed(3)
    m = nn.Embedding(5, 3, padding_idx=1).to(DEV)
    assert m.weight.is_cuda and m.weight[1].abs().sum().item() == 0.0
    out = m(ember.tensor([[1, 4], [0, 4]], device=DEV))
    out.sum().backward()
    check_np(out, m.weight.detach().cpu().numpy()[[[1, 4], [0, 4]]])
    check_np(m.weight.grad, np.array([[1.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3, [2.0] * 3], np.float32))
    for bad in ([5], [-1]):
        with pytest.raises(IndexError, match="index out of range in self"):
            m(ember.tensor(bad, device=DEV))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        m(ember.tensor([1.0], device=DEV))
    assert tuple(F.embedding(ember.zeros(0, 2, dtype=ember.int64, device=DEV), m.weight).shape) == (0, 2, 3)


def test_one_hot_on_cuda():
    F = nn.functional
    t = np.array([[0, 3], [2, 2]])
    check(F.one_hot(on_gpu(t)), F.one_hot(cpu(t)))
    check_np(F.one_hot(on_gpu(t), 6), np.eye(6, dtype=np.int64)[t])
    check_np(F.one_hot(ember.zeros(0, dtype=ember.int64, device=DEV), 3), np.zeros((0, 3), np.int64))
    for values, n, message in [([1, -1], -1, "Class values must be non-negative."),
                               ([1, 3], 3, "Class values must be smaller than num_classes."),
                               ([], -1, "Can not infer total number of classes from empty tensor.")]:
        with pytest.raises(RuntimeError, match=message):
            F.one_hot(ember.tensor(values, dtype=ember.int64, device=DEV), n)


def test_gather_index_out_of_bounds_raises():
    x = ember.zeros(3, 4, device=DEV)
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 0 with size 3"):
        ember.gather(x, 0, ember.tensor([[0, 5, 1, 2]], device=DEV))


# ---- optimizers -----------------------------------------------------------------------------
OPTIMIZERS = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.8, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.5), maximize=True)), ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, maximize=True)),      # 1 - alpha >= 0.5: lerp's other form
    ("Adagrad", dict(lr=0.1)), ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("name, kw", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_fused_optimizer_steps_match_the_cpu_bit_for_bit(name, kw, dtype):
    g = rng(27)
    shapes = [(70000,), (3, 4), (1,), (0,)]         # several chunks, small tensors, an empty one
    inits = [draw(g, s, dtype) for s in shapes]
    grads = [[draw(g, s, dtype) for s in shapes] for _ in range(3)]
    result = {}
    for dev in ("cpu", DEV):
        params = [cpu(a).to(dev).requires_grad_() for a in inits]
        opt = getattr(ember.optim, name)(params, **kw)
        for step in grads:
            for p, gr in zip(params, step):
                p.grad = cpu(gr).to(dev)
            opt.step()
        result[dev] = [p.detach().cpu().numpy() for p in params]
    for a, b in zip(result[DEV], result["cpu"]):
        np.testing.assert_array_equal(a, b)


def test_a_training_step_matches_the_cpu():
    import ember.nn.functional as F
    g = rng(28)
    x0, y0 = draw(g, (32, 10), F32), g.integers(0, 4, size=32)
    out = {}
    for dev in ("cpu", DEV):
        ember.manual_seed(0)
        model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 4)).to(dev)
        opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = cpu(x0).to(dev), cpu(y0).to(dev)
        for _ in range(3):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        acc = (model(x).argmax(1) == y).float().mean()
        out[dev] = (loss.item(), acc.item(), model[0].weight.detach().cpu().numpy())
    assert out[DEV][0] == pytest.approx(out["cpu"][0], rel=1e-5) and out[DEV][1] == out["cpu"][1]
    np.testing.assert_allclose(out[DEV][2], out["cpu"][2], rtol=1e-4, atol=1e-5)


# ---- convolutions ---------------------------------------------------------------------------
# (input, weight, bias or None, keywords); conv_transpose2d's weight is (C_in, C_out/groups, kH, kW).
CONV = [
    ((4, 1, 28, 28), (6, 1, 5, 5), (6,), dict(padding=2)),                       # LeNet's conv1
    ((4, 6, 14, 14), (16, 6, 5, 5), (16,), dict()),                              # LeNet's conv2
    ((2, 4, 11, 9), (6, 2, 3, 3), None, dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    ((3, 2, 7, 7), (4, 2, 1, 1), (4,), dict(stride=3)),
]
CONV_T = [
    ((2, 4, 5, 6), (4, 3, 3, 3), (6,), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ((1, 3, 4, 4), (3, 2, 2, 3), None, dict(stride=(1, 2), dilation=(2, 1))),
]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("transposed, xs, ws, bs, kw", [(False, *c) for c in CONV] + [(True, *c) for c in CONV_T],
                         ids=["lenet1", "lenet2", "strided-dilated-grouped", "1x1-stride3", "t-grouped", "t-dilated"])
def test_conv2d_and_conv_transpose2d_with_gradients(transposed, xs, ws, bs, kw, dtype):
    import ember.nn.functional as F
    conv = F.conv_transpose2d if transposed else F.conv2d
    g = rng(40)
    arrays = [draw(g, xs, dtype), draw(g, ws, dtype)] + ([draw(g, bs, dtype)] if bs else [])
    check_with_grads(lambda x, w, *b: conv(x, w, b[0] if b else None, **kw), *arrays, f32_tol=1e-4)


POOL = [
    ("max", (4, 6, 28, 28), dict(kernel_size=2)),                                 # LeNet's
    ("max", (2, 3, 9, 8), dict(kernel_size=3, stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True)),
    ("max", (3, 7, 5), dict(kernel_size=(2, 3), stride=1)),
    ("avg", (4, 6, 28, 28), dict(kernel_size=2)),
    ("avg", (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg", (2, 3, 9, 8), dict(kernel_size=(3, 2), padding=1, count_include_pad=False)),
    ("avg", (2, 3, 6, 6), dict(kernel_size=2, divisor_override=3)),
]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("kind, shape, kw", POOL, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(POOL)])
def test_max_and_avg_pool2d_with_gradients(kind, shape, kw, dtype):
    import ember.nn.functional as F
    x = draw(rng(41), shape, dtype)
    if kind == "max":
        x[..., 0, :3] = x[..., 1, :3]  # ties: the first max wins on both devices
        check_with_grads(lambda t: F.max_pool2d(t, **kw), x)
        (out, idx), (ref, ref_idx) = (F.max_pool2d(t, return_indices=True, **kw) for t in (on_gpu(x), cpu(x)))
        check(idx, ref_idx)
    else:
        check_with_grads(lambda t: F.avg_pool2d(t, **kw), x)


@pytest.mark.parametrize("f", [
    lambda t: ember.nn.functional.adaptive_avg_pool2d(t, (3, 2)),
    lambda t: ember.nn.functional.interpolate(t, scale_factor=2, mode="nearest"),
    lambda t: ember.nn.functional.interpolate(t, size=(7, 5), mode="bilinear", align_corners=False),
], ids=["adaptive_avg", "nearest", "bilinear"])
def test_other_linear_pooling_maps_with_gradients(f):
    check_with_grads(f, draw(rng(43), (2, 3, 5, 4), F64))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_with_gradients(mode):
    a = draw(rng(50), (2, 3, 4, 5), F64)
    check_with_grads(lambda t: nn.functional.pad(t, (2, 1, 0, 3), mode=mode), a)
    want = np.pad(a, ((0, 0), (0, 0), (0, 3), (2, 1)), mode={"replicate": "edge", "circular": "wrap"}.get(mode, mode))
    check_np(nn.functional.pad(on_gpu(a), (2, 1, 0, 3), mode=mode), want)


def test_max_pool2d_of_integers_and_nan():
    x = np.arange(2 * 5 * 6, dtype=np.int64).reshape(2, 5, 6) % 7
    check(ember.nn.functional.max_pool2d(on_gpu(x), 2), ember.nn.functional.max_pool2d(cpu(x), 2))
    y = draw(rng(42), (1, 4, 4), F32)
    y[0, 1, 1] = np.nan
    (a, ia), (b, ib) = (ember.nn.functional.max_pool2d(t, 2, return_indices=True) for t in (on_gpu(y), cpu(y)))
    check(a, b)
    check(ia, ib)


# (input shape, training, affine)
BATCH_NORM = [((4, 6, 5, 5), True, True), ((8, 3), True, False), ((2, 4, 7), False, True), ((3, 5, 2, 3), False, False)]


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("shape, training, affine", BATCH_NORM, ids=["4d-train", "2d-train-plain", "3d-eval",
                                                                    "4d-eval-plain"])
def test_batch_norm_with_running_stats_and_gradients(shape, training, affine, dtype):
    import ember.nn.functional as F
    g, C = rng(44), shape[1]
    x = draw(g, shape, dtype)
    rm0, rv0 = draw(g, (C,), dtype), draw(g, (C,), dtype, "pos")
    stats = {}

    def bn(dev):
        def f(t, *wb):
            rm, rv = cpu(rm0).to(dev), cpu(rv0).to(dev)
            out = F.batch_norm(t, rm, rv, *(wb or (None, None)), training=training, momentum=0.2, eps=1e-4)
            stats[dev] = (rm, rv)
            return out
        return f
    arrays = [x] + ([draw(g, (C,), dtype), draw(g, (C,), dtype)] if affine else [])
    (out, grads), (ref, ref_grads) = grads_on_both(lambda t, *wb: bn(t.device.type)(t, *wb), *arrays)
    check(out, ref, 1e-4)
    for a, b in zip(grads + list(stats[DEV]), ref_grads + list(stats["cpu"])):
        check(a, b, 1e-4)


def adaptive_windows(n, m):
    """PyTorch's adaptive windows: output o of m reads [floor(o n / m), ceil((o + 1) n / m))."""
    return [(o * n // m, -(-(o + 1) * n // m)) for o in range(m)]


@pytest.mark.parametrize("dtype", FLOATS + HALVES, ids=[NAME.get(d, str(d)[6:]) for d in FLOATS + HALVES])
@pytest.mark.parametrize("shape, size", [((2, 3, 7, 5), (3, 2)), ((3, 8, 8), (4, 4)), ((1, 2, 3, 4), (5, 6)),
                                         ((2, 1, 6, 6), (1, 1))], ids=["shrink", "3d-even", "grow", "global"])
def test_adaptive_max_pool2d_with_gradients(shape, size, dtype):
    F = nn.functional
    a = draw(rng(47), shape, F32 if dtype in HALVES else dtype, "int")   # small integers: many ties
    a.reshape(-1)[[5, 17]] = np.nan                                       # NaN wins its windows
    x, xc = on_gpu(a).to(dtype), cpu(a).to(dtype)
    (out, idx), (ref, ref_idx) = (F.adaptive_max_pool2d(t, size, return_indices=True) for t in (x, xc))
    check(out, ref)
    check(idx, ref_idx)
    # NumPy: each window's max and the flat index of its first max in the plane (the last NaN, as PyTorch)
    planes = a.reshape(-1, *shape[-2:]).astype(np.float64)
    want, want_idx = np.empty((len(planes),) + size), np.empty((len(planes),) + size, np.int64)
    for p, plane in enumerate(planes):
        for i, (h0, h1) in enumerate(adaptive_windows(shape[-2], size[0])):
            for j, (w0, w1) in enumerate(adaptive_windows(shape[-1], size[1])):
                win = plane[h0:h1, w0:w1]
                nan = np.argwhere(np.isnan(win))
                r, c = nan[-1] if len(nan) else np.unravel_index(np.argmax(win), win.shape)
                want[p, i, j], want_idx[p, i, j] = win[r, c], (h0 + r) * shape[-1] + w0 + c
    check_np(out, want.reshape(ref.shape))
    check_np(idx, want_idx.reshape(ref.shape))
    if dtype in FLOATS:
        check_with_grads(lambda t: F.adaptive_max_pool2d(t, size), a)


@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
@pytest.mark.parametrize("shape, groups, affine", [((4, 6, 5, 5), 3, True), ((2, 4, 7), 2, False), ((3, 4), 4, True),
                                                   ((2, 6, 3, 2), 1, True)],
                         ids=["4d", "3d-plain", "2d-instance", "4d-layer"])
def test_group_norm_with_gradients(shape, groups, affine, dtype):
    F = nn.functional
    g, C = rng(48), shape[1]
    arrays = [draw(g, shape, dtype)] + ([draw(g, (C,), dtype), draw(g, (C,), dtype)] if affine else [])
    f = (lambda t, w=None, b=None: F.group_norm(t, groups, w, b, eps=1e-4))
    (out, grads), (ref, ref_grads) = grads_on_both(f, *arrays)
    check(out, ref, 1e-4)
    for got, want in zip(grads, ref_grads):
        check(got, want, 1e-4)
    # NumPy: normalized per (sample, group) with the biased variance; PyTorch's gradient formulas
    x = arrays[0].astype(np.float64)
    w, b = [a.astype(np.float64) for a in arrays[1:]] or [np.ones(C), np.zeros(C)]
    cshape = (1, C) + (1,) * (len(shape) - 2)
    xg = x.reshape(shape[0], groups, -1)
    rstd = 1 / np.sqrt(xg.var(2, keepdims=True) + 1e-4)
    xhat = ((xg - xg.mean(2, keepdims=True)) * rstd).reshape(shape)
    check_np(out, xhat * w.reshape(cshape) + b.reshape(cshape), 1e-4)
    gy = cotangent(shape)
    gxhat = (gy * w.reshape(cshape)).reshape(xg.shape)
    xh = xhat.reshape(xg.shape)
    dx = rstd * (gxhat - gxhat.mean(2, keepdims=True) - xh * (gxhat * xh).mean(2, keepdims=True))
    axes = (0,) + tuple(range(2, len(shape)))
    for got, want in zip(grads, [dx.reshape(shape), (gy * xhat).sum(axes), gy.sum(axes)]):
        check_np(got, want, 1e-4)


def test_group_norm_module_on_cuda():
    m = nn.GroupNorm(2, 4).to(DEV)
    x = draw(rng(49), (3, 4, 5), F32)
    out = m(on_gpu(x))
    out.sum().backward()
    ref_m = nn.GroupNorm(2, 4)
    ref = ref_m(cpu(x))
    ref.sum().backward()
    check(out, ref, 1e-4)
    check(m.weight.grad, ref_m.weight.grad, 1e-4)
    check(m.bias.grad, ref_m.bias.grad, 1e-4)


# ---- random numbers ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS, ids=[NAME[d] for d in FLOATS])
def test_uniform_normal_bernoulli_draw_the_right_distributions(dtype):
    ember.manual_seed(1)
    x = ember.empty(200001, dtype=dtype, device=DEV)
    u = x.uniform_(-2, 3).cpu().numpy()
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.02 and abs(u.std() - 5 / 12 ** 0.5) < 0.02
    z = x.normal_(1.5, 2).cpu().numpy()
    assert abs(z.mean() - 1.5) < 0.03 and abs(z.std() - 2) < 0.03
    b = x.bernoulli_(0.3).cpu().numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    assert x.bernoulli_(0).cpu().numpy().sum() == 0 and x.bernoulli_(1).cpu().numpy().min() == 1
    t = ember.zeros(50, 40, dtype=dtype, device=DEV).t()           # a non-contiguous target
    assert (t.uniform_(1, 2).cpu().numpy() >= 1).all()
    assert ember.rand(3, device=DEV).is_cuda                       # factories draw on the CPU and copy


@pytest.mark.parametrize("dtype, args, lo, hi", [
    (I64, (3, 10), 3, 9), (I32, (-5, 5), -5, 4), (F32, (0, 100), 0, 99), (ember.float16, (-3, 4), -3, 3),
    (F64, (-2**40, -2**40 + 7), -2**40, -2**40 + 6), (BOOL, (), 0, 1), (I32, (), 0, 2**31 - 1),
    (F32, (), 0, 2**24), (F64, (), 0, 2**53), (I64, (), 0, 2**63 - 1), (I64, (1, None), 1, 2**63 - 1),
    (I64, (0, 2**60), 0, 2**60 - 1), (I64, (-2**63, None), -2**63, 2**63 - 1),
], ids=["int64", "int32", "float32", "float16", "float64-far", "bool-full", "int32-full", "float32-full",
        "float64-full", "int64-full", "int64-from-1", "int64-2**60", "int64-all-bits"])
def test_random_draws_every_value_of_its_range(dtype, args, lo, hi):
    ember.manual_seed(3)
    v = ember.empty(20000, dtype=dtype, device=DEV).random_(*args).cpu().numpy().astype(np.float64)
    assert v.min() >= lo and v.max() <= hi and np.all(v == np.round(v))
    if hi - lo < 100:  # a small range: every value, about equally often
        counts = np.bincount((v - lo).astype(np.int64), minlength=hi - lo + 1)
        assert len(counts) == hi - lo + 1 and counts.min() > 0.7 * len(v) / len(counts)
    else:  # a wide one: spread over it (a uniform's mean within 2% of the middle)
        assert abs((v.mean() - lo) / (hi - lo) - 0.5) < 0.02
    t = ember.zeros(40, 30, dtype=dtype, device=DEV).t()  # a non-contiguous target
    w = t.random_(*args).cpu().numpy().astype(np.float64)
    assert (w >= lo).all() and (w <= hi).all()


def test_bernoulli_of_a_probability_tensor():
    ember.manual_seed(4)
    p = ember.tensor(np.tile([0.0, 0.25, 0.9, 1.0], 25000), dtype=F32, device=DEV)
    b = ember.bernoulli(p)
    assert b.dtype == F32 and b.is_cuda
    v = b.cpu().numpy().reshape(-1, 4)
    assert set(np.unique(v)) <= {0.0, 1.0}
    assert v[:, 0].sum() == 0 and v[:, 3].min() == 1
    assert abs(v[:, 1].mean() - 0.25) < 0.01 and abs(v[:, 2].mean() - 0.9) < 0.01
    assert ember.bernoulli(p.to(ember.float16)).dtype == ember.float16


def test_random_draws_repeat_after_manual_seed():
    ember.manual_seed(5)
    a = ember.empty(1000, device=DEV).normal_().cpu().numpy()
    b = ember.empty(1000, device=DEV).normal_().cpu().numpy()
    ember.manual_seed(5)
    np.testing.assert_array_equal(ember.empty(1000, device=DEV).normal_().cpu().numpy(), a)
    assert not np.array_equal(a, b)
    with pytest.raises(RuntimeError, match="generator argument is only supported for CPU tensors"):
        ember.empty(3, device=DEV).uniform_(generator=ember.Generator())


def test_cuda_manual_seed_and_initial_seed():
    ember.cuda.manual_seed(123)
    assert ember.cuda.initial_seed() == 123
    a = ember.empty(7, device=DEV).uniform_().cpu().numpy()
    ember.cuda.manual_seed(123)
    np.testing.assert_array_equal(ember.empty(7, device=DEV).uniform_().cpu().numpy(), a)


def test_dropout_on_cuda():
    ember.manual_seed(2)
    x = ember.ones(100000, device=DEV, requires_grad=True)
    y = nn.Dropout(0.25)(x)
    v = y.detach().cpu().numpy()
    assert set(np.unique(v)) <= {0.0, np.float32(1 / 0.75)} and abs((v == 0).mean() - 0.25) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), v)


# ---- the allocator -------------------------------------------------------------------------
def test_allocator_reuses_blocks_and_counts():
    ember.cuda.synchronize()
    base = ember.cuda.memory_allocated()
    x = ember.empty(1 << 20, device=DEV)                      # 4 MiB
    assert ember.cuda.memory_allocated() >= base + (4 << 20)
    ptr = x.data_ptr()
    reserved = ember.cuda.memory_reserved()
    del x
    assert ember.cuda.memory_allocated() == base
    y = ember.empty(1 << 20, device=DEV)
    assert y.data_ptr() == ptr                                # the cached block, no new cudaMalloc
    assert ember.cuda.memory_reserved() == reserved
    ember.cuda.reset_peak_memory_stats()
    assert ember.cuda.max_memory_allocated() == ember.cuda.memory_allocated()
    z = ember.empty(2 << 20, device=DEV)
    assert ember.cuda.max_memory_allocated() >= ember.cuda.memory_allocated()
    del y, z
    ember.cuda.empty_cache()
    assert ember.cuda.memory_reserved() == ember.cuda.memory_allocated()


def test_out_of_memory_raises_and_recovers():
    free, total = ember.cuda.mem_get_info()
    with pytest.raises(ember.cuda.OutOfMemoryError, match="CUDA out of memory. Tried to allocate") as e:
        ember.empty(total, dtype=ember.float64, device=DEV)    # 8x the GPU
    assert isinstance(e.value, RuntimeError) and "free" in str(e.value)
    x = ember.ones(1000, device=DEV)                           # still usable
    assert x.sum().item() == 1000.0


# ---- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: ember.mul(b, a), lambda a, b: a @ b.t(),
    lambda a, b: ember.where(a > 0, a, b), lambda a, b: ember.clamp(a, min=b),
    lambda a, b: ember.gather(a, 0, b.long()), lambda a, b: ember.gather(b, 0, a.long()),
    lambda a, b: a.scatter(0, a.long(), b), lambda a, b: a.scatter_add(0, b.long(), a),
    lambda a, b: ember.index_select(a, 0, b[0].long()),
    lambda a, b: ember.nn.functional.nll_loss(a, b[0].long()),
    lambda a, b: ember.nn.functional.nll_loss(a, a[0].long(), weight=b[0]),
], ids=["add", "mul", "matmul", "where", "clamp", "gather-index", "gather-self", "scatter-src", "scatter_add-index",
        "index_select", "nll_loss-target", "nll_loss-weight"])
def test_mixed_devices_are_an_error(op):
    a, b = ember.ones(2, 2, device=DEV), ember.ones(2, 2)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but found at least "
                                           "two devices, (cuda:0 and cpu|cpu and cuda:0)!"):
        op(a, b)


def test_randperm_on_cuda_is_drawn_on_the_cpu_and_moved():
    ember.manual_seed(6)
    p = ember.randperm(50, device=DEV)
    assert p.is_cuda and p.dtype == I64
    ember.manual_seed(6)
    np.testing.assert_array_equal(p.cpu().numpy(), ember.randperm(50).numpy())


# ---- streams and events --------------------------------------------------------------------
def test_events_time_work_and_streams_order_it():
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    x = ember.ones(1 << 20, device=DEV)
    start.record()
    for _ in range(10):
        x = x * 1.0001
    end.record()
    end.synchronize()
    assert start.elapsed_time(end) >= 0.0
    s = ember.cuda.Stream()
    with ember.cuda.stream(s):
        assert ember.cuda.current_stream() == s
        y = (x + 1).sum()
    assert ember.cuda.current_stream() != s
    s.synchronize()
    assert y.item() > 0
    other = ember.cuda.Stream()
    other.wait_stream(s)  # an event recorded on s, waited for on other
    other.wait_event(ember.cuda.Event())  # never recorded: nothing to wait for
    other.synchronize()
    ember.cuda.default_stream().synchronize()
    assert ember.cuda.default_stream().query() in (True, False)


def test_allocator_record_stream_and_stream_destroy():
    # a block used on a side stream is reused only after that stream's work; destroying a stream frees its cache
    s = ember.cuda.Stream()
    x = ember.ones(1 << 20, device=DEV)
    with ember.cuda.stream(s):
        y = (x * 2).sum()
    x.record_stream(s)
    del x
    z = ember.zeros(1 << 20, device=DEV)  # may not take x's block while s could still read it
    s.synchronize()
    assert y.item() == 2.0 * (1 << 20) and z.sum().item() == 0.0
    with ember.cuda.stream(s):
        w = ember.empty(1 << 20, device=DEV)
    del w
    reserved = ember.cuda.memory_reserved()
    del s  # its cached block goes back to the driver
    assert ember.cuda.memory_reserved() < reserved
    with pytest.raises(RuntimeError, match="record_stream: expected a CUDA tensor"):
        ember.ones(2).record_stream(ember.cuda.current_stream())


def test_device_queries():
    assert ember.cuda.device_count() >= 1
    assert 0 <= ember.cuda.current_device() < ember.cuda.device_count()
    assert ember.cuda.get_device_capability()[0] >= 5
    assert isinstance(ember.cuda.get_device_name(), str)
    ember.cuda.set_device(0)
    ember.cuda.synchronize()


def test_train_digits_example_on_cuda(tmp_path):
    # the main example end to end with --device cuda: Module.to, batches moved per step,
    # AdamW's fused step, OneCycleLR, argmax accuracy, a checkpoint saved from and loaded
    # back onto the device
    import os
    import sys
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
    import train_digits
    acc = train_digits.main(["--device", "cuda", "--epochs", "3", "--out", str(tmp_path)])
    assert acc > 0.9


def test_dlpack_round_trip_keeps_cuda_memory():
    x = ember.arange(12, dtype=ember.float32, device="cuda").reshape(3, 4)
    assert x.__dlpack_device__() == (2, 0)  # kDLCUDA, device 0
    y = ember.from_dlpack(x)  # through the versioned capsule
    assert y.device == x.device and y.data_ptr() == x.data_ptr()
    z = ember.from_dlpack(x.t().__dlpack__())  # an unversioned capsule of a strided view
    assert z.device == x.device and z.stride() == (1, 4)
    y.add_(1)
    np.testing.assert_array_equal(x.cpu().numpy(), np.arange(12, dtype=np.float32).reshape(3, 4) + 1)


def test_grad_scaler_on_cuda_skips_inf_steps_and_unscales():
    model = nn.Linear(3, 1).to("cuda")
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cuda", init_scale=64.0, growth_interval=1)
    x = ember.ones(4, 3, device="cuda")
    scaler.scale(model(x).sum()).backward()
    scaler.unscale_(opt)
    np.testing.assert_allclose(model.weight.grad.cpu().numpy(), np.full((1, 3), 4.0), rtol=1e-6)
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 128.0
    w = model.weight.detach().cpu().numpy().copy()
    opt.zero_grad()
    scaler.scale(model(x).sum()).backward()
    model.bias.grad.fill_(float("inf"))
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 64.0
    np.testing.assert_array_equal(model.weight.detach().cpu().numpy(), w)


# ---- float16 / bfloat16 and autocast ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16], ids=["float16", "bfloat16"])
def test_reduced_float_tensors(dtype):
    a, b = draw(rng(), (6, 7), F32), draw(rng(), (7, 5), F32)
    x, y = cpu(a).to(dtype), cpu(b).to(dtype)
    gx, gy = x.to(DEV), y.to(DEV)
    assert gx.dtype == dtype and gx.cpu().tolist() == x.tolist()          # bytes moved as they are
    assert cpu(a).to(DEV).to(dtype).cpu().tolist() == x.tolist()          # rounded on the device, as on the CPU
    assert ember.zeros(3, dtype=dtype, device=DEV).cpu().tolist() == [0.0] * 3
    tol = 2.0**-9 if dtype == ember.float16 else 2.0**-6
    for got, want in [(gx + 1, x + 1), (gx * gx, x * x), (ember.exp(gx), ember.exp(x)), (gx @ gy, x @ y),
                      (gx.sum(1), x.sum(1)), (ember.softmax(gx, 1), ember.softmax(x, 1))]:
        assert got.dtype == dtype and got.device.type == DEV
        np.testing.assert_allclose(got.cpu().float().numpy(), want.float().numpy(), rtol=tol, atol=tol)


def test_autocast_cuda_op_lists_and_gradients():
    F = nn.functional
    ember.manual_seed(0)
    lin = nn.Linear(8, 3).to(DEV)
    x = ember.randn(4, 8).to(DEV)
    tgt = ember.tensor([0, 1, 2, 0]).to(DEV)
    with ember.autocast("cuda"):
        assert ember.is_autocast_enabled("cuda") and ember.get_autocast_dtype("cuda") == ember.float16
        y = lin(x)
        assert y.dtype == ember.float16 and (x @ x.t()).dtype == ember.float16
        assert F.relu(y).dtype == ember.float16 and (y * 2).dtype == ember.float16
        for name, t in {"softmax": F.softmax(y, 1), "log_softmax": F.log_softmax(y, 1), "sum": y.sum(),
                        "exp": ember.exp(y), "pow": y.pow(2), "layer_norm": F.layer_norm(y, (3,)),
                        "cross_entropy": F.cross_entropy(y, tgt), "mse_loss": F.mse_loss(y, ember.zeros_like(y))}.items():
            assert t.dtype == F32, name
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            F.binary_cross_entropy(ember.sigmoid(y), ember.zeros_like(y))
        loss = F.cross_entropy(y, tgt)
    loss.backward()
    assert lin.weight.grad.dtype == F32 and lin.weight.grad.device.type == DEV
    # the same linear layer on the CPU under float16 autocast
    lin_cpu = nn.Linear(8, 3)
    lin_cpu.load_state_dict({k: v.cpu() for k, v in lin.state_dict().items()})
    with ember.autocast("cpu", dtype=ember.float16):
        want = lin_cpu(x.cpu())
    np.testing.assert_allclose(y.detach().cpu().float().numpy(), want.detach().float().numpy(), rtol=2.0**-9,
                               atol=2.0**-9)


def test_sort_topk_unique_on_the_device():
    """No device kernels yet: the rows are sorted on the CPU and the results come back to the device (multinomial
    raises: PyTorch draws CUDA samples from the device's own generator)."""
    x = ember.tensor([[3.0, 1.0, 2.0, 1.0], [0.0, 5.0, 4.0, 5.0]], device=DEV, requires_grad=True)
    v, i = x.sort(dim=1, stable=True)
    assert v.device.type == DEV and i.device.type == DEV and i.tolist() == [[1, 3, 2, 0], [0, 2, 1, 3]]
    v, i = x.topk(2)
    assert v.device.type == DEV and i.tolist() == [[0, 2], [1, 3]]
    (v.sum() + x.median(1).values.sum() + x.kthvalue(2, 0).values.sum()).backward()
    assert x.grad.device.type == DEV and x.grad.tolist() == [[2.0, 0.0, 1.0, 1.0], [0.0, 2.0, 2.0, 2.0]]  # torch's
    u, inv, cnt = ember.unique(x.detach(), return_inverse=True, return_counts=True)
    assert u.device.type == DEV and u.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and cnt.tolist() == [1, 2, 1, 1, 1, 2]
    assert x.argsort(1).device.type == DEV
    with pytest.raises(NotImplementedError, match="multinomial on cuda"):
        ember.multinomial(x.detach().abs(), 1)
    assert ember.empty(3, device=DEV).exponential_().device.type == DEV
