import numpy as np
import pytest

import ember
from fused_gelu import composed_gelu, fused_gelu


def gelu_ref(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


@pytest.mark.parametrize("dtype, rtol", [(ember.float32, 1e-5), (ember.float64, 1e-12)])
def test_forward_matches_numpy(dtype, rtol):
    x = np.random.default_rng(0).standard_normal((4, 33)) * 3
    out = fused_gelu(ember.tensor(x, dtype=dtype)).numpy()
    np.testing.assert_allclose(out, gelu_ref(x), rtol=rtol, atol=rtol)


def test_gradient_matches_central_differences():
    x = np.random.default_rng(1).standard_normal(50) * 2
    g = np.random.default_rng(2).standard_normal(50)
    t = ember.tensor(x, requires_grad=True, dtype=ember.float64)
    fused_gelu(t).backward(ember.tensor(g))
    eps = 1e-6
    numeric = (gelu_ref(x + eps) - gelu_ref(x - eps)) / (2 * eps) * g
    np.testing.assert_allclose(t.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_gradcheck_and_gradgradcheck():
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fused_gelu, (x,))
    assert ember.autograd.gradgradcheck(fused_gelu, (x,))


def test_records_a_node_and_matches_composed_ops():
    x = ember.randn(100, requires_grad=True)
    y = fused_gelu(x)
    assert y.grad_fn.name() == "FusedGeluBackward"
    np.testing.assert_allclose(y.detach().numpy(), composed_gelu(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_non_contiguous_input():
    x = ember.randn(5, 6).t()
    np.testing.assert_allclose(fused_gelu(x).numpy(), gelu_ref(x.numpy().astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_bad_input_raises_the_check_message():
    with pytest.raises(RuntimeError, match="fused_gelu: expected a float32 or float64 tensor, got int64"):
        fused_gelu(ember.tensor([1, 2, 3]))
    with pytest.raises(TypeError):
        fused_gelu("not a tensor")
