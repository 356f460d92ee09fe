"""ember.optim.lr_scheduler: each scheduler's learning rates against PyTorch's
(recorded by tests/record_torch_lr.py into tests/data/torch_lr.json; they must
be equal to the last bit) and against its closed-form formula; get_last_lr,
state_dict, step(epoch), warnings and errors."""
import bisect
import json
import math
import os
import warnings

import numpy as np
import pytest

import ember
from ember.optim import lr_scheduler
from record_torch_lr import make_optimizer, run_case

with open(os.path.join(os.path.dirname(__file__), "data", "torch_lr.json")) as _f:
    TORCH = json.load(_f)["cases"]

BASE = (0.1, 0.05)  # make_optimizer's two groups


def _opt(name="SGD"):
    return make_optimizer(ember, name)


def _lrs(sched, steps, opt=None):
    """[get_last_lr() after construction, then after each of `steps` steps] per group."""
    out = [sched.get_last_lr()]
    for _ in range(steps):
        if opt is not None:
            opt.step()
        sched.step()
        out.append(sched.get_last_lr())
    return np.array(out)


def _expect(fn, steps=25):
    """fn(epoch, base_lr) for both groups at epochs 0..steps."""
    return np.array([[fn(e, b) for b in BASE] for e in range(steps + 1)])


# ---- PyTorch's sequences, to the last bit ------------------------------------------------


@pytest.mark.parametrize("case", TORCH, ids=[c["id"] for c in TORCH])
def test_matches_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no spurious warnings in a correct loop
        lrs, moms = run_case(ember, lr_scheduler, case["optimizer"], case["expr"])
    assert lrs == case["lrs"]
    assert moms == case["momentum"]


# ---- closed forms ---------------------------------------------------------------------------

FORMULAS = [
    ("StepLR(opt, step_size=3, gamma=0.5)", lambda e, b: b * 0.5 ** (e // 3)),
    ("MultiStepLR(opt, milestones=[2, 5, 5, 11], gamma=0.3)",
     lambda e, b: b * 0.3 ** bisect.bisect_right([2, 5, 5, 11], e)),
    ("ExponentialLR(opt, gamma=0.93)", lambda e, b: b * 0.93 ** e),
    ("CosineAnnealingLR(opt, T_max=10)", lambda e, b: b * (1 + math.cos(math.pi * e / 10)) / 2),
    ("CosineAnnealingLR(opt, T_max=7, eta_min=0.01)",
     lambda e, b: 0.01 + (b - 0.01) * (1 + math.cos(math.pi * e / 7)) / 2),
    ("LambdaLR(opt, lambda e: 0.95 ** e)", lambda e, b: b * 0.95 ** e),
    ("MultiplicativeLR(opt, lambda e: 0.9)", lambda e, b: b * 0.9 ** e),
    ("LinearLR(opt, start_factor=0.25, total_iters=6)", lambda e, b: b * (0.25 + 0.75 * min(e, 6) / 6)),
    ("ConstantLR(opt, factor=0.5, total_iters=4)", lambda e, b: b * (0.5 if e < 4 else 1.0)),
    ("PolynomialLR(opt, total_iters=8, power=2.0)", lambda e, b: b * (1 - min(e, 8) / 8) ** 2),
    ("SequentialLR(opt, [lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3), "
     "lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[5])",
     lambda e, b: b * (0.5 if e < 3 else 1.0) if e < 5 else b * 0.9 ** (e - 5)),
    ("CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)",
     lambda e, b: _warm_restart(e, b, T_0=4, T_mult=2, eta_min=0.001)),
    ("CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False)",
     lambda e, b: 0.01 + 0.09 * max(0.0, 1 - abs(e / 4 - 2 * math.floor(1 + e / 8) + 1))),
]


def _warm_restart(e, b, T_0, T_mult, eta_min):
    T_i, T_cur = T_0, e
    while T_cur >= T_i:
        T_cur -= T_i
        T_i *= T_mult
    return eta_min + (b - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2


@pytest.mark.parametrize("expr,formula", FORMULAS, ids=[f[0].split("(")[0] + str(i) for i, f in enumerate(FORMULAS)])
def test_closed_form(expr, formula):
    opt = _opt()
    sched = eval("lr_scheduler." + expr, {"lr_scheduler": lr_scheduler, "opt": opt})
    np.testing.assert_allclose(_lrs(sched, 25, opt), _expect(formula), rtol=1e-12, atol=1e-15)


def test_onecycle_closed_form():
    opt = _opt()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.25, div_factor=10.0,
                                    final_div_factor=100.0)
    lrs = _lrs(sched, 19, opt)[:, 0]
    initial, peak = 0.1, 1.0
    low = initial / 100.0
    up = 0.25 * 20 - 1  # the last step of the warm-up phase

    def cos_anneal(start, end, pct):
        return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)

    expect = [cos_anneal(initial, peak, e / up) if e <= up else cos_anneal(peak, low, (e - up) / (19 - up))
              for e in range(20)]
    np.testing.assert_allclose(lrs, expect, rtol=1e-12)
    assert lrs[-1] == pytest.approx(low) and max(lrs) == pytest.approx(peak)
    # momentum goes the other way: max_momentum at the start, base_momentum at the peak
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)


