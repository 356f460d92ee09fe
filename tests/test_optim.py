"""ember.optim against NumPy implementations of each published update rule
(the algorithms in PyTorch's documentation), in float64, plus the Optimizer
base class: param groups, state, state_dict, zero_grad, closures, errors.

tests/check_optim_with_torch.py runs CONFIGS against PyTorch itself."""
import itertools
import warnings

import numpy as np
import pytest

import ember
from ember import optim

# ---- the configurations --------------------------------------------------------------


def _grid(**axes):
    """Every combination of the given option values, as kwargs dicts."""
    keys = list(axes)
    return [dict(zip(keys, values)) for values in itertools.product(*axes.values())]


def _sgd_configs():
    out = []
    for kw in _grid(momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True], weight_decay=[0, 0.1],
                    maximize=[False, True]):
        if kw["momentum"] == 0 and (kw["dampening"] or kw["nesterov"]):
            continue
        if kw["nesterov"] and kw["dampening"]:
            continue
        out.append(dict(lr=0.05, **kw))
    return out


CONFIGS = (
    [("SGD", kw) for kw in _sgd_configs()]
    # betas (0.3, 0.5): 1 - beta1 >= 0.5 takes lerp's other formula
    + [("Adam", dict(lr=0.01, **kw)) for kw in _grid(betas=[(0.9, 0.999), (0.3, 0.5)], weight_decay=[0, 0.1],
                                                      amsgrad=[False, True], maximize=[False, True])]
    + [("AdamW", dict(lr=0.01, **kw)) for kw in _grid(betas=[(0.9, 0.999), (0.3, 0.5)], weight_decay=[0, 0.1],
                                                       amsgrad=[False, True], maximize=[False, True])]
    + [("RMSprop", dict(lr=0.01, **kw)) for kw in _grid(alpha=[0.99, 0.3], centered=[False, True],
                                                         momentum=[0, 0.9], weight_decay=[0, 0.1],
                                                         maximize=[False, True])]
    + [("Adagrad", dict(lr=0.1, **kw)) for kw in _grid(lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                                                        initial_accumulator_value=[0, 0.5], maximize=[False, True])]
    + [("Adadelta", dict(lr=1.0, **kw)) for kw in _grid(rho=[0.9, 0.4], weight_decay=[0, 0.1],
                                                         maximize=[False, True])]
)

DEFAULTS = {
    "SGD": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False),
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False),
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False),
    "Adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False),
    "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False),
}

# ---- NumPy references: one update of one param, from the documented algorithms ---------


