"""ember.amp.GradScaler: PyTorch's loss-scaling rules on the CPU (the rules are
device-independent; with float32 gradients the scaler only guards against
inf/NaN). References are analytic: a linear model's gradients in NumPy float64,
and the scale's halving and doubling."""
import warnings

import numpy as np
import pytest

import ember
from ember import nn

RNG = np.random.default_rng(5)


def linear_problem():
    x = RNG.normal(size=(8, 3))
    t = RNG.normal(size=(8, 1))
    model = nn.Linear(3, 1).double()
    w0 = np.asarray(model.weight.detach()).copy()
    b0 = np.asarray(model.bias.detach()).copy()
    # d/dw of sum((x w^T + b - t)^2)
    r = x @ w0.T + b0 - t
    return model, ember.tensor(x), ember.tensor(t), w0, b0, (2 * r.T @ x), (2 * r.sum(0))


def loss_of(model, x, t):
    return ((model(x) - t) ** 2).sum()


def test_scale_unscale_step_matches_unscaled_training():
    model, x, t, w0, b0, gw, gb = linear_problem()
    opt = ember.optim.SGD(model.parameters(), lr=0.01)
    scaler = ember.amp.GradScaler("cpu", init_scale=1024.0)
    loss = loss_of(model, x, t)
    scaled = scaler.scale(loss)
    np.testing.assert_allclose(scaled.item(), loss.item() * 1024.0, rtol=1e-12)
    scaled.backward()
    np.testing.assert_allclose(np.asarray(model.weight.grad), gw * 1024.0, rtol=1e-12)
    scaler.unscale_(opt)  # the gradients are back to the unscaled ones
    np.testing.assert_allclose(np.asarray(model.weight.grad), gw, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(model.bias.grad), gb, rtol=1e-12)
    scaler.step(opt)
    np.testing.assert_allclose(np.asarray(model.weight.detach()), w0 - 0.01 * gw, rtol=1e-12)
    scaler.update()
    assert scaler.get_scale() == 1024.0 and scaler.state_dict()["_growth_tracker"] == 1


def test_inf_gradient_skips_the_step_and_halves_the_scale():
    model, x, t, w0, b0, _, _ = linear_problem()
    opt = ember.optim.SGD(model.parameters(), lr=0.01)
    scaler = ember.amp.GradScaler("cpu", init_scale=256.0, growth_interval=1)
    scaler.scale(loss_of(model, x, t)).backward()
    model.bias.grad.fill_(float("inf"))
    assert scaler.step(opt) is None
    np.testing.assert_array_equal(np.asarray(model.weight.detach()), w0)  # not stepped
    np.testing.assert_array_equal(np.asarray(model.bias.detach()), b0)
    scaler.update()
    assert scaler.get_scale() == 128.0 and scaler.state_dict()["_growth_tracker"] == 0
    # a NaN counts too
    opt.zero_grad()
    scaler.scale(loss_of(model, x, t)).backward()
    model.weight.grad[0, 0] = float("nan")
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 64.0


def test_scale_grows_after_growth_interval_clean_steps():
    model, x, t, *_ = linear_problem()
    opt = ember.optim.SGD(model.parameters(), lr=1e-4)
    scaler = ember.amp.GradScaler("cpu", init_scale=2.0, growth_factor=3.0, growth_interval=3)
    scales = []
    for _ in range(7):
        opt.zero_grad()
        scaler.scale(loss_of(model, x, t)).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [2.0, 2.0, 6.0, 6.0, 6.0, 18.0, 18.0]


def test_update_with_a_new_scale_and_state_dict_round_trip():
    model, x, t, *_ = linear_problem()
    opt = ember.optim.SGD(model.parameters(), lr=1e-4)
    scaler = ember.amp.GradScaler("cpu", init_scale=8.0, growth_interval=10)
    scaler.scale(loss_of(model, x, t)).backward()
    scaler.step(opt)
    scaler.update(new_scale=32.0)
    assert scaler.get_scale() == 32.0
    with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
        scaler.update(new_scale=ember.ones(2))
    other = ember.amp.GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict() == {
        "scale": 32.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 10, "_growth_tracker": 0}


def test_misuse_raises_pytorchs_errors():
    model, x, t, *_ = linear_problem()
    opt = ember.optim.SGD(model.parameters(), lr=1e-4)
    scaler = ember.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match="Attempted unscale_ but _scale is None"):
        scaler.unscale_(opt)
    scaler.scale(loss_of(model, x, t)).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer since the last"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
        ember.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0."):
        ember.amp.GradScaler("cpu", backoff_factor=1.0)
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        scaler.load_state_dict({})


def test_scale_of_nested_outputs():
    scaler = ember.amp.GradScaler("cpu", init_scale=4.0)
    a, b = ember.tensor([1.0, 2.0]), ember.tensor(3.0)
    out = scaler.scale((a, [b]))
    assert isinstance(out, tuple) and isinstance(out[1], list)
    np.testing.assert_array_equal(np.asarray(out[0]), [4.0, 8.0])
    assert out[1][0].item() == 12.0


@pytest.mark.skipif(ember.cuda.is_available(), reason="the machine has a GPU")
def test_cuda_scaler_without_a_gpu_disables_itself_with_a_warning():
    with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available.  Disabling."):
        scaler = ember.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    loss = ember.tensor(2.0)
    assert scaler.scale(loss) is loss
    model = nn.Linear(1, 1)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    model(ember.ones(1, 1)).sum().backward()
    w = model.weight.detach().clone()
    scaler.step(opt)  # a disabled scaler just steps
    assert model.weight.item() != w.item()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.warns(FutureWarning, match=r"ember.cuda.amp.GradScaler\(args...\) is deprecated"):
            ember.cuda.amp.GradScaler()