def test_reduce_on_plateau():
    opt = _opt()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    seen = []
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]:
        sched.step(metric)
        seen.append(sched.get_last_lr()[0])
    assert seen == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025]
    assert sched.last_epoch == 9 and sched.best == 0.5


def test_reduce_on_plateau_min_lr_and_eps():
    opt = _opt()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.1, min_lr=0.004)
    for _ in range(4):
        sched.step(1.0)
    assert sched.get_last_lr() == [0.004, 0.004]


# ---- behaviour ----------------------------------------------------------------------------


def test_scheduler_drives_the_optimizer():
    p = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    opt = ember.optim.SGD([p], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = ember.tensor([1.0], dtype=ember.float64)
        opt.step()
        sched.step()
    assert p.item() == 1.0 - 1.0 - 0.5 - 0.25
    assert opt.param_groups[0]["lr"] == 0.125 and opt.param_groups[0]["initial_lr"] == 1.0


def test_get_last_lr_and_last_epoch():
    opt = _opt()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.1, 0.05] and sched.base_lrs == [0.1, 0.05]
    opt.step()
    sched.step()
    assert sched.last_epoch == 1 and sched.get_last_lr() == [0.05, 0.025]
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


@pytest.mark.parametrize("expr", [
    "StepLR(opt, step_size=3, gamma=0.5)", "CosineAnnealingLR(opt, T_max=10)",
    "OneCycleLR(opt, max_lr=1.0, total_steps=30)", "LambdaLR(opt, lambda e: 0.9 ** e)",
    "SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=4), "
    "lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[5])",
    "CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4)",
    "CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)",
])
def test_state_dict_round_trip(expr):
    """Save after 7 steps, load into a new scheduler (after loading the optimizer), continue: same rates."""
    opt = _opt()
    sched = eval("lr_scheduler." + expr, {"lr_scheduler": lr_scheduler, "opt": opt})
    _lrs(sched, 7, opt)
    state, opt_state = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 7
    rest = _lrs(sched, 10, opt)[1:]

    opt2 = _opt()
    sched2 = eval("lr_scheduler." + expr, {"lr_scheduler": lr_scheduler, "opt": opt2})
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    assert sched2.last_epoch == 7
    np.testing.assert_array_equal(_lrs(sched2, 10, opt2)[1:], rest)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Factor:
        def __init__(self, f):
            self.f = f

        def __call__(self, e):
            return self.f ** e

    opt = _opt()
    sched = lr_scheduler.LambdaLR(opt, [Factor(0.5), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"f": 0.5}, None]
    sched2 = lr_scheduler.LambdaLR(_opt(), [Factor(0.9), lambda e: 1.0])
    sched2.load_state_dict(state)
    assert sched2.lr_lambdas[0].f == 0.5


def test_step_with_epoch_uses_closed_form():
    opt = _opt()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(5)
    assert sched.last_epoch == 5
    np.testing.assert_allclose(sched.get_last_lr(), [0.1 * 0.1 ** 2, 0.05 * 0.1 ** 2], rtol=1e-15)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _opt()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        sched.step()


def test_resume_with_last_epoch():
    opt = _opt()
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=3)
    assert sched.last_epoch == 4 and sched.base_lrs == [0.1, 0.05]


@pytest.mark.parametrize("make,exc,message", [
    (lambda opt: lr_scheduler.StepLR(object(), step_size=1), TypeError, "object is not an Optimizer"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, mode="middle"), ValueError, "mode middle is unknown!"),
    (lambda opt: lr_scheduler.ConstantLR(opt, factor=2.0), ValueError, "between 0 and 1"),
    (lambda opt: lr_scheduler.LinearLR(opt, start_factor=0), ValueError, "greater than 0"),
    (lambda opt: lr_scheduler.LambdaLR(opt, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0), ValueError,
     "You must define either total_steps OR \\(epochs AND steps_per_epoch\\)"),
    (lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(opt, 0.9)], milestones=[3]),
     ValueError, "number of schedulers provided to be one more than the number of milestone points"),
    (lambda opt: lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
])
def test_errors(make, exc, message):
    with pytest.raises(exc, match=message):
        make(_opt())


def test_onecycle_too_many_steps():
    opt = _opt()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()