def _ref_sgd(p, g, s, t, lr, momentum, dampening, weight_decay, nesterov, maximize):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        s["b"] = g.copy() if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def _ref_adam(p, g, s, t, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled=False):
    b1, b2 = betas
    g = -g if maximize else g
    if weight_decay and decoupled:
        p = p - lr * weight_decay * p
    elif weight_decay:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1 ** t)
    if amsgrad:
        s["vmax"] = np.maximum(s.get("vmax", 0), s["v"])
        v_hat = s["vmax"] / (1 - b2 ** t)
    else:
        v_hat = s["v"] / (1 - b2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def _ref_adamw(p, g, s, t, **kw):
    return _ref_adam(p, g, s, t, decoupled=True, **kw)


def _ref_rmsprop(p, g, s, t, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
    v = s["v"]
    if centered:
        s["g"] = alpha * s.get("g", 0) + (1 - alpha) * g
        v = v - s["g"] ** 2
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0) + g / (np.sqrt(v) + eps)
        return p - lr * s["b"]
    return p - lr * g / (np.sqrt(v) + eps)


def _ref_adagrad(p, g, s, t, lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize):
    g = -g if maximize else g
    clr = lr / (1 + (t - 1) * lr_decay)
    if weight_decay:
        g = g + weight_decay * p
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return p - clr * g / (np.sqrt(s["sum"]) + eps)


def _ref_adadelta(p, g, s, t, lr, rho, eps, weight_decay, maximize):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    s["v"] = rho * s.get("v", 0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("u", 0) + eps) / np.sqrt(s["v"] + eps) * g
    s["u"] = rho * s.get("u", 0) + (1 - rho) * delta * delta
    return p - lr * delta


REFERENCE = {"SGD": _ref_sgd, "Adam": _ref_adam, "AdamW": _ref_adamw, "RMSprop": _ref_rmsprop,
             "Adagrad": _ref_adagrad, "Adadelta": _ref_adadelta}


class Reference:
    """The NumPy optimizer: params as float64 arrays, one state dict per param."""

    def __init__(self, name, params, **kwargs):
        self.update, self.t = REFERENCE[name], 0
        self.kwargs = {**DEFAULTS[name], **kwargs}
        self.params = [np.array(p, dtype=np.float64) for p in params]
        self.state = [{} for _ in params]

    def step(self, grads):
        self.t += 1
        self.params = [self.update(p, g, s, self.t, **self.kwargs)
                       for p, g, s in zip(self.params, grads, self.state)]


# ---- helpers ---------------------------------------------------------------------------

SHAPES = [(5,), (3, 4), (2, 3, 2), ()]
TOL = {ember.float64: dict(rtol=1e-12, atol=1e-12), ember.float32: dict(rtol=2e-5, atol=2e-5)}


def _data(shapes, steps, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]
    return params, grads


def _leaf(a, dtype):
    return ember.tensor(np.asarray(a), dtype=dtype, requires_grad=True)


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = ember.tensor(np.asarray(g), dtype=p.dtype)


def _check(params, ref_params, dtype, what=""):
    for i, (p, r) in enumerate(zip(params, ref_params)):
        np.testing.assert_allclose(p.detach().numpy(), r, **TOL[dtype], err_msg=f"{what} param {i}")


def _trajectory(name, kwargs, dtype, shapes=SHAPES, steps=20):
    """Runs ember and the reference side by side, checking the params after every step."""
    p0, grads = _data(shapes, steps)
    params = [_leaf(a, dtype) for a in p0]
    opt = getattr(optim, name)(params, **kwargs)
    ref = Reference(name, p0, **kwargs)
    for t, gs in enumerate(grads):
        _set_grads(params, gs)
        opt.step()
        ref.step(gs)
        _check(params, ref.params, dtype, f"{name}({kwargs}) step {t + 1}")
    return opt, params


# ---- the update rules -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [ember.float64, ember.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{kw}" for n, kw in CONFIGS])
def test_update_rule(name, kwargs, dtype):
    _trajectory(name, kwargs, dtype)


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_defaults(name):
    """Built with no options, each optimizer has PyTorch's defaults and follows its rule."""
    p = _leaf(np.ones(3), ember.float64)
    opt = getattr(optim, name)([p])
    group = opt.param_groups[0]
    for k, v in DEFAULTS[name].items():
        assert group[k] == v, k
    _trajectory(name, {}, ember.float64, steps=5)


def test_large_tensors_split_over_threads_same_bits():
    """One tensor larger than a thread's share, and many tensors: the split doesn't change any bit."""
    shapes = [(100_003,), (7,), (40_000,), (3, 5)]
    p0, grads = _data(shapes, 3)
    results = []
    for threads in (1, 2):
        ember.set_num_threads(threads)
        try:
            params = [_leaf(a, ember.float32) for a in p0]
            opt = optim.Adam(params, lr=0.01, amsgrad=True, weight_decay=0.1)
            for gs in grads:
                _set_grads(params, gs)
                opt.step()
            results.append([p.detach().numpy().copy() for p in params])
        finally:
            ember.set_num_threads(2)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    ref = Reference("Adam", p0, lr=0.01, amsgrad=True, weight_decay=0.1)
    for gs in grads:
        ref.step(gs)
    for a, r in zip(results[1], ref.params):
        np.testing.assert_allclose(a, r, **TOL[ember.float32])


def test_mixed_dtypes_and_empty_param():
    p0, grads = _data([(4,), (2, 3), (0,)], 4)
    params = [_leaf(p0[0], ember.float32), _leaf(p0[1], ember.float64), _leaf(p0[2], ember.float64)]
    opt = optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True)
    ref = Reference("RMSprop", p0, lr=0.01, momentum=0.5, centered=True)
    for gs in grads:
        _set_grads(params, gs)
        opt.step()
        ref.step(gs)
    _check(params[:1], ref.params[:1], ember.float32)
    _check(params[1:], ref.params[1:], ember.float64)
    assert opt.state[params[0]]["square_avg"].dtype == ember.float32


def test_non_contiguous_param_and_grad():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4))
    p = ember.tensor(a.T.copy()).t()  # a non-contiguous leaf holding `a`
    p.requires_grad_(True)
    assert not p.is_contiguous() and p.is_leaf
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    ref = Reference("Adam", [a], lr=0.1, amsgrad=True)
    for _ in range(3):
        g = rng.standard_normal((3, 4))
        p.grad = ember.tensor(g.T.copy()).t()
        opt.step()
        ref.step([g])
    _check([p], ref.params, ember.float64)


def test_params_without_grad_are_skipped():
    p0, grads = _data([(3,), (2,)], 2)
    a, b = _leaf(p0[0], ember.float64), _leaf(p0[1], ember.float64)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = ember.tensor(grads[0][0])
    opt.step()
    assert b not in opt.state and opt.state[a]["step"].item() == 1
    np.testing.assert_array_equal(b.detach().numpy(), p0[1])


