"""Losses of ember.nn: each loss x reduction x option against a float64 NumPy
reference written from PyTorch's formulas (forward, and gradients by central
differences), the modules against the functions, PyTorch's own values for the
tricky cases (tests/data/torch_nn.json), and PyTorch's errors and warnings."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from nn_helpers import CASES, cases, check_float32, check_grad, ids, replay

RNG = np.random.default_rng(99)
REDUCTIONS = ("mean", "sum", "none")


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


# ---- regression losses ----
def smooth_l1(d, beta):
    ad = np.abs(d)
    return np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta) if beta > 0 else ad


def huber(d, delta):
    ad = np.abs(d)
    return np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))


REGRESSION = {
    # name: (ember fn(x, t, reduction), reference elementwise loss of d = x - t)
    "mse": (lambda x, t, r: F.mse_loss(x, t, reduction=r), lambda d: d * d),
    "l1": (lambda x, t, r: F.l1_loss(x, t, reduction=r), np.abs),
    "smooth_l1": (lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r), lambda d: smooth_l1(d, 1.0)),
    "smooth_l1_beta": (lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.3), lambda d: smooth_l1(d, 0.3)),
    "smooth_l1_beta0": (lambda x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.0), np.abs),
    "huber": (lambda x, t, r: F.huber_loss(x, t, reduction=r), lambda d: huber(d, 1.0)),
    "huber_delta": (lambda x, t, r: F.huber_loss(x, t, reduction=r, delta=2.5), lambda d: huber(d, 2.5)),
    "mse_module": (lambda x, t, r: nn.MSELoss(reduction=r)(x, t), lambda d: d * d),
    "l1_module": (lambda x, t, r: nn.L1Loss(reduction=r)(x, t), np.abs),
    "smooth_l1_module": (lambda x, t, r: nn.SmoothL1Loss(reduction=r, beta=0.5)(x, t), lambda d: smooth_l1(d, 0.5)),
    "huber_module": (lambda x, t, r: nn.HuberLoss(reduction=r, delta=0.5)(x, t), lambda d: huber(d, 0.5)),
}


def regression_inputs(shape=(4, 5)):
    """x, t with |x - t| away from 0 and from the beta/delta kinks (0.3, 0.5, 1, 2.5)."""
    t = RNG.normal(size=shape)
    mags = RNG.choice([0.1, 0.4, 0.7, 1.6, 3.2], size=shape) + RNG.uniform(-0.05, 0.05, size=shape)
    return t + mags * RNG.choice([-1.0, 1.0], size=shape), t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(REGRESSION))
def test_regression_loss(name, reduction):
    fn, elem = REGRESSION[name]
    x, t = regression_inputs()

    def ref(x, t):
        return reduce(elem(x - t), reduction)
    check_grad(lambda x, t: fn(x, t, reduction), ref, [x, t], wrt=(0, 1))
    check_float32(lambda x, t: fn(x, t, reduction), ref, [x, t])


def test_regression_loss_on_seed_program_shapes():
    # the seeds' linear regression: (N, 1) outputs against (N, 1) targets
    out = ember.tensor([[1.0], [2.0], [3.5]], requires_grad=True)
    loss = nn.MSELoss()(out, ember.tensor([[2.0], [4.0], [6.0]]))
    assert float(loss) == pytest.approx((1 + 4 + 6.25) / 3)
    loss.backward()
    np.testing.assert_allclose(np.asarray(out.grad), [[-2 / 3], [-4 / 3], [-5 / 3]], rtol=1e-6)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss])
def test_weighted_regression_divides_by_the_weight_sum(fn):
    x, t = regression_inputs((3, 2))
    w = RNG.uniform(0.5, 2, size=(3, 2))
    elem = (lambda d: d * d) if fn is F.mse_loss else np.abs
    check_grad(lambda x: fn(x, ember.tensor(t), weight=ember.tensor(w)), lambda x: np.sum(elem(x - t) * w) / w.sum(),
               [x])
    check_grad(lambda x: F.huber_loss(x, ember.tensor(t), weight=ember.tensor(w)),  # huber: the plain mean
               lambda x: np.mean(huber(x - t, 1.0) * w), [x])


def test_size_mismatch_warns_and_broadcasts():
    x, t = ember.ones(3, 1), ember.tensor([1.0, 2.0, 3.0])
    for fn in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss):
        with pytest.warns(UserWarning, match=r"Using a target size \(ember.Size\(\[3\]\)\) that is different to the "
                                             r"input size \(ember.Size\(\[3, 1\]\)\)\. This will likely lead to "
                                             "incorrect results due to broadcasting"):
            loss = fn(x, t, reduction="none")
        assert tuple(loss.shape) == (3, 3)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="must match the size of tensor b"):
        F.mse_loss(ember.ones(3, 4), ember.ones(5))


def test_legacy_size_average_and_reduce():
    x, t = ember.tensor([1.0, 3.0]), ember.zeros(2)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, please use "
                                         "reduction='sum' instead."):
        assert float(F.mse_loss(x, t, size_average=False)) == 10.0
    with pytest.warns(UserWarning):
        assert tuple(nn.L1Loss(reduce=False)(x, t).shape) == (2,)


# ---- classification losses ----
def nll_ref(logp, t, w=None, ignore_index=-100, reduction="mean"):
    """PyTorch's nll_loss: class dim 1 (0 for unbatched); 'mean' divides by the summed weights of counted targets."""
    if logp.ndim == 1:
        logp, t = logp[None], np.asarray(t)[None]
        squeeze = True
    else:
        squeeze = False
    lp = np.moveaxis(logp, 1, -1).reshape(-1, logp.shape[1])
    tf = np.asarray(t).reshape(-1)
    w = np.ones(logp.shape[1]) if w is None else w
    keep = tf != ignore_index
    safe = np.where(keep, tf, 0)
    wt = np.where(keep, w[safe], 0.0)
    per = -lp[np.arange(len(tf)), safe] * wt
    if reduction == "none":
        return per.reshape(()) if squeeze else per.reshape(np.shape(t))
    if reduction == "sum":
        return per.sum()
    return per.sum() / wt.sum()


