"""ember.nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector,
vector_to_parameters, against NumPy and PyTorch (tests/data/torch_nn.json)."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from nn_helpers import CASES, replay

RNG = np.random.default_rng(7)


def params_with_grads(*shapes, scale=1.0):
    ps = []
    for s in shapes:
        p = nn.Parameter(ember.zeros(*s))
        p.grad = ember.tensor(RNG.normal(size=s) * scale, dtype=ember.float32)
        ps.append(p)
    return ps


def total_norm_ref(grads, p):
    flat = np.concatenate([g.reshape(-1) for g in grads]).astype(np.float64)
    if p == math.inf:
        return np.abs(flat).max()
    return (np.abs(flat) ** p).sum() ** (1 / p)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm(norm_type, max_norm):
    ps = params_with_grads((3, 4), (5,), (2, 2, 2), scale=2.0)
    before = [np.asarray(p.grad).astype(np.float64) for p in ps]
    p = math.inf if norm_type == "inf" else float(norm_type)
    want = total_norm_ref(before, p)
    total = nn.utils.clip_grad_norm_(iter(ps), max_norm, norm_type=norm_type)
    assert isinstance(total, ember.Tensor) and total.dim() == 0 and total.dtype == ember.float32
    assert float(total) == pytest.approx(want, rel=1e-5)
    coef = min(max_norm / (want + 1e-6), 1.0)
    for prm, g in zip(ps, before):
        np.testing.assert_allclose(np.asarray(prm.grad), g * coef, rtol=1e-5, atol=1e-7)
    if max_norm < want:
        assert total_norm_ref([np.asarray(q.grad) for q in ps], p) == pytest.approx(max_norm, rel=1e-4)


def test_clip_grad_norm_modifies_grads_in_place_and_skips_missing():
    a, b = params_with_grads((4,), (3,), scale=10.0)
    c = nn.Parameter(ember.ones(2))  # no grad: ignored
    g = a.grad
    nn.utils.clip_grad_norm_([a, b, c], 1.0, foreach=True)
    assert a.grad is g and c.grad is None
    assert total_norm_ref([np.asarray(a.grad), np.asarray(b.grad)], 2) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_single_tensor_and_empty():
    (a,) = params_with_grads((3,))
    norm = float(np.linalg.norm(np.asarray(a.grad)))
    assert float(nn.utils.clip_grad_norm_(a, 100.0)) == pytest.approx(norm, rel=1e-6)
    assert float(nn.utils.clip_grad_norm_([], 1.0)) == 0.0
    with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping will occur."):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_norm_nonfinite():
    a = nn.Parameter(ember.ones(2))
    a.grad = ember.tensor([float("nan"), 1.0])
    assert math.isnan(float(nn.utils.clip_grad_norm_([a], 1.0)))
    replay(CASES["clip_nonfinite_error"])


def test_clip_grad_norm_matches_pytorch():
    replay(CASES["clip_grad_norm_values"])
    replay(CASES["clip_grad_norm_inf"])


def test_clip_grad_norm_in_a_training_step():
    # the seeds' pattern: backward, clip, step
    ember.manual_seed(0)
    model = nn.Linear(3, 1)
    loss = ((model(ember.randn(8, 3) * 100) - 1) ** 2).mean()
    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert float(total) > 1.0
    grads = [np.asarray(p.grad) for p in model.parameters()]
    assert total_norm_ref(grads, 2) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_deprecated_alias():
    (a,) = params_with_grads((2,))
    with pytest.warns(FutureWarning):
        nn.utils.clip_grad_norm([a], 1.0)


def test_clip_grad_value():
    a, b = params_with_grads((3, 3), (4,), scale=3.0)
    ga, gb = np.asarray(a.grad).copy(), np.asarray(b.grad).copy()
    assert nn.utils.clip_grad_value_([a, b], 1.5) is None
    np.testing.assert_array_equal(np.asarray(a.grad), np.clip(ga, -1.5, 1.5))
    np.testing.assert_array_equal(np.asarray(b.grad), np.clip(gb, -1.5, 1.5))
    nn.utils.clip_grad_value_(a, 0.5)
    assert np.abs(np.asarray(a.grad)).max() <= 0.5


def test_parameters_to_vector_and_back():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(m.parameters())
    want = np.concatenate([np.asarray(p.detach()).reshape(-1) for p in m.parameters()])
    np.testing.assert_array_equal(np.asarray(vec.detach()), want)
    assert tuple(vec.shape) == (11,) and vec.requires_grad
    vec.sum().backward()  # differentiable: every parameter gets ones
    assert all(float(p.grad.sum()) == p.numel() for p in m.parameters())
    new = ember.arange(11.0)
    w = m[0].weight
    nn.utils.vector_to_parameters(new, m.parameters())
    assert m[0].weight is w  # the same Parameter, now viewing the vector
    np.testing.assert_array_equal(np.asarray(m[0].weight.detach()), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(np.asarray(m[1].bias.detach()), [10.0])
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], m.parameters())


def test_utils_is_a_package():
    import ember.nn.utils as utils
    assert utils.clip_grad_norm_ is nn.utils.clip_grad_norm_
