"""Layers and activations of ember.nn: forward and gradients against float64
NumPy references (gradients by central differences), float32 results to
float32 rounding, BatchNorm statistics, dropout masks (PyTorch's exact masks
from tests/data/torch_nn.json), and the edge cases where PyTorch defines the
gradient at a kink."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from nn_helpers import cases, check_float32, check_grad, check_record, ids, replay, run_case, CASES

RNG = np.random.default_rng(1234)


def away_from_zero(shape, lo=0.2, hi=2.5):
    """Values with |x| in [lo, hi] and random signs: no kink inside a finite-difference step."""
    return RNG.uniform(lo, hi, size=shape) * RNG.choice([-1.0, 1.0], size=shape)


def erf(x):
    return np.vectorize(math.erf)(x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus_ref(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(np.minimum(x * beta, threshold))) / beta)


def log_softmax_ref(x, dim):
    m = x.max(axis=dim, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=dim, keepdims=True))


ACTIVATIONS = {
    # name: (ember fn, NumPy reference)
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "relu_module": (nn.ReLU(), lambda x: np.maximum(x, 0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "leaky_relu_module": (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    "elu": (lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "elu_module": (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
    "gelu": (nn.GELU(), lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    "gelu_tanh": (nn.GELU("tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (nn.SiLU(), lambda x: x * sigmoid(x)),
    "sigmoid": (nn.Sigmoid(), sigmoid),
    "tanh": (nn.Tanh(), np.tanh),
    "softplus": (nn.Softplus(), softplus_ref),
    "softplus_beta": (nn.Softplus(beta=2.0, threshold=3.0), lambda x: softplus_ref(x, 2.0, 3.0)),
    "logsigmoid": (nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    "mish": (nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "hardtanh": (nn.Hardtanh(-0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0)),
    "relu6": (nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    "softsign": (nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    "tanhshrink": (nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    "softmax": (nn.Softmax(dim=1), lambda x: np.exp(log_softmax_ref(x, 1))),
    "softmin": (nn.Softmin(dim=0), lambda x: np.exp(log_softmax_ref(-x, 0))),
    "log_softmax": (nn.LogSoftmax(dim=-1), lambda x: log_softmax_ref(x, -1)),
    "identity": (nn.Identity(), lambda x: x),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation(name):
    fn, ref = ACTIVATIONS[name]
    x = away_from_zero((3, 5), lo=0.1, hi=3.5)
    x[0, :3] = [0.55, 2.9, -3.3]  # the hardtanh/softplus_beta thresholds lie between samples
    check_grad(fn, ref, [x])
    check_float32(fn, ref, [x])


def test_activation_gradients_at_zero_match_pytorch():
    # PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha, silu'(0) = 1/2 (recorded)
    replay(CASES["elu_leaky_at_zero"])
    replay(CASES["hardtanh_bounds"])  # 0 at the bounds themselves (clamp's gradient is 1 there)
    replay(CASES["gelu_both"])
    replay(CASES["softplus_beta_threshold"])


def test_hardtanh_passes_nan_and_its_gradient():
    x = ember.tensor([float("nan"), 2.0], requires_grad=True)
    y = F.hardtanh(x)
    assert math.isnan(float(y[0]))
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 0.0])  # PyTorch: 1 for NaN


def test_logsigmoid_is_stable():
    x = ember.tensor([-200.0, -30.0, 0.0, 30.0, 200.0], requires_grad=True)
    y = F.logsigmoid(x)
    np.testing.assert_allclose(np.asarray(y.detach()), [-200.0, -30.0, -math.log(2), -9.357623e-14, 0.0], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [1.0, 1.0, 0.5, 9.357623e-14, 0.0], rtol=1e-5, atol=1e-30)


def test_softplus_large_inputs_have_finite_gradients():
    x = ember.tensor([100.0, 1000.0, -1000.0], requires_grad=True)
    F.softplus(x).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 1.0, 0.0])


@pytest.mark.parametrize("fn", [F.relu, F.leaky_relu, F.elu, F.silu, F.mish, F.relu6, F.hardtanh])
def test_inplace_activation_gradients(fn):
    x = ember.tensor(away_from_zero((6,)), requires_grad=True)
    want_out = fn(x)
    want_out.sum().backward()
    want_grad = np.asarray(x.grad).copy()
    x.grad = None
    y = x * 1.0
    out = fn(y, inplace=True)
    assert out is y
    np.testing.assert_allclose(np.asarray(y.detach()), np.asarray(want_out.detach()), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), want_grad, rtol=1e-6)


def test_inplace_on_a_leaf_that_requires_grad_is_an_error():
    replay(CASES["leaf_inplace_error"])


def test_softmax_dtype_and_implicit_dim():
    x = ember.randn(2, 3)
    assert F.softmax(x, dim=1, dtype=ember.float64).dtype == ember.float64
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(np.asarray(y).sum(1), [1.0, 1.0], rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        assert tuple(F.log_softmax(ember.randn(2, 3, 4)).shape) == (2, 3, 4)


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        nn.GELU("exact")(ember.ones(1))


# ---- linear ----
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,), (2, 1, 2, 3)])
def test_linear(shape):
    x, w, b = RNG.normal(size=shape), RNG.normal(size=(2, 3)), RNG.normal(size=(2,))
    check_grad(F.linear, lambda x, w, b: x @ w.T + b, [x, w, b], wrt=(0, 1, 2))
    check_grad(F.linear, lambda x, w: x @ w.T, [x, w], wrt=(0, 1))
    check_float32(F.linear, lambda x, w, b: x @ w.T + b, [x, w, b])


def test_linear_module_uses_its_parameters():
    m = nn.Linear(3, 2)
    x = ember.randn(4, 3)
    y = m(x)
    want = np.asarray(x) @ np.asarray(m.weight.detach()).T + np.asarray(m.bias.detach())
    np.testing.assert_allclose(np.asarray(y.detach()), want, rtol=1e-5, atol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(m.weight.grad), np.tile(np.asarray(x).sum(0), (2, 1)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(m.bias.grad), [4.0, 4.0])
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ember.float64).weight.dtype == ember.float64


def test_flatten_unflatten():
    x = RNG.normal(size=(2, 3, 4))
    check_grad(nn.Flatten(), lambda x: x.reshape(2, 12), [x])
    check_grad(nn.Flatten(0, 1), lambda x: x.reshape(6, 4), [x])
    check_grad(nn.Unflatten(2, (2, 2)), lambda x: x.reshape(2, 3, 2, 2), [x])
    assert tuple(nn.Unflatten(-1, [2, -1])(ember.ones(3, 6)).shape) == (3, 2, 3)


# ---- embedding ----
def test_embedding_forward_and_gradient():
    w = RNG.normal(size=(6, 3))
    idx = np.array([[0, 2, 2], [5, 0, 1]])

    def ref(w):
        return w[idx]
    check_grad(lambda w: F.embedding(ember.tensor(idx), w), ref, [w])
    check_grad(lambda w: F.embedding(ember.tensor(idx, dtype=ember.int32), w), ref, [w])


def test_embedding_padding_idx_gets_no_gradient():
    m = nn.Embedding(5, 2, padding_idx=1)
    with ember.no_grad():
        m.weight[1] = ember.tensor([7.0, 8.0])  # the padding row's value is still returned
    idx = ember.tensor([1, 3, 1, 0])
    out = m(idx)
    np.testing.assert_array_equal(np.asarray(out.detach())[0], [7.0, 8.0])
    out.sum().backward()
    np.testing.assert_array_equal(np.asarray(m.weight.grad), [[1, 1], [0, 0], [0, 0], [1, 1], [0, 0]])


def test_embedding_scale_grad_by_freq_and_max_norm():
    m = nn.Embedding(4, 2, scale_grad_by_freq=True)
    m(ember.tensor([2, 2, 2, 0])).sum().backward()
    np.testing.assert_allclose(np.asarray(m.weight.grad), [[1, 1], [0, 0], [1, 1], [0, 0]])
    m = nn.Embedding(3, 2, max_norm=1.0)
    with ember.no_grad():
        m.weight.copy_(ember.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]))
    out = m(ember.tensor([0, 1]))
    # looked-up rows are renormed in place to max_norm (scale max_norm / (norm + 1e-7)); row 2 is untouched
    np.testing.assert_allclose(np.asarray(m.weight.detach()), [[0.6, 0.8], [0.3, 0.4], [6.0, 8.0]], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(out.detach()), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)


def test_embedding_errors():
    for case in ("embedding_index_error", "embedding_dtype_error", "embedding_padding_error"):
        replay(CASES[case])
    with pytest.raises(NotImplementedError):
        nn.Embedding(3, 2, sparse=True)(ember.tensor([0]))


# ---- normalization ----
def layer_norm_ref(x, w=None, b=None, n=1, eps=1e-5):
    axes = tuple(range(x.ndim - n, x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


@pytest.mark.parametrize("shape, n", [((4, 5), 1), ((2, 3, 4), 2), ((6,), 1)])
def test_layer_norm(shape, n):
    x = RNG.normal(size=shape) * 2 + 1
    w, b = RNG.normal(size=shape[-n:]), RNG.normal(size=shape[-n:])
    ns = shape[-n:]
    check_grad(lambda x, w, b: F.layer_norm(x, ns, w, b), lambda x, w, b: layer_norm_ref(x, w, b, n), [x, w, b],
               wrt=(0, 1, 2), rtol=1e-5)
    check_grad(lambda x: F.layer_norm(x, ns, eps=0.1), lambda x: layer_norm_ref(x, n=n, eps=0.1), [x], rtol=1e-5)
    check_float32(lambda x: nn.LayerNorm(ns)(x), lambda x: layer_norm_ref(x, n=n), [x], atol=1e-5)


def test_layer_norm_module_options():
    m = nn.LayerNorm([2, 3], elementwise_affine=False)
    assert m.weight is None and list(m.parameters()) == []
    m = nn.LayerNorm(3, bias=False)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    replay(CASES["layer_norm_values"])
    replay(CASES["layer_norm_shape_error"])


def batch_norm_train_ref(x, w, b, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axes), x.var(axes)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 5), (1, 3, 2, 3)])
def test_batch_norm_training_forward_and_gradient(shape):
    x = RNG.normal(size=shape) * 3 + 2
    w, b = RNG.normal(size=3), RNG.normal(size=3)
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
               batch_norm_train_ref, [x, w, b], wrt=(0, 1, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_double_backward(training):
    # a recorded backward (create_graph) is built from differentiable ops; gradgradcheck
    # compares its derivative with central differences of the first gradient
    x = ember.tensor(RNG.normal(size=(4, 3, 2, 3)) * 2 + 1, requires_grad=True)
    w = ember.tensor(RNG.normal(size=3), requires_grad=True)
    b = ember.tensor(RNG.normal(size=3), requires_grad=True)
    rm, rv = ember.tensor(RNG.normal(size=3)), ember.tensor(RNG.random(3) + 0.5)
    fn = lambda x, w, b: F.batch_norm(x, None if training else rm, None if training else rv, w, b, training=training)
    assert ember.autograd.gradgradcheck(fn, (x, w, b))


def test_batch_norm_running_stats_and_eval():
    m = nn.BatchNorm1d(3, momentum=0.2)
    x1, x2 = RNG.normal(size=(5, 3, 4)) * 2 + 1, RNG.normal(size=(5, 3, 4)) - 3
    rm, rv = np.zeros(3), np.ones(3)
    for x in (x1, x2):
        y = m(ember.tensor(x, dtype=ember.float32))
        np.testing.assert_allclose(np.asarray(y.detach()), batch_norm_train_ref(x, np.ones(3), np.zeros(3)),
                                   rtol=1e-4, atol=1e-5)
        n = x.size // 3
        rm = 0.8 * rm + 0.2 * x.mean((0, 2))
        rv = 0.8 * rv + 0.2 * x.var((0, 2)) * n / (n - 1)  # the running variance is unbiased
    np.testing.assert_allclose(np.asarray(m.running_mean), rm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(m.running_var), rv, rtol=1e-5, atol=1e-6)
    assert int(m.num_batches_tracked) == 2
    m.eval()
    with ember.no_grad():
        m.weight.fill_(2.0)
        m.bias.fill_(0.5)
    y = m(ember.tensor(x1, dtype=ember.float32))
    want = (x1 - rm[None, :, None]) / np.sqrt(rv[None, :, None] + 1e-5) * 2 + 0.5
    np.testing.assert_allclose(np.asarray(y.detach()), want, rtol=1e-4, atol=1e-5)
    assert int(m.num_batches_tracked) == 2  # eval changes no statistics
    np.testing.assert_allclose(np.asarray(m.running_mean), rm, rtol=1e-5, atol=1e-6)


def test_batch_norm_eval_gradient():
    rm, rv = RNG.normal(size=3), RNG.uniform(0.5, 2, size=3)
    x, w, b = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=3)
    check_grad(lambda x, w, b: F.batch_norm(x, ember.tensor(rm), ember.tensor(rv), w, b, training=False),
               lambda x, w, b: (x - rm) / np.sqrt(rv + 1e-5) * w + b, [x, w, b], wrt=(0, 1, 2))


def test_batch_norm_momentum_none_is_a_cumulative_average():
    m = nn.BatchNorm1d(2, momentum=None)
    xs = [RNG.normal(size=(4, 2)) + k for k in range(3)]
    for x in xs:
        m(ember.tensor(x, dtype=ember.float32))
    np.testing.assert_allclose(np.asarray(m.running_mean), np.mean([x.mean(0) for x in xs], axis=0), rtol=1e-5)
    # factor 1/k at batch k: the initial running_var (1) is replaced by the first batch's, then averaged
    np.testing.assert_allclose(np.asarray(m.running_var), np.mean([x.var(0, ddof=1) for x in xs], axis=0), rtol=1e-5)
    replay(CASES["batchnorm_cumulative"])


def test_batch_norm_without_running_stats_or_affine():
    m = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(m.parameters()) == [] and list(m.buffers()) == []
    x = RNG.normal(size=(5, 3)) * 4
    for mode in (m.train(), m.eval()):  # batch statistics in both modes
        y = mode(ember.tensor(x))
        np.testing.assert_allclose(np.asarray(y), batch_norm_train_ref(x, np.ones(3), np.zeros(3)), rtol=1e-5,
                                   atol=1e-6)


def test_batch_norm_matches_pytorch_and_errors():
    replay(CASES["batchnorm_train_eval"])
    replay(CASES["batchnorm_dim_error"])
    replay(CASES["batchnorm_one_value_error"])
    nn.BatchNorm1d(3).eval()(ember.ones(1, 3))  # one sample is fine in eval mode
    assert tuple(nn.BatchNorm2d(2)(ember.randn(3, 2, 4, 4)).shape) == (3, 2, 4, 4)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ember.ones(2, 3), None, None, training=False)


# ---- dropout ----
DROPOUT = cases("tensors", prefix="dropout_")


@pytest.mark.parametrize("case", DROPOUT, ids=ids(DROPOUT))
def test_dropout_masks_match_pytorch(case):
    replay(case)


def test_dropout_scaling_and_gradient():
    ember.manual_seed(0)
    x = ember.tensor(RNG.normal(size=(50, 40)), dtype=ember.float32, requires_grad=True)
    y = F.dropout(x, 0.3)
    ratio = np.asarray(y.detach()) / np.asarray(x.detach())
    kept = ratio != 0
    np.testing.assert_allclose(ratio[kept], np.float32(1) / np.float32(0.7), rtol=1e-6)
    assert 0.65 < kept.mean() < 0.75
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), ratio, rtol=1e-6)


def test_dropout_identity_cases():
    x = ember.randn(4, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    m = nn.Dropout(0.5)
    m.eval()
    assert m(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        F.dropout(x, -0.1)


# ---- pad, one_hot ----
PAD_REFS = [
    ((1, 2), "constant", lambda a: np.pad(a, ((0, 0), (0, 0), (1, 2)))),
    ((1, 0, 2, 1), "constant", lambda a: np.pad(a, ((0, 0), (2, 1), (1, 0)))),
    ((-1, 1, 0, -1), "constant", lambda a: np.pad(a[:, :-1, 1:], ((0, 0), (0, 0), (0, 1)))),
    ((2, 1), "reflect", lambda a: np.pad(a, ((0, 0), (0, 0), (2, 1)), mode="reflect")),
    ((1, 1, 1, 0), "reflect", lambda a: np.pad(a, ((0, 0), (1, 0), (1, 1)), mode="reflect")),
    ((2, 3), "replicate", lambda a: np.pad(a, ((0, 0), (0, 0), (2, 3)), mode="edge")),
    ((1, 2), "circular", lambda a: np.pad(a, ((0, 0), (0, 0), (1, 2)), mode="wrap")),
]


@pytest.mark.parametrize("pad, mode, ref", PAD_REFS, ids=[f"{m}{p}" for p, m, _ in PAD_REFS])
def test_pad(pad, mode, ref):
    x = RNG.normal(size=(2, 3, 4))
    check_grad(lambda x: F.pad(x, pad, mode=mode), ref, [x])


def test_pad_value_and_recorded_cases():
    np.testing.assert_array_equal(np.asarray(F.pad(ember.ones(1, 2), (1, 1), value=-2.0)), [[-2, 1, 1, -2]])
    for case in ("pad_modes", "pad_odd_error", "pad_long_error", "pad_reflect_error"):
        replay(CASES[case])


def test_one_hot():
    t = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(np.asarray(F.one_hot(ember.tensor(t), 5)), np.eye(5, dtype=np.int64)[t])
    assert F.one_hot(ember.tensor([1, 2])).dtype == ember.int64
    for case in ("one_hot_values", "one_hot_error_negative", "one_hot_error_too_big", "one_hot_error_dtype"):
        replay(CASES[case])


def test_normalize():
    x = RNG.normal(size=(3, 4))
    check_grad(F.normalize, lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12), [x])


# ---- a small model end to end ----
def test_mlp_training_step_decreases_loss():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
    x, t = ember.randn(32, 4), ember.randint(0, 3, (32,))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(30):
        loss = loss_fn(model(x), t)
        model.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        with ember.no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.5)
        losses.append(float(loss))
    assert losses[-1] < 0.7 * losses[0]


def test_recorded_layer_cases_use_check_record():
    # check_record is the comparison every recorded tensor goes through; it must notice a one-ulp change
    ns = run_case(CASES["layer_norm_values"])
    rec = CASES["layer_norm_values"]["expected"][0]
    y = ns["y"].detach().clone()
    check_record(y, rec, exact=False)
    with pytest.raises(AssertionError):
        check_record(y * 1.01, rec, exact=False)
    with pytest.raises(AssertionError):
        check_record(y + 1e-6, rec, exact=True)