def ce_ref(x, t, w=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    cd = 0 if x.ndim == 1 else 1
    c = x.shape[cd]
    logp = log_softmax(x, cd)
    nll = nll_ref(logp, t, w, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    wb = np.ones(c) if w is None else w
    shape = [1] * x.ndim
    shape[cd] = c
    smooth = -(logp * wb.reshape(shape)).sum(cd)
    keep = np.asarray(t) != ignore_index
    smooth = np.where(keep, smooth, 0.0)
    if reduction == "mean":
        denom = wb[np.asarray(t)[keep]].sum() if w is not None else keep.sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + label_smoothing / c * smooth


def ce_prob_ref(x, q, w=None, reduction="mean", label_smoothing=0.0):
    cd = 0 if x.ndim == 1 else 1
    c = x.shape[cd]
    q = q * (1 - label_smoothing) + label_smoothing / c
    shape = [1] * x.ndim
    shape[cd] = c
    prod = log_softmax(x, cd) * q * (1.0 if w is None else w.reshape(shape))
    if reduction == "none":
        return -prod.sum(cd)
    return -prod.sum() if reduction == "sum" else -prod.sum() / (x.size // c)


W4 = np.array([0.5, 2.0, 1.0, 3.0])
TARGETS = {
    "plain": np.array([1, 0, 3, 3, 2]),
    "ignored": np.array([1, -100, 3, 2, -100]),
    "ignore_2": np.array([1, 2, 3, 2, 0]),
}
CE_OPTIONS = [
    # (id, target key, weight, ignore_index, label_smoothing)
    ("plain", "plain", None, -100, 0.0),
    ("weight", "plain", W4, -100, 0.0),
    ("ignore", "ignored", None, -100, 0.0),
    ("weight_ignore", "ignored", W4, -100, 0.0),
    ("ignore_index_2", "ignore_2", W4, 2, 0.0),
    ("smooth", "plain", None, -100, 0.2),
    ("smooth_weight_ignore", "ignored", W4, -100, 0.3),
    ("smooth_ignore_2", "ignore_2", None, 2, 1.0),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opt", CE_OPTIONS, ids=[o[0] for o in CE_OPTIONS])
def test_cross_entropy_class_indices(opt, reduction):
    _, key, w, ii, ls = opt
    x, t = RNG.normal(size=(5, 4)) * 2, TARGETS[key]
    wt = None if w is None else ember.tensor(w, dtype=ember.float64)

    def fn(x):
        return F.cross_entropy(x, ember.tensor(t), weight=wt, ignore_index=ii, reduction=reduction,
                               label_smoothing=ls)
    check_grad(fn, lambda x: ce_ref(x, t, w, ii, reduction, ls), [x])
    module = nn.CrossEntropyLoss(weight=wt, ignore_index=ii, reduction=reduction, label_smoothing=ls)
    np.testing.assert_allclose(np.asarray(module(ember.tensor(x), ember.tensor(t))), ce_ref(x, t, w, ii, reduction, ls),
                               rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ls", [0.0, 0.25])
def test_cross_entropy_spatial_and_unbatched(reduction, ls):
    x = RNG.normal(size=(2, 3, 4))
    t = np.array([[0, 2, -100, 1], [1, 1, 0, 2]])
    w = np.array([1.0, 0.5, 2.0])
    check_grad(lambda x: F.cross_entropy(x, ember.tensor(t), weight=ember.tensor(w), reduction=reduction,
                                         label_smoothing=ls),
               lambda x: ce_ref(x, t, w, -100, reduction, ls), [x])
    x1 = RNG.normal(size=4)
    check_grad(lambda x: F.cross_entropy(x, ember.tensor(2), reduction=reduction, label_smoothing=ls),
               lambda x: ce_ref(x, np.array(2), None, -100, reduction, ls), [x1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("w, ls", [(None, 0.0), (W4, 0.0), (None, 0.2), (W4, 0.1)], ids=["plain", "weight", "smooth",
                                                                                        "weight_smooth"])
def test_cross_entropy_class_probabilities(w, ls, reduction):
    x = RNG.normal(size=(5, 4))
    q = np.exp(log_softmax(RNG.normal(size=(5, 4)), 1))
    wt = None if w is None else ember.tensor(w, dtype=ember.float64)
    check_grad(lambda x, q: F.cross_entropy(x, q, weight=wt, reduction=reduction, label_smoothing=ls),
               lambda x, q: ce_prob_ref(x, q, w, reduction, ls), [x, q], wrt=(0, 1))


def test_cross_entropy_float32_and_ignore_all():
    x, t = RNG.normal(size=(5, 4)), TARGETS["plain"]
    check_float32(lambda x: F.cross_entropy(x, ember.tensor(t), label_smoothing=0.1),
                  lambda x: ce_ref(x, t, label_smoothing=0.1), [x])
    all_ignored = F.cross_entropy(ember.ones(2, 3), ember.tensor([-100, -100]))
    assert np.isnan(float(all_ignored))  # 0 / 0, as PyTorch


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("w, ii", [(None, -100), (W4, -100), (W4, 3)], ids=["plain", "weight", "weight_ignore_3"])
def test_nll_loss(w, ii, reduction):
    logp = log_softmax(RNG.normal(size=(5, 4)), 1)
    t = TARGETS["ignored"] if ii == -100 else TARGETS["plain"]
    wt = None if w is None else ember.tensor(w, dtype=ember.float64)
    check_grad(lambda x: F.nll_loss(x, ember.tensor(t), weight=wt, ignore_index=ii, reduction=reduction),
               lambda x: nll_ref(x, t, w, ii, reduction), [logp])
    module = nn.NLLLoss(weight=wt, ignore_index=ii, reduction=reduction)
    np.testing.assert_allclose(np.asarray(module(ember.tensor(logp), ember.tensor(t))), nll_ref(logp, t, w, ii, reduction),
                               rtol=1e-12)


# ---- binary losses ----
def bce_ref(p, y, w=None, reduction="mean"):
    with np.errstate(divide="ignore"):
        loss = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))
    return reduce(loss * (1.0 if w is None else w), reduction)


def bce_logits_ref(x, y, w=None, pw=None, reduction="mean"):
    lw = 1.0 if pw is None else 1 + (pw - 1) * y
    loss = (1 - y) * x - lw * log_sigmoid(x)
    return reduce(loss * (1.0 if w is None else w), reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(weighted, reduction):
    p = RNG.uniform(0.05, 0.95, size=(3, 4))
    y = RNG.uniform(0, 1, size=(3, 4))
    w = RNG.uniform(0.5, 2, size=(4,)) if weighted else None  # broadcast over the rows
    wt = None if w is None else ember.tensor(w, dtype=ember.float64)
    check_grad(lambda p, y: F.binary_cross_entropy(p, y, weight=wt, reduction=reduction),
               lambda p, y: bce_ref(p, y, w, reduction), [p, y], wrt=(0, 1))
    check_float32(lambda p, y: nn.BCELoss(reduction=reduction)(p, y), lambda p, y: bce_ref(p, y, None, reduction),
                  [p, y])


def test_binary_cross_entropy_at_zero_and_one():
    # logs clamped at -100 (a finite loss); PyTorch's gradient (x - t) / max(x (1 - x), 1e-12) (recorded)
    p = ember.tensor([0.0, 1.0, 0.0, 1.0])
    y = ember.tensor([1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(np.asarray(F.binary_cross_entropy(p, y, reduction="none")), [100, 100, 0, 0])
    replay(CASES["bce_at_zero_and_one"])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted, pos", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["plain", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits(weighted, pos, reduction):
    x = RNG.normal(size=(3, 4)) * 3
    y = RNG.uniform(0, 1, size=(3, 4))
    w = RNG.uniform(0.5, 2, size=(3, 1)) if weighted else None
    pw = RNG.uniform(0.5, 3, size=(4,)) if pos else None
    wt = None if w is None else ember.tensor(w, dtype=ember.float64)
    pwt = None if pw is None else ember.tensor(pw, dtype=ember.float64)
    check_grad(lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=wt, pos_weight=pwt, reduction=reduction),
               lambda x, y: bce_logits_ref(x, y, w, pw, reduction), [x, y], wrt=(0, 1))
    module = nn.BCEWithLogitsLoss(weight=wt, pos_weight=pwt, reduction=reduction)
    np.testing.assert_allclose(np.asarray(module(ember.tensor(x), ember.tensor(y))),
                               bce_logits_ref(x, y, w, pw, reduction), rtol=1e-12)


def test_binary_cross_entropy_with_logits_is_stable():
    replay(CASES["bce_logits_extremes"])
    replay(CASES["logsigmoid_via_bce_logits_at_zero"])


# ---- KL divergence ----
def kl_ref(x, t, reduction, log_target=False):
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        safe = np.where(t == 0, 1.0, t)
        loss = t * np.log(safe) - t * x
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return reduce(loss, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = log_softmax(RNG.normal(size=(4, 5)), 1)
    q = np.exp(log_softmax(RNG.normal(size=(4, 5)), 1))
    t = np.log(q) if log_target else q
    fn = (lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target))
    if reduction == "mean":
        with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both the batch size and "
                                             "the support size"):
            check_grad(fn, lambda x, t: kl_ref(x, t, reduction, log_target), [x, t], wrt=(0, 1))
    else:
        check_grad(fn, lambda x, t: kl_ref(x, t, reduction, log_target), [x, t], wrt=(0, 1))
        np.testing.assert_allclose(
            np.asarray(nn.KLDivLoss(reduction=reduction, log_target=log_target)(ember.tensor(x), ember.tensor(t))),
            kl_ref(x, t, reduction, log_target), rtol=1e-12)


def test_kl_div_zero_target_contributes_zero():
    x = ember.tensor([[-1.0, -2.0]], requires_grad=True)
    loss = F.kl_div(x, ember.tensor([[0.0, 1.0]]), reduction="sum")
    assert float(loss) == 2.0
    loss.backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [[0.0, -1.0]])


# ---- PyTorch's values and errors ----
RECORDED_VALUES = cases("tensors", prefix=("ce_", "nll_", "bce_", "kl_div_", "smooth_l1_", "huber_"))
RECORDED_ERRORS = cases("error", prefix=("reduction_", "huber_", "smooth_l1_", "bce_", "ce_"),
                        exclude=("ce_target_int32",))


@pytest.mark.parametrize("case", RECORDED_VALUES + RECORDED_ERRORS, ids=ids(RECORDED_VALUES + RECORDED_ERRORS))
def test_matches_pytorch(case):
    replay(case)


@pytest.mark.parametrize("case", ["nll_target_float", "ce_target_int32"])
def test_target_dtype_error_text(case):
    replay(CASES[case])


def test_target_dtype_error_type():
    with pytest.raises(RuntimeError, match="Long"):
        F.nll_loss(ember.ones(3, 4), ember.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="Long"):
        F.cross_entropy(ember.ones(3, 4), ember.tensor([0, 1, 2], dtype=ember.int32))


def test_bad_reduction_is_a_value_error_for_every_loss():
    x, t = ember.full((2, 3), 0.5), ember.full((2, 3), 0.5)
    idx = ember.tensor([0, 1])
    calls = [lambda r: F.mse_loss(x, t, reduction=r), lambda r: F.l1_loss(x, t, reduction=r),
             lambda r: F.smooth_l1_loss(x, t, reduction=r), lambda r: F.huber_loss(x, t, reduction=r),
             lambda r: F.cross_entropy(x, idx, reduction=r), lambda r: F.nll_loss(x, idx, reduction=r),
             lambda r: F.binary_cross_entropy(x, t, reduction=r),
             lambda r: F.binary_cross_entropy_with_logits(x, t, reduction=r), lambda r: F.kl_div(x, t, reduction=r)]
    for call in calls:
        with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
            call("bogus")


def test_losses_recorded_for_every_reduction():
    names = set(ids(RECORDED_VALUES))
    for red in REDUCTIONS:
        for stem in ("ce", "ce_weight_ignore", "ce_smooth_weight_ignore", "ce_probs_weight_smooth", "bce",
                     "bce_logits_pos_weight", "kl_div", "nll_weight_ignore"):
            assert f"{stem}_{red}" in names


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1}, {"weight": "w"}])
def test_fully_ignored_batch_has_zero_gradients(kw):
    # torch 2.13: the mean over no targets is 0/0 = nan, but the ignored rows get zero gradient
    # (a fully padded batch in a sequence model must not poison the weights with NaN)
    if kw.get("weight") == "w":
        kw = {"weight": ember.tensor([0.5, 1.0, 2.0, 1.0, 1.0])}
    lg = ember.tensor(np.random.default_rng(0).normal(size=(4, 5)), dtype=ember.float32, requires_grad=True)
    loss = ember.nn.functional.cross_entropy(lg, ember.full((4,), -100), **kw)
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(lg.grad.numpy(), np.zeros((4, 5), np.float32))
    lg.grad = None
    loss = ember.nn.functional.nll_loss(ember.log_softmax(lg, 1), ember.full((4,), 3), ignore_index=3)
    loss.backward()
    np.testing.assert_array_equal(lg.grad.numpy(), np.zeros((4, 5), np.float32))