def test_sgd_state():
    p = _leaf(np.ones(3), ember.float64)
    opt = optim.SGD([p], lr=0.1)
    p.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    assert len(opt.state) == 0  # no momentum, no state
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    np.testing.assert_array_equal(buf.numpy(), np.ones(3))
    assert buf is not p.grad


@pytest.mark.parametrize("name,keys", [
    ("Adam", ["step", "exp_avg", "exp_avg_sq"]), ("AdamW", ["step", "exp_avg", "exp_avg_sq"]),
    ("RMSprop", ["step", "square_avg"]), ("Adagrad", ["step", "sum"]),
    ("Adadelta", ["step", "square_avg", "acc_delta"])])
def test_state_layout(name, keys):
    p = _leaf(np.ones(3), ember.float32)
    opt = getattr(optim, name)([p])
    p.grad = ember.ones(3)
    opt.step()
    opt.step()
    state = opt.state[p]
    assert list(state) == keys
    assert state["step"].dim() == 0 and state["step"].dtype == ember.float32 and state["step"].item() == 2
    assert all(state[k].shape == p.shape for k in keys[1:])


def test_adagrad_state_exists_before_first_step():
    p = _leaf(np.ones(2), ember.float64)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), [0.25, 0.25])
    assert opt.state[p]["step"].item() == 0


def test_step_does_not_record_autograd_and_bumps_versions():
    p = _leaf(np.ones(3), ember.float64)
    y = (p * p).sum()  # saves p for backward
    opt = optim.SGD([p], lr=0.1)
    p.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ---- param groups -----------------------------------------------------------------------


def test_param_groups_with_different_lr():
    p0, grads = _data([(3,), (2, 2), (4,)], 5)
    params = [_leaf(a, ember.float64) for a in p0]
    opt = optim.SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.5, "momentum": 0.9}],
                    lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.9]
    ref1 = Reference("SGD", p0[:2], lr=0.1, momentum=0.5)
    ref2 = Reference("SGD", p0[2:], lr=0.5, momentum=0.9)
    for gs in grads:
        _set_grads(params, gs)
        opt.step()
        ref1.step(gs[:2])
        ref2.step(gs[2:])
    _check(params, ref1.params + ref2.params, ember.float64)


def test_editing_lr_between_steps():
    p0, grads = _data([(4,)], 6)
    params = [_leaf(p0[0], ember.float64)]
    opt = optim.Adam(params, lr=0.1)
    ref = Reference("Adam", p0, lr=0.1)
    for t, gs in enumerate(grads):
        lr = 0.1 / (t + 1)
        opt.param_groups[0]["lr"] = lr
        ref.kwargs["lr"] = lr
        _set_grads(params, gs)
        opt.step()
        ref.step(gs)
    _check(params, ref.params, ember.float64)


def test_add_param_group():
    a, b = _leaf(np.ones(2), ember.float64), _leaf(np.ones(3), ember.float64)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = ember.ones(2, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    opt.step()
    np.testing.assert_allclose(b.detach().numpy(), np.full(3, 0.99), rtol=1e-15)
    np.testing.assert_allclose(a.detach().numpy(), np.full(2, 0.9), rtol=1e-15)


def test_params_from_generator_and_named_params():
    ps = [_leaf(np.ones(2), ember.float64) for _ in range(3)]
    opt = optim.SGD((p for p in ps), lr=0.1)
    assert opt.param_groups[0]["params"] == ps
    opt = optim.SGD([("w", ps[0]), ("b", ps[1])], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


# ---- state_dict ---------------------------------------------------------------------------


def _copy_state_dict(sd):
    """What saving and loading would give: the same structure, tensors copied."""
    if isinstance(sd, ember.Tensor):
        return sd.clone()
    if isinstance(sd, dict):
        return {k: _copy_state_dict(v) for k, v in sd.items()}
    if isinstance(sd, (list, tuple)):
        return type(sd)(_copy_state_dict(v) for v in sd)
    return sd


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)), ("Adadelta", dict(lr=0.5))])
def test_state_dict_round_trip(name, kwargs):
    """Save after 5 steps, load into a new optimizer over copies of the params, continue: same trajectory."""
    p0, grads = _data([(3,), (2, 2)], 10)
    params = [_leaf(a, ember.float64) for a in p0]
    opt = getattr(optim, name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], **kwargs)
    for gs in grads[:5]:
        _set_grads(params, gs)
        opt.step()
    saved = _copy_state_dict(opt.state_dict())
    assert sorted(saved["state"]) == [0, 1]
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    clones = [_leaf(p.detach().numpy(), ember.float64) for p in params]
    opt2 = getattr(optim, name)([{"params": clones[:1]}, {"params": clones[1:]}], lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == 0.05 and opt2.param_groups[0]["params"] == clones[:1]
    for gs in grads[5:]:
        _set_grads(params, gs)
        _set_grads(clones, gs)
        opt.step()
        opt2.step()
    for a, b in zip(params, clones):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_load_state_dict_casts_state_to_param_dtype_but_not_step():
    p = _leaf(np.ones(3), ember.float64)
    opt = optim.Adam([p])
    p.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    sd = opt.state_dict()
    q = _leaf(np.ones(3), ember.float32)
    opt2 = optim.Adam([q])
    opt2.load_state_dict(sd)
    assert opt2.state[q]["exp_avg"].dtype == ember.float32
    assert opt2.state[q]["step"].dtype == ember.float32 and opt2.state[q]["step"].item() == 1


def test_load_state_dict_errors():
    a, b = _leaf(np.ones(2), ember.float64), _leaf(np.ones(2), ember.float64)
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)


