"""ember.autocast on the CPU: which ops run in the low-precision dtype and which
in float32 (PyTorch's CPU lists: the dtypes below are what torch 2.13 gives
for the same calls), the values of the cast ops against NumPy, state handling
(nesting, decorator, exceptions, errors and warnings), gradients, and the
mixed-precision training loop of PyTorch's AMP recipe with a GradScaler."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from test_half import bf16_round, rounded

BF16, F16, F32, F64 = ember.bfloat16, ember.float16, ember.float32, ember.float64


def test_cpu_op_lists():
    ember.manual_seed(0)
    x, w = ember.randn(4, 8), ember.randn(3, 8)
    lin, conv = nn.Linear(8, 3), nn.Conv2d(1, 2, 3)
    with ember.autocast("cpu"):
        assert ember.is_autocast_enabled("cpu") and ember.get_autocast_dtype("cpu") == BF16
        y = lin(x)
        lower = {"linear": y, "matmul": x @ w.t(), "mm": ember.mm(x, w.t()), "bmm": ember.bmm(x[None], w.t()[None]),
                 "conv2d": conv(ember.randn(1, 1, 5, 5)),
                 "conv_transpose2d": F.conv_transpose2d(ember.randn(1, 2, 3, 3), ember.randn(2, 1, 3, 3))}
        for name, t in lower.items():
            assert t.dtype == BF16, name
        # not listed: run in their inputs' dtype (promotion as usual)
        assert F.relu(y).dtype == BF16 and F.softmax(y, 1).dtype == BF16 and ember.exp(y).dtype == BF16
        assert y.sum().dtype == BF16 and (y + x[:, :3]).dtype == F32 and F.layer_norm(y, (3,)).dtype == BF16
        # the float32 list
        tgt = ember.tensor([0, 1, 2, 0])
        assert F.cross_entropy(y, tgt).dtype == F32
        assert F.nll_loss(F.log_softmax(y, 1), tgt).dtype == F32
        assert F.mse_loss(y, ember.zeros(4, 3)).dtype == F32
        assert F.l1_loss(y, ember.zeros(4, 3)).dtype == F32
        assert F.binary_cross_entropy_with_logits(y, ember.zeros(4, 3)).dtype == F32
        assert ember.prod(y).dtype == F32
        # float64 is not cast
        assert (x.double() @ w.t().double()).dtype == F64
    assert not ember.is_autocast_enabled("cpu")
    assert lin(x).dtype == F32


def test_values_of_cast_ops():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(16, 40)).astype(np.float32), rng.normal(size=(40, 8)).astype(np.float32)
    with ember.autocast("cpu"):
        got = (ember.tensor(a) @ ember.tensor(b)).float().numpy()
    # inputs rounded to bfloat16, products summed in float32, the result rounded once
    want = bf16_round(bf16_round(a).astype(np.float64) @ bf16_round(b))
    np.testing.assert_allclose(got, want, rtol=2.0**-7)
    with ember.autocast("cpu", dtype=F16):
        got = ember.mm(ember.tensor(a), ember.tensor(b))
    assert got.dtype == F16
    want = rounded(rounded(a, F16).astype(np.float64) @ rounded(b, F16), F16)
    np.testing.assert_allclose(got.float().numpy(), want, rtol=2.0**-10)


def test_gradients_reach_float32_params():
    ember.manual_seed(1)
    lin = nn.Linear(5, 2)
    x = ember.randn(7, 5)
    with ember.autocast("cpu"):
        loss = lin(x).float().pow(2).sum()
    loss.backward()
    assert lin.weight.grad.dtype == F32 and lin.bias.grad.dtype == F32
    # d/dW sum(y^2) = 2 y^T x, with x, W, b rounded to bfloat16 and y rounded once
    xb = bf16_round(x.numpy())
    wb, bb = bf16_round(lin.weight.detach().numpy()), bf16_round(lin.bias.detach().numpy())
    y = bf16_round(xb.astype(np.float64) @ wb.T + bb)
    np.testing.assert_allclose(lin.weight.grad.numpy(), 2 * y.T @ xb, rtol=2.0**-6, atol=2.0**-6)


def test_state_nesting_decorator_and_exceptions():
    assert not ember.is_autocast_enabled("cpu")
    with ember.autocast("cpu", dtype=F16):
        with ember.autocast("cpu", enabled=False):
            assert not ember.is_autocast_enabled("cpu")
            assert ember.mm(ember.ones(2, 2), ember.ones(2, 2)).dtype == F32
        assert ember.is_autocast_enabled("cpu") and ember.get_autocast_dtype("cpu") == F16
    assert ember.get_autocast_dtype("cpu") == BF16

    @ember.autocast("cpu")
    def f(a):
        return a @ a

    assert f(ember.ones(2, 2)).dtype == BF16 and not ember.is_autocast_enabled("cpu")
    with pytest.raises(KeyError):
        with ember.amp.autocast("cpu"):
            raise KeyError("x")
    assert not ember.is_autocast_enabled("cpu")


def test_errors_and_warnings():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.autocast(ember.device("cpu"))
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        ember.autocast("tpu")
    with pytest.warns(UserWarning, match="the target dtype is not supported"):
        ac = ember.autocast("cpu", dtype=F64)
    with ac:
        assert not ember.is_autocast_enabled("cpu")
    if not ember.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available. Disabling"):
            with ember.autocast("cuda"):
                assert not ember.is_autocast_enabled("cuda")
    with pytest.warns(FutureWarning, match="ember.cuda.amp.autocast"):
        ember.cuda.amp.autocast(enabled=False)


def test_amp_recipe_trains():
    # PyTorch's "Automatic Mixed Precision" recipe, on the CPU with bfloat16
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cpu")
    x = ember.randn(128, 10)
    y = (x[:, 0] + x[:, 1] > 0).long()
    losses = []
    for _ in range(40):
        with ember.autocast(device_type="cpu", dtype=ember.bfloat16):
            out = model(x)
            assert out.dtype == BF16
            loss = F.cross_entropy(out, y)
            assert loss.dtype == F32
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        losses.append(loss.item())
    assert all(p.dtype == F32 for p in model.parameters())
    assert losses[-1] < 0.6 * losses[0]


def test_no_warning_when_unused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ember.autocast("cpu"):
            pass


def test_weight_casts_are_cached_until_the_outermost_region_exits():
    # PyTorch's cast cache: a weight (float32 leaf requiring grad) is cast once
    # per outermost autocast region. torch 2.13 shows the consequence for a
    # training loop wrapped whole in autocast: the SGD steps change the float32
    # weights, but the forward keeps using the first cast, so the loss repeats.
    ember.manual_seed(0)
    m = nn.Linear(4, 3)
    x = ember.randn(8, 4)
    w0, b0 = m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()
    opt = ember.optim.SGD(m.parameters(), lr=0.5)
    # NumPy reference of the first forward: bf16 operands, float32 GEMM rounded to bf16
    out = bf16_round(bf16_round(x.numpy()).astype(np.float64) @ bf16_round(w0).astype(np.float64).T
                     + bf16_round(b0))
    expected = np.mean(out.astype(np.float64) ** 2)

    def run(cache_enabled):
        losses = []
        with ember.autocast("cpu", dtype=BF16, cache_enabled=cache_enabled):
            for _ in range(3):
                loss = m(x).float().pow(2).mean()
                losses.append(loss.item())
                opt.zero_grad()
                loss.backward()
                opt.step()
        return losses

    cached = run(None)
    assert cached[0] == cached[1] == cached[2]
    assert cached[0] == pytest.approx(expected, rel=1e-6)
    assert m.weight.grad is not None and not np.array_equal(m.weight.detach().numpy(), w0)
    uncached = run(False)  # a new region: new casts of the updated weights, then one per call
    assert uncached[0] != cached[0] and uncached[1] != uncached[0]


def test_cast_made_under_no_grad_is_not_reused_with_grad_on():
    # An evaluation under no_grad inside the region must not cut the next
    # forward's weights off the graph (torch 2.13 gives gradients here).
    lin = nn.Linear(4, 3)
    x = ember.randn(2, 4)
    with ember.autocast("cpu", dtype=BF16):
        with ember.no_grad():
            assert not lin(x).requires_grad
        y = lin(x)
        assert y.requires_grad and y.dtype == BF16
        y.float().sum().backward()
    # d(sum)/dW = column sums of x, rounded to bfloat16 as the GEMM's operand was
    expected = np.broadcast_to(bf16_round(x.numpy()).astype(np.float64).sum(0), (3, 4))
    np.testing.assert_allclose(lin.weight.grad.numpy(), expected, rtol=1e-2)


def test_cache_state_functions():
    assert ember.is_autocast_cache_enabled()
    lin = nn.Linear(2, 2)
    with ember.autocast("cpu"):
        a = lin(ember.ones(1, 2))
        with ember.autocast("cpu"):  # a nested region shares the outer cache
            b = lin(ember.ones(1, 2))
        assert a.dtype == b.dtype == BF16
        ember.set_autocast_cache_enabled(False)
        assert not ember.is_autocast_cache_enabled()
    assert ember.is_autocast_cache_enabled()  # restored on exit
    assert ember.autocast_increment_nesting() == 1 and ember.autocast_decrement_nesting() == 0
    ember.clear_autocast_cache()