# ---- zero_grad, closure, hooks -----------------------------------------------------------


def test_zero_grad():
    p = _leaf(np.ones(3), ember.float64)
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3))
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad()  # no grads: nothing to do


def test_zero_grad_lets_gradients_not_accumulate():
    p = _leaf(np.array([1.0, 2.0]), ember.float64)
    opt = optim.SGD([p], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        np.testing.assert_allclose(p.grad.numpy(), 2 * p.detach().numpy())
        opt.step()


def test_closure():
    p = _leaf(np.array([1.0, -2.0]), ember.float64)
    opt = optim.SGD([p], lr=0.1)
    calls = []

    def closure():
        assert ember.is_grad_enabled()
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0 and calls == [5.0]
    np.testing.assert_allclose(p.detach().numpy(), [0.8, -1.6])


def test_step_runs_without_grad_mode_and_restores_it():
    p = _leaf(np.ones(2), ember.float64)
    opt = optim.Adam([p])
    p.grad = ember.ones(2, dtype=ember.float64)
    assert ember.is_grad_enabled()
    opt.step()
    assert ember.is_grad_enabled()


def test_step_hooks():
    p = _leaf(np.ones(2), ember.float64)
    opt = optim.SGD([p], lr=0.1)
    seen = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append("post"))
    p.grad = ember.ones(2, dtype=ember.float64)
    opt.step()
    h1.remove()
    opt.step()
    assert seen == ["pre", "post", "post"]


def test_repr():
    opt = optim.SGD([_leaf(np.ones(2), ember.float64)], lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    dampening: 0\n")


# ---- bad input ----------------------------------------------------------------------------


def test_errors():
    p = _leaf(np.ones(2), ember.float64)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        optim.SGD([p, 3], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([p], lr=0.1).add_param_group([p])
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([p], lr=0.1, nesterov=True)


@pytest.mark.parametrize("name,kwargs,message", [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("AdamW", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("Adagrad", dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
])
def test_invalid_hyper_parameters(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)([_leaf(np.ones(2), ember.float64)], **kwargs)


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_differentiable_is_refused(name):
    with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
        getattr(optim, name)([_leaf(np.ones(2), ember.float64)], differentiable=True)


def test_kernel_errors():
    p = ember.tensor([1, 2])  # an int64 tensor can't be optimized
    opt = optim.SGD([p], lr=0.1)
    p.grad = ember.tensor([1, 1])
    with pytest.raises(RuntimeError, match="only floating-point params can be optimized"):
        opt.step()
    q = _leaf(np.ones(3), ember.float64)
    g = ember.ones(3, dtype=ember.float32)
    with pytest.raises(RuntimeError, match=r"grads\[0\] is .*float32.* but its param is .*float64"):
        ember._C._fused_sgd([q], [g], [], lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                            maximize=False)
    with pytest.raises(RuntimeError, match=r"expected 1 exp_avgs \(one per param\), got 0"):
        ember._C._fused_adam([q], [q.detach()], [], [], [], [], lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8,
                             weight_decay=0.0, amsgrad=False, maximize=False, decoupled_weight_decay=False)


def test_duplicate_param_is_updated_twice():
    """As in PyTorch, a param listed twice in a group takes both updates, one after the other."""
    p = _leaf(np.array([1.0, 2.0]), ember.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = optim.Adam([p, p], lr=0.1)
    p.grad = ember.tensor([0.5, -1.0], dtype=ember.float64)
    opt.step()
    ref = Reference("Adam", [np.array([1.0, 2.0])], lr=0.1)
    ref.step([np.array([0.5, -1.0])])
    ref.step([np.array([0.5, -1.0])])
    _check([p], ref.params, ember.float64)
    assert opt.state[p]["step"].item() == 2
