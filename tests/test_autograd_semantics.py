"""Autograd semantics, one test per PyTorch rule: requires_grad and leaves,
grad_fn, .grad accumulation, backward/grad arguments, grad modes, detach and
.data, in-place ops and version checks, hooks, custom Functions, gradcheck,
anomaly mode, deep graphs and memory over long training runs.

Expected values and error texts are PyTorch 2.13's (checked by hand against
it); references are NumPy."""
import re
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import Function
from helpers import F32, F64, I32, I64, BOOL, numpy_of

T = ember.tensor
FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
         "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
         "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
         "you need to access saved tensors after calling backward.")
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def leaf(values, dtype=F64):
    return T(values, dtype=dtype, requires_grad=True)


def raises(exc, text):
    """pytest.raises matching PyTorch's message from its start."""
    return pytest.raises(exc, match="^" + re.escape(text))


def grad_of(x):
    return numpy_of(x.grad)


# ============================================================================ requires_grad, is_leaf
@pytest.mark.parametrize("make", [
    lambda: T([1.0, 2.0], requires_grad=True),
    lambda: ember.zeros(2, requires_grad=True),
    lambda: ember.ones(2, 3, dtype=F64, requires_grad=True),
    lambda: ember.full((2,), 1.5, requires_grad=True),
    lambda: ember.randn(2, requires_grad=True),
    lambda: ember.arange(3.0, requires_grad=True),
    lambda: ember.empty(2, requires_grad=True),
    lambda: ember.zeros_like(T([1.0]), requires_grad=True),
    lambda: T([1.0, 2.0]).requires_grad_(),
], ids=["tensor", "zeros", "ones", "full", "randn", "arange", "empty", "zeros_like", "requires_grad_"])
def test_requires_grad_argument_makes_a_leaf(make):
    x = make()
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None


def test_requires_grad_defaults_and_toggles():
    x = T([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad


@pytest.mark.parametrize("dtype", [I64, I32, BOOL], ids=["int64", "int32", "bool"])
def test_only_floating_dtypes_can_require_grad(dtype):
    with raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients"):
        T([1, 0], dtype=dtype, requires_grad=True)
    with raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients"):
        ember.zeros(2, dtype=dtype, requires_grad=True)
    with raises(RuntimeError, "only Tensors of floating point dtype can require gradients"):
        T([1, 0], dtype=dtype).requires_grad_()
    with raises(RuntimeError, "only Tensors of floating point and complex dtype can require gradients"):
        T([1, 0], dtype=dtype).requires_grad = True


def test_requires_grad_propagates_and_results_are_not_leaves():
    x, c = leaf([1.0, 2.0]), T([3.0, 4.0], dtype=F64)
    y = x * c
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = c * 2
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    assert not x.max(0).indices.requires_grad  # integer outputs never require grad
    assert not (x > 1).requires_grad


def test_requires_grad_of_a_non_leaf_cannot_be_changed():
    y = leaf([1.0]) * 2
    with raises(RuntimeError, "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."):
        y.requires_grad = False
    y.requires_grad_(True)  # a no-op on a tensor that already requires grad


def test_float32_and_float64_leaves():
    for dtype in (F32, F64):
        x = leaf([1.0, 2.0], dtype)
        (x * x).sum().backward()
        assert x.grad.dtype == dtype
        np.testing.assert_allclose(grad_of(x), [2.0, 4.0])


# ============================================================================ grad_fn
GRAD_FN_NAMES = [  # (expression over x (2x3) and v (3,), PyTorch 2.13's type(grad_fn).__name__)
    ("x * 2", "MulBackward0"), ("x * x", "MulBackward0"), ("x + 1", "AddBackward0"), ("x + x", "AddBackward0"),
    ("x - 1", "SubBackward0"), ("1 - x", "RsubBackward1"), ("x - x", "SubBackward0"), ("x / 2", "DivBackward0"),
    ("2 / x", "MulBackward0"), ("x / x", "DivBackward0"), ("-x", "NegBackward0"), ("x ** 2", "PowBackward0"),
    ("x ** x", "PowBackward1"), ("2 ** x", "PowBackward2"), ("x.pow(2.5)", "PowBackward0"),
    ("x.exp()", "ExpBackward0"), ("x.log()", "LogBackward0"), ("x.log2()", "Log2Backward0"),
    ("x.log10()", "Log10Backward0"), ("x.log1p()", "Log1PBackward0"), ("x.expm1()", "Expm1Backward0"),
    ("x.sqrt()", "SqrtBackward0"), ("x.rsqrt()", "RsqrtBackward0"), ("x.sin()", "SinBackward0"),
    ("x.cos()", "CosBackward0"), ("x.tan()", "TanBackward0"), ("x.tanh()", "TanhBackward0"),
    ("x.sigmoid()", "SigmoidBackward0"), ("x.relu()", "ReluBackward0"), ("x.abs()", "AbsBackward0"),
    ("x.asin()", "AsinBackward0"), ("x.acos()", "AcosBackward0"), ("x.atan()", "AtanBackward0"),
    ("x.sinh()", "SinhBackward0"), ("x.cosh()", "CoshBackward0"), ("x.erf()", "ErfBackward0"),
    ("x.reciprocal()", "ReciprocalBackward0"), ("x.square()", "PowBackward0"), ("x.floor()", "FloorBackward0"),
    ("x.ceil()", "CeilBackward0"), ("x.round()", "RoundBackward0"), ("x.trunc()", "TruncBackward0"),
    ("x.sign()", "SignBackward0"), ("x.frac()", "FracBackward0"), ("x.clamp(0, 1)", "ClampBackward1"),
    ("x.clamp(min=v)", "ClampBackward0"), ("x.clamp(v, v)", "ClampBackward0"),
    ("x.clamp_min(1)", "ClampMinBackward0"), ("x.clamp_max(1)", "ClampMaxBackward0"),
    ("ember.maximum(x, v)", "MaximumBackward0"), ("ember.minimum(x, v)", "MinimumBackward0"),
    ("ember.atan2(x, v)", "Atan2Backward0"), ("x % 2", "RemainderBackward0"), ("ember.fmod(x, 2)", "FmodBackward0"),
    ("x % v", "RemainderBackward1"), ("ember.fmod(x, v)", "FmodBackward1"),
    ("ember.where(x > 2, x, v)", "WhereBackward0"), ("ember.where(x > 2, x, 0.)", "WhereBackward0"),
    ("x.sum()", "SumBackward0"), ("x.sum(0)", "SumBackward1"), ("x.sum((0, 1))", "SumBackward1"),
    ("x.mean()", "MeanBackward0"), ("x.mean(0)", "MeanBackward1"), ("x.prod()", "ProdBackward0"),
    ("x.prod(0)", "ProdBackward1"), ("x.amax()", "AmaxBackward0"), ("x.amax(0)", "AmaxBackward0"),
    ("x.amin(1)", "AminBackward0"), ("x.max()", "MaxBackward1"), ("x.min()", "MinBackward1"),
    ("x.max(0).values", "MaxBackward0"), ("x.min(1)[0]", "MinBackward0"), ("x.var()", "VarBackward0"),
    ("x.var(0)", "VarBackward0"), ("x.std()", "StdBackward0"), ("x.std(1)", "StdBackward0"),
    ("x.norm()", "LinalgVectorNormBackward0"), ("x.norm(1)", "LinalgVectorNormBackward0"),
    ("x.norm(dim=0)", "LinalgVectorNormBackward0"), ("x.logsumexp(1)", "LogsumexpBackward0"),
    ("x.cumsum(0)", "CumsumBackward0"), ("x.view(6)", "ViewBackward0"), ("x.reshape(6)", "ViewBackward0"),
    ("x.t().reshape(6)", "UnsafeViewBackward0"), ("x.flatten()", "ViewBackward0"),
    ("x.unflatten(1, (3, 1))", "ViewBackward0"), ("x.unsqueeze(0)", "UnsqueezeBackward0"),
    ("x.unsqueeze(0).squeeze()", "SqueezeBackward0"), ("x.unsqueeze(0).squeeze(0)", "SqueezeBackward1"),
    ("x.transpose(0, 1)", "TransposeBackward0"), ("x.permute(1, 0)", "PermuteBackward0"), ("x.t()", "TBackward0"),
    ("x.T", "PermuteBackward0"), ("x.mT", "TransposeBackward0"), ("x[None].expand(2, 2, 3)", "ExpandBackward0"),
    ("ember.broadcast_to(v, (2, 3))", "ExpandBackward0"), ("x.narrow(1, 0, 2)", "SliceBackward0"),
    ("x.select(0, 1)", "SelectBackward0"), ("x[1]", "SelectBackward0"), ("x[:, ::2]", "SliceBackward0"),
    ("x[..., 1]", "SelectBackward0"), ("x[None]", "UnsqueezeBackward0"), ("x[...]", "AliasBackward0"),
    ("x.chunk(2, 1)[0]", "SplitBackward0"), ("x.split(1)[0]", "SplitBackward0"),
    ("x.unbind(0)[0]", "UnbindBackward0"), ("x.as_strided((2,), (1,))", "AsStridedBackward0"),
    ("ember.movedim(x, 0, 1)", "PermuteBackward0"), ("x.t().contiguous()", "CloneBackward0"),
    ("x.clone()", "CloneBackward0"), ("ember.cat([x, x])", "CatBackward0"), ("ember.stack([x, x])", "StackBackward0"),
    ("x.repeat(2, 1)", "RepeatBackward0"), ("x.flip(0)", "FlipBackward0"), ("x.tril()", "TrilBackward0"),
    ("x.triu()", "TriuBackward0"), ("x.to(ember.float64)", "ToCopyBackward0"), ("x.double()", "ToCopyBackward0"),
    ("x[ember.tensor([0, 0])]", "IndexBackward0"),
    ("x[ember.tensor([[True, False, True], [False, True, True]])]", "IndexBackward0"),
    ("x.gather(1, ember.tensor([[0], [1]]))", "GatherBackward0"),
    ("x.scatter(1, ember.tensor([[0], [1]]), v[None, :1].expand(2, 1))", "ScatterBackward0"),
    ("x.scatter_add(1, ember.tensor([[0], [1]]), x[:, :1])", "ScatterAddBackward0"),
    ("x.index_select(0, ember.tensor([1]))", "IndexSelectBackward0"),
    ("x.masked_fill(x > 2, 0.)", "MaskedFillBackward0"), ("x.masked_select(x > 2)", "MaskedSelectBackward0"),
    ("x @ v", "MvBackward0"), ("v @ v", "DotBackward0"), ("x @ x.t()", "MmBackward0"), ("x.mm(x.t())", "MmBackward0"),
    ("x[None].bmm(x.t()[None])", "BmmBackward0"), ("v.dot(v)", "DotBackward0"), ("v.outer(v)", "MulBackward0"),
    ("x[None] @ x.t()", "UnsafeViewBackward0"),
]


@pytest.mark.parametrize("expr, name", GRAD_FN_NAMES, ids=[e for e, _ in GRAD_FN_NAMES])
def test_grad_fn_name(expr, name):
    x = T([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    v = T([1.0, 2.0, 3.0], requires_grad=True)
    fn = eval(expr, {"ember": ember, "x": x, "v": v}).grad_fn
    assert fn is not None, f"{expr}: grad_fn is None"
    assert fn.name() == name and repr(fn).startswith(f"<{name} object")


def test_next_functions():
    x = leaf([1.0, 2.0])
    y = x * 2
    ((acc, i), (none, j)) = y.grad_fn.next_functions
    assert repr(acc).startswith("<AccumulateGrad object") and i == 0 and acc.variable is x
    assert none is None and j == 0
    a, b = (x + x).grad_fn.next_functions
    assert a[0] is b[0] and a[0].variable is x  # one AccumulateGrad per leaf
    (m, k), (n, _) = (2 * x + 1).grad_fn.next_functions
    assert m.name() == "MulBackward0" and k == 0 and n is None
    c = T([1.0, 2.0], dtype=F64)  # an input that doesn't require grad: (None, 0)
    assert (x * c).grad_fn.next_functions[1] == (None, 0)


def test_next_functions_of_multi_output_op():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    a, b = x.unbind(0)
    s = a + b
    ((fa, ia), (fb, ib)) = s.grad_fn.next_functions
    assert fa is fb and fa.name() == "UnbindBackward0" and (ia, ib) == (0, 1)


def test_grad_fn_of_leaves_is_none():
    assert leaf([1.0]).grad_fn is None and T([1.0]).grad_fn is None


# ============================================================================ .grad
def test_grad_on_leaves_only():
    x = leaf([1.0, 2.0])
    y = x * 3
    assert x.grad is None
    y.sum().backward()
    np.testing.assert_array_equal(grad_of(x), [3.0, 3.0])
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        assert y.grad is None
    assert not x.grad.requires_grad and x.grad.is_leaf


def test_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    np.testing.assert_array_equal(grad_of(y), [6.0, 12.0])
    np.testing.assert_array_equal(grad_of(x), [18.0, 36.0])


def test_grad_assignment():
    x = leaf([1.0, 2.0])
    x.grad = T([5.0, 5.0], dtype=F64)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [7.0, 7.0])
    with raises(RuntimeError, "attempting to assign a gradient of size '[1]' to a tensor of size '[2]'. Please "
                "ensure that the gradient and the tensor are the same size"):
        x.grad = T([1.0], dtype=F64)


def test_grad_has_the_leafs_strides():
    """AccumulateGrad's layout contract: a dense non-contiguous leaf gets a .grad with its strides."""
    x = ember.arange(6.0).reshape(2, 3).t().requires_grad_()
    (x * x).sum().backward()
    assert x.grad.stride() == x.stride() == (1, 3)


# ============================================================================ backward()
def test_backward_on_scalar():
    x = leaf([1.0, 2.0, 3.0])
    (x ** 2).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [2.0, 4.0, 6.0])


def test_backward_on_0d_needs_no_gradient_and_1_element_tensor_too():
    x = leaf([2.0])
    (x * 3).backward()  # one element, not 0-d: still implicit
    np.testing.assert_array_equal(grad_of(x), [3.0])


def test_backward_with_gradient_on_non_scalar():
    x = leaf([1.0, 2.0, 3.0])
    (x ** 2).backward(T([1.0, 0.5, -1.0], dtype=F64))
    np.testing.assert_array_equal(grad_of(x), [2.0, 2.0, -6.0])
    y = leaf([[1.0, 2.0], [3.0, 4.0]])
    ember.autograd.backward([y * 2, y.sum()], [ember.ones(2, 2, dtype=F64), T(10.0, dtype=F64)])
    np.testing.assert_array_equal(grad_of(y), np.full((2, 2), 12.0))


def test_backward_on_non_scalar_without_gradient_raises():
    with raises(RuntimeError, "grad can be implicitly created only for scalar outputs"):
        (leaf([1.0, 2.0]) * 2).backward()


def test_backward_gradient_shape_mismatch_raises():
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of .*\[2\]\) and "
                                           r"output\[0\] has a shape of .*\[3\]\)\.$"):
        (leaf([1.0, 2.0, 3.0]) * 2).backward(ember.ones(2, dtype=F64))


def test_backward_without_grad_raises():
    with raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn"):
        T([1.0, 2.0]).sum().backward()


def test_backward_inputs_restricts_accumulation():
    x, y = leaf([1.0]), leaf([2.0])
    (x * y).sum().backward(inputs=[x])
    np.testing.assert_array_equal(grad_of(x), [2.0])
    assert y.grad is None


def test_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(grad_of(x), [6.0, 12.0])


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with raises(RuntimeError, FREED):
        y.backward()
    z = x.exp().sum()
    ember.autograd.grad(z, x)
    with raises(RuntimeError, FREED):
        ember.autograd.grad(z, x)


def test_second_backward_of_a_graph_that_saved_nothing_works():
    """PyTorch only raises when a freed node's saved tensors are needed: (x + 1).sum() saves none."""
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(grad_of(x), [2.0, 2.0])


# ============================================================================ accumulation
def test_second_backward_adds_into_the_same_grad_object():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert x.grad is g, "the second backward must accumulate in place into the same .grad tensor"
    np.testing.assert_array_equal(grad_of(x), [5.0, 5.0])


def test_accumulation_is_out_of_place_under_create_graph():
    x = leaf([1.0, 1.0])
    (x * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (x * x).sum().backward(create_graph=True)
    assert x.grad is not g and x.grad.requires_grad and x.grad.grad_fn.name() == "AddBackward0"
    np.testing.assert_array_equal(numpy_of(x.grad.detach()), [4.0, 4.0])
    np.testing.assert_array_equal(numpy_of(g.detach()), [2.0, 2.0])  # the first .grad was not written


def test_zero_grad_in_place_keeps_the_object():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    g = x.grad
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad is g
    np.testing.assert_array_equal(grad_of(x), [3.0, 3.0])


def test_grad_none_starts_afresh():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [3.0, 3.0])


def test_seed_001_zeroing_pattern():
    """w.grad.data.zero_() between steps: each step sees only its own gradient."""
    w = ember.tensor([1.0], requires_grad=True)
    grads = []
    for x, y in ((1.0, 2.0), (2.0, 4.0)):
        ((x * w - y) ** 2).backward()
        grads.append(w.grad.data[0].item())
        w.grad.data.zero_()
    assert grads == [-2.0, -8.0]


SEED3_X, SEED3_Y = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([2.0, 4.0, 6.0, 8.0, 10.0])


def test_micro_batch_accumulation_equals_full_batch():
    """Seed 003: summing the gradients of equal micro-batches' mean losses, each scaled by 1/k, equals the
    full batch's mean-loss gradient; the NumPy reference is the seed's formula dL/dW = 2/m sum x (y_hat - y)."""
    xs, ys = T(SEED3_X[:4, None], dtype=F64), T(SEED3_Y[:4, None], dtype=F64)
    w, b = leaf([[0.3]]), leaf([0.1])
    for i in range(0, 4, 2):
        loss = ((xs[i:i + 2] @ w + b - ys[i:i + 2]) ** 2).mean() / 2
        loss.backward()
    acc_w, acc_b = grad_of(w).copy(), grad_of(b).copy()
    w.grad, b.grad = None, None
    ((xs @ w + b - ys) ** 2).mean().backward()
    np.testing.assert_allclose(acc_w, grad_of(w), rtol=1e-14)
    np.testing.assert_allclose(acc_b, grad_of(b), rtol=1e-14)
    r = 0.3 * SEED3_X[:4] + 0.1 - SEED3_Y[:4]
    np.testing.assert_allclose(grad_of(w), [[2 / 4 * np.sum(SEED3_X[:4] * r)]], rtol=1e-14)
    np.testing.assert_allclose(grad_of(b), [2 / 4 * np.sum(r)], rtol=1e-14)


def test_seed_003_accumulation_loop_by_hand():
    """Seed 003's loop (batch 2, accumulation_steps 2, zero_grad each epoch, SGD lr 0.01) with a hand-made
    Linear(1, 1) and update, against the same loop in NumPy."""
    w, b = ember.tensor([[0.5]], requires_grad=True), ember.tensor([-0.2], requires_grad=True)
    x_train, y_train = T(SEED3_X[:, None].tolist()), T(SEED3_Y[:, None].tolist())
    nw, nb = np.float32(0.5), np.float32(-0.2)
    for _ in range(5):
        w.grad, b.grad = None, None
        gw = gb = np.float32(0)
        for i in range(0, 5, 2):
            loss = ((x_train[i:i + 2] @ w.t() + b - y_train[i:i + 2]) ** 2).mean()
            loss.backward()
            xb, yb = SEED3_X[i:i + 2].astype(np.float32), SEED3_Y[i:i + 2].astype(np.float32)
            r = xb * nw + nb - yb
            gw, gb = gw + np.float32(2) / len(xb) * np.sum(xb * r), gb + np.float32(2) / len(xb) * np.sum(r)
            if (i // 2 + 1) % 2 == 0:
                with ember.no_grad():
                    w -= 0.01 * w.grad
                    b -= 0.01 * b.grad
                w.grad.zero_(), b.grad.zero_()
                nw, nb = nw - np.float32(0.01) * gw, nb - np.float32(0.01) * gb
                gw = gb = np.float32(0)
    np.testing.assert_allclose(w.item(), nw, rtol=1e-5)
    np.testing.assert_allclose(b.item(), nb, rtol=1e-5)


# ============================================================================ broadcasting
def test_broadcast_gradients_are_summed_to_input_shapes():
    a, b, c = leaf(np.ones((3, 1))), leaf(np.arange(4.0)), leaf(2.0)
    (a * b * c).sum().backward()
    assert tuple(a.grad.shape) == (3, 1) and tuple(b.grad.shape) == (4,) and tuple(c.grad.shape) == ()
    np.testing.assert_array_equal(grad_of(a), np.full((3, 1), 12.0))
    np.testing.assert_array_equal(grad_of(b), np.full(4, 6.0))
    np.testing.assert_array_equal(grad_of(c), 18.0)


def test_expand_gradient_is_summed():
    x = leaf([[1.0], [2.0]])
    x.expand(2, 5).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [[5.0], [5.0]])


# ============================================================================ grad modes
def test_no_grad_context_records_nothing():
    x = leaf([1.0, 2.0])
    assert ember.is_grad_enabled()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * 2
        z = y.exp().sum()
    assert ember.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf and not z.requires_grad


def test_no_grad_decorator():
    @ember.no_grad()
    def f(t):
        return t * 2, ember.is_grad_enabled()

    y, enabled = f(leaf([1.0]))
    assert not y.requires_grad and not enabled and ember.is_grad_enabled()
    assert f.__name__ == "f"


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with ember.no_grad():
        with ember.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad

    @ember.enable_grad()
    def f(t):
        return t * 2

    with ember.no_grad():
        assert f(x).requires_grad


def test_set_grad_enabled():
    x = leaf([1.0])
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()
    ember.set_grad_enabled(False)  # as a function: switches at once
    try:
        assert not ember.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)
    assert (x * 2).requires_grad

    @ember.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert ember.is_grad_enabled() and not f(x).requires_grad and ember.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()


def test_in_place_on_leaf_under_no_grad_is_allowed_and_untracked():
    w = leaf([1.0, 2.0])
    with ember.no_grad():
        w -= 0.5
        w.mul_(2)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    np.testing.assert_array_equal(numpy_of(w.detach()), [1.0, 3.0])


def test_version_counter_counts_in_place_ops():
    x = T([1.0, 2.0])
    assert x._version == 0
    x.add_(1)
    x.mul_(2)
    x[0] = 5
    assert x._version == 3


# ============================================================================ detach, .data
def test_detach_shares_storage_and_drops_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d.data_ptr() == y.data_ptr()
    d[0] = 10.0
    assert y[0].item() == 10.0


def test_detach_shares_the_version_counter():
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.detach().add_(1)  # y's saved value changed through the detached alias
    with pytest.raises(RuntimeError, match="^" + re.escape(MODIFIED)):
        y.sum().backward()


def test_detach_in_place():
    x = leaf([1.0])
    y = x * 2
    assert y.detach_() is y
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None


def test_data_reads_without_autograd():
    w = leaf([1.0, 2.0])
    d = w.data
    assert not d.requires_grad and d.is_leaf and d.data_ptr() == w.data_ptr()
    d[1] = 7.0
    assert w[1].item() == 7.0


def test_data_assignment_keeps_the_leaf():
    w = leaf([1.0, 2.0])
    w.data = T([5.0, 6.0, 7.0], dtype=F64)
    assert w.requires_grad and w.is_leaf and tuple(w.shape) == (3,)
    np.testing.assert_array_equal(numpy_of(w.detach()), [5.0, 6.0, 7.0])
    (w * w).sum().backward()
    np.testing.assert_array_equal(grad_of(w), [10.0, 12.0, 14.0])


def test_in_place_on_data_is_invisible_to_version_checks():
    w = leaf([1.0, 2.0])
    y = w * w
    w.data.add_(1)
    assert w._version == 0
    y.sum().backward()  # no error; the saved w is the modified one: d(w*w) = 2 (w + 1)
    np.testing.assert_array_equal(grad_of(w), [4.0, 6.0])


def test_seed_001_data_update():
    w = ember.tensor([1.0], requires_grad=True)
    ((2.0 * w - 4.0) ** 2).backward()
    w.data = w.data - 0.01 * w.grad.data
    w.grad.data.zero_()
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.item(), np.float32(1.0) + np.float32(0.01) * np.float32(8.0), rtol=1e-7)
    assert w.grad.item() == 0.0


# ============================================================================ in-place ops
def test_in_place_on_non_leaf_rebases_history():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(grad_of(x), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("name, f, d", [
    ("exp_", lambda y: y.exp_(), np.exp),
    ("mul_", lambda y: y.mul_(3), lambda a: np.full_like(a, 3.0)),
    ("pow_", lambda y: y.pow_(2), lambda a: 2 * a),
    ("sigmoid_", lambda y: y.sigmoid_(), lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2),
    ("iadd", lambda y: y.__iadd__(y), lambda a: np.full_like(a, 2.0)),
    ("clamp_", lambda y: y.clamp_(-0.5, 1.5), lambda a: (abs(a - 0.5) < 1.0) * 1.0),
    ("masked_fill_", lambda y: y.masked_fill_(T([True, False, False]), 0.0), lambda a: np.array([0.0, 1.0, 1.0])),
], ids=lambda v: v if isinstance(v, str) else "")
def test_in_place_op_gradient(name, f, d):
    a = np.array([0.3, -1.2, 1.1])
    x = leaf(a)
    y = x * 1
    f(y)
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), d(a), rtol=1e-14)


def test_in_place_mul_by_itself_raises_at_backward():
    """y.mul_(y) saved y as the other factor and then changed it."""
    x = leaf([1.0, 2.0])
    y = x * 1
    y.mul_(y)
    with raises(RuntimeError, MODIFIED):
        y.sum().backward()


def test_in_place_on_leaf_raises():
    x = leaf([1.0, 2.0])
    with raises(RuntimeError, LEAF_INPLACE):
        x.add_(1)
    with raises(RuntimeError, LEAF_INPLACE):
        x += 1
    with raises(RuntimeError, LEAF_INPLACE):
        x.zero_()


@pytest.mark.parametrize("f", [lambda x: x[0].mul_(2), lambda x: x.view(2).zero_(), lambda x: x[:1].add_(1),
                               lambda x: x.unsqueeze(0).exp_()],
                         ids=["select", "view", "slice", "unsqueeze"])
def test_in_place_on_view_of_leaf_raises(f):
    x = leaf([1.0, 2.0])
    with raises(RuntimeError, VIEW_LEAF_INPLACE):
        f(x)


def test_setitem_on_leaf_raises():
    x = leaf([1.0, 2.0])
    with raises(RuntimeError, VIEW_LEAF_INPLACE):
        x[0] = 5.0


def test_in_place_change_of_saved_tensor_raises_at_backward():
    x = leaf([1.0, 2.0, 3.0])
    y = x.exp()  # saves its output
    y.add_(1)
    with pytest.raises(RuntimeError, match="^" + re.escape(MODIFIED)):
        y.sum().backward()
    a = x * 1
    b = a.sin()  # saves its input
    a.mul_(2)
    with pytest.raises(RuntimeError, match="^" + re.escape(MODIFIED)):
        b.sum().backward()


def test_in_place_change_of_saved_constant_raises():
    """A saved tensor that doesn't require grad is checked too (it would give a wrong gradient)."""
    x, w = leaf([1.0, 2.0]), ember.full((2,), 2.0, dtype=F64)
    y = x * w
    w.add_(1)
    with pytest.raises(RuntimeError, match="^" + re.escape(MODIFIED)):
        y.sum().backward()


def test_modified_saved_tensor_message_is_pytorchs():
    x = T([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    with raises(RuntimeError, MODIFIED + ": [torch.FloatTensor [3]], which is output 0 of Exp, is at "
                "version 1; expected version 0 instead."):
        y.sum().backward()


def test_in_place_change_of_unsaved_input_is_fine():
    x = leaf([1.0, 2.0])
    a = x * 1
    b = a + 1  # add saves nothing
    a.mul_(5)
    (b * 3).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [3.0, 3.0])


def test_setitem_on_view_of_non_leaf():
    x = leaf(np.ones((2, 3)))
    y = x * 1
    y[0] = 5.0
    assert repr(y.grad_fn).startswith("<CopySlices object")
    y.sum().backward()
    np.testing.assert_array_equal(grad_of(x), [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])


def test_in_place_on_view_of_non_leaf():
    x = leaf(np.ones((2, 3)))
    y = x * 1
    y[:, 1].mul_(2)
    assert repr(y.grad_fn).startswith("<CopySlices object")
    (y * T(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [[0.0, 2.0, 2.0], [3.0, 8.0, 5.0]])


def test_setitem_with_a_value_that_requires_grad():
    x, s = leaf([1.0, 1.0, 1.0]), leaf(2.0)
    y = x * 1
    y[1] = s * 3
    (y * T([1.0, 2.0, 3.0], dtype=F64)).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [1.0, 0.0, 3.0])
    assert grad_of(s) == 6.0


def test_view_sees_in_place_change_of_its_base():
    """v = y[0]; y.mul_(3): v's history now goes through the multiplication."""
    x = leaf(np.ones((2, 3)))
    y = x * 1
    v = y[0]
    y.mul_(3)
    v.sum().backward()
    np.testing.assert_array_equal(grad_of(x), [[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])


def test_in_place_through_a_chain_of_views():
    x = leaf(np.arange(12.0).reshape(3, 4))
    y = x * 1
    y.t()[1:, ::2].mul_(10)  # rows 0 and 2 of columns 1..3
    y.sum().backward()
    want = np.ones((3, 4))
    want[[0, 2], 1:] = 10
    np.testing.assert_array_equal(grad_of(x), want)


def test_base_modified_then_view_used_in_loss():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    y = x.exp()
    z = y[1:3]
    z.mul_(x[1:3])  # y changes through its view; exp saved y: the change must be detected
    with pytest.raises(RuntimeError, match="^" + re.escape(MODIFIED)):
        y.sum().backward()


# ============================================================================ hooks
def test_hook_on_leaf_can_replace_the_grad():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(numpy_of(g)))
    h = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [30.0, 30.0])
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(grad_of(x), [3.0, 3.0])


def test_leaf_hook_sees_each_backwards_gradient_not_the_sum():
    x = leaf([1.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert seen == [2.0, 3.0] and x.grad.item() == 5.0


def test_hook_on_non_leaf_changes_upstream_grads():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(numpy_of(g)))
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    np.testing.assert_array_equal(seen[0], [4.0, 8.0])
    np.testing.assert_array_equal(grad_of(x), [10.0, 18.0])  # 2 * (dL/dy + 1)


def test_hook_returning_none_keeps_the_grad():
    x = leaf([1.0])
    y = x * 2
    y.register_hook(lambda g: None)
    y.sum().backward()
    assert x.grad.item() == 2.0


def test_hook_on_tensor_used_twice_runs_once_on_the_sum():
    x = leaf([1.0, 1.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(numpy_of(g)))
    (y * y + y).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [5.0, 5.0])


def test_hook_handle_remove_on_non_leaf():
    x = leaf([1.0])
    y = x * 2
    h = y.register_hook(lambda g: g * 100)
    h.remove()
    y.sum().backward()
    assert x.grad.item() == 2.0


@pytest.mark.parametrize("order", ["retain-then-hook", "hook-then-retain"])
def test_retain_grad_sees_hooked_grad(order):
    """Since PyTorch 2.0 retain_grad's hook runs after the tensor's other hooks, whatever the order."""
    x = leaf([1.0])
    y = x * 2
    if order == "retain-then-hook":
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
    else:
        y.register_hook(lambda g: g * 10)
        y.retain_grad()
    y.sum().backward()
    assert y.grad.item() == 10.0 and x.grad.item() == 20.0


# ============================================================================ autograd.grad
def test_grad_with_grad_outputs():
    x = leaf([1.0, 2.0, 3.0])
    (g,) = ember.autograd.grad(x ** 2, x, grad_outputs=T([1.0, -1.0, 0.5], dtype=F64))
    np.testing.assert_array_equal(numpy_of(g), [2.0, -4.0, 3.0])
    assert x.grad is None


def test_grad_of_several_outputs_and_inputs():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = ember.autograd.grad([(x * y).sum(), (x * x).sum()], [x, y])
    np.testing.assert_array_equal(numpy_of(gx), [5.0, 8.0])
    np.testing.assert_array_equal(numpy_of(gy), [1.0, 2.0])


def test_grad_single_input_returns_a_tuple():
    x = leaf([1.0])
    r = ember.autograd.grad((x * 2).sum(), x)
    assert isinstance(r, tuple) and len(r) == 1


def test_grad_with_respect_to_a_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 3
    (g,) = ember.autograd.grad((y * y).sum(), y)
    np.testing.assert_array_equal(numpy_of(g), [6.0, 12.0])


def test_grad_retain_graph():
    x = leaf([1.0, 2.0])
    z = (x * x).sum()
    ember.autograd.grad(z, x, retain_graph=True)
    (g,) = ember.autograd.grad(z, x)
    np.testing.assert_array_equal(numpy_of(g), [2.0, 4.0])
    with raises(RuntimeError, FREED):
        ember.autograd.grad(z, x)


def test_grad_create_graph():
    x = leaf([1.0, 2.0])
    (g,) = ember.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(numpy_of(h), [6.0, 12.0])


def test_grad_without_create_graph_does_not_require_grad():
    x = leaf([1.0, 2.0])
    (g,) = ember.autograd.grad((x ** 3).sum(), x)
    assert not g.requires_grad


def test_grad_allow_unused():
    x, y = leaf([1.0]), leaf([2.0])
    gx, gy = ember.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and gx.item() == 2.0
    gx, gy = ember.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    assert gy.item() == 0.0


def test_grad_unused_input_raises():
    x, y = leaf([1.0]), leaf([2.0])
    with raises(RuntimeError, "The differentiated Tensor at index 1 appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."):
        ember.autograd.grad((x * 2).sum(), [x, y])


def test_grad_input_not_requiring_grad_raises():
    x = leaf([1.0])
    with raises(RuntimeError, "One of the differentiated Tensors does not require grad"):
        ember.autograd.grad((x * 2).sum(), T([1.0]))


def test_higher_order_grads():
    x = leaf([0.5, 2.0])
    y = x.sin() * x ** 2
    g1 = ember.autograd.grad(y.sum(), x, create_graph=True)[0]
    g2 = ember.autograd.grad(g1.sum(), x, create_graph=True)[0]
    g3 = ember.autograd.grad(g2.sum(), x)[0]
    a = np.array([0.5, 2.0])
    np.testing.assert_allclose(numpy_of(g1.detach()), np.cos(a) * a ** 2 + 2 * a * np.sin(a), rtol=1e-13)
    np.testing.assert_allclose(numpy_of(g2.detach()), -np.sin(a) * a ** 2 + 4 * a * np.cos(a) + 2 * np.sin(a),
                               rtol=1e-13)
    np.testing.assert_allclose(numpy_of(g3), -np.cos(a) * a ** 2 - 6 * a * np.sin(a) + 6 * np.cos(a), rtol=1e-13)


def test_backward_create_graph_then_backward_of_grad():
    x = leaf([1.0, 3.0])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_array_equal(grad_of(x), [6.0, 18.0])


# ============================================================================ functional.jacobian / hessian
def test_jacobian():
    a = np.array([0.5, -1.0, 2.0])
    J = ember.autograd.functional.jacobian(lambda x: x ** 2 * x.sum(), T(a))
    want = np.diag(2 * a * a.sum()) + (a ** 2)[:, None]
    np.testing.assert_allclose(numpy_of(J), want, rtol=1e-13)


def test_jacobian_of_two_inputs():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -1.0])
    ja, jb = ember.autograd.functional.jacobian(lambda x, v: x @ v, (T(a, dtype=F64), T(b, dtype=F64)))
    assert tuple(ja.shape) == (2, 2, 2) and tuple(jb.shape) == (2, 2)
    want_a = np.zeros((2, 2, 2))
    for i in range(2):
        want_a[i, i, :] = b
    np.testing.assert_array_equal(numpy_of(ja), want_a)
    np.testing.assert_array_equal(numpy_of(jb), a)


def test_hessian():
    A = np.array([[1.0, 2.0, 0.0], [0.5, 3.0, 1.0], [0.0, -1.0, 2.0]])
    a = np.array([0.3, -0.7, 1.1])
    H = ember.autograd.functional.hessian(lambda x: x @ T(A) @ x + x.sin().sum(), T(a))
    np.testing.assert_allclose(numpy_of(H), A + A.T - np.diag(np.sin(a)), rtol=1e-13, atol=1e-15)


# ============================================================================ custom Function
class Scale(Function):
    """a * b * k for tensors a, b and a number k."""
    last_ctx = None

    @staticmethod
    def forward(ctx, a, b, k):
        Scale.last_ctx = ctx
        ctx.save_for_backward(a, b)
        ctx.k = k
        ctx.seen_needs = ctx.needs_input_grad
        return a * b * k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.k, g * a * ctx.k, None


def test_custom_function_forward_and_backward():
    x, c = leaf([1.0, 2.0]), T([3.0, 4.0], dtype=F64)
    y = Scale.apply(x, c, 0.5)
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name() == "ScaleBackward"
    np.testing.assert_array_equal(numpy_of(y.detach()), [1.5, 4.0])
    (y * y).sum().backward()
    np.testing.assert_array_equal(grad_of(x), 2 * np.array([1.5, 4.0]) * np.array([3.0, 4.0]) * 0.5)


def test_custom_function_needs_input_grad():
    x, c = leaf([1.0]), T([3.0], dtype=F64)
    Scale.apply(x, c, 2.0)
    assert Scale.last_ctx.seen_needs == (True, False, False)
    Scale.apply(c, x, 2.0)
    assert Scale.last_ctx.seen_needs == (False, True, False)


def test_custom_function_without_grad_records_nothing():
    x, c = leaf([1.0]), T([3.0], dtype=F64)
    assert Scale.apply(c, c, 2.0).grad_fn is None
    with ember.no_grad():
        assert not Scale.apply(x, c, 2.0).requires_grad


def test_custom_function_saved_tensors_freed_after_backward():
    x = leaf([1.0])
    Scale.apply(x, x, 1.0).sum().backward()
    with raises(RuntimeError, FREED):
        Scale.last_ctx.saved_tensors


def test_custom_function_saved_tensor_modified_raises():
    x = leaf([1.0, 2.0])
    a = x * 1
    y = Scale.apply(a, a, 1.0)
    a.add_(1)
    with pytest.raises(RuntimeError, match="^" + re.escape(MODIFIED)):
        y.sum().backward()


def test_custom_function_wrong_number_of_grads_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with raises(RuntimeError, "function BadBackward returned an incorrect number of gradients (expected 2, got 1)"):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_custom_function_with_two_outputs_and_double_backward():
    class SinCos(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.sin(), a.cos()

        @staticmethod
        def backward(ctx, gs, gc):
            (a,) = ctx.saved_tensors
            return gs * a.cos() - gc * a.sin()

    a = np.array([0.3, 1.2])
    x = leaf(a)
    s, c = SinCos.apply(x)
    (g,) = ember.autograd.grad((s * 2 + c).sum(), x, create_graph=True)
    np.testing.assert_allclose(numpy_of(g.detach()), 2 * np.cos(a) - np.sin(a), rtol=1e-14)
    (h,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(numpy_of(h), -2 * np.sin(a) - np.cos(a), rtol=1e-14)
    s, _ = SinCos.apply(x)  # an unused output gets a zero gradient
    x.grad = None
    s.sum().backward()
    np.testing.assert_allclose(grad_of(x), np.cos(a), rtol=1e-14)


def test_variable_is_the_legacy_wrapper():
    from ember.autograd import Variable
    v = Variable(ember.Tensor([1.0]), requires_grad=True)
    assert isinstance(v, ember.Tensor) and v.requires_grad and v.is_leaf
    assert not Variable(T([1.0])).requires_grad
    (v * 3).sum().backward()
    assert v.grad.item() == 3.0


# ============================================================================ gradcheck
class WrongSquare(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a * 3  # should be 2


class RightSquare(WrongSquare):
    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a * 2


def test_gradcheck_passes_a_correct_function():
    x = leaf([0.5, -1.5, 2.0])
    assert ember.autograd.gradcheck(RightSquare.apply, (x,)) is True
    assert ember.autograd.gradcheck(lambda a, b: (a * b).exp(), (x, leaf([1.0, 0.2, -0.3]))) is True


def test_gradcheck_raises_on_a_wrong_backward():
    x = leaf([0.5, -1.5, 2.0])
    with pytest.raises(RuntimeError, match="^Jacobian mismatch for output 0 with respect to input 0"):
        ember.autograd.gradcheck(WrongSquare.apply, (x,))
    assert ember.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_passes():
    x = leaf([0.5, -1.5])
    assert ember.autograd.gradgradcheck(RightSquare.apply, (x,)) is True
    assert ember.autograd.gradgradcheck(lambda a: a.exp() * a, (x,)) is True


# ============================================================================ anomaly mode
class NaNGrad(Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return g * float("nan")


def test_detect_anomaly_names_a_custom_function():
    x = leaf([1.0])
    with ember.autograd.detect_anomaly():
        with raises(RuntimeError, "Function 'NaNGradBackward' returned nan values in its 0th output."):
            NaNGrad.apply(x).sum().backward()


@pytest.mark.parametrize("f, text", [
    (lambda x: (x.sqrt() * 0).sum(), "Function 'SqrtBackward0' returned nan values in its 0th output."),
    (lambda x: (x / x).sum(), "Function 'DivBackward0' returned nan values in its 1th output."),
], ids=["sqrt(0)*0", "x/x at 0"])
def test_detect_anomaly_names_the_op(f, text):
    x = leaf([0.0, 1.0])
    with ember.autograd.detect_anomaly():
        with raises(RuntimeError, text):
            f(x).backward()


def test_without_anomaly_mode_nan_grads_pass_silently():
    x = leaf([0.0, 1.0])
    (x.sqrt() * 0).sum().backward()
    assert np.isnan(grad_of(x)[0])


def test_set_detect_anomaly():
    try:
        with ember.autograd.set_detect_anomaly(True):
            with pytest.raises(RuntimeError, match="NaNGradBackward"):
                NaNGrad.apply(leaf([1.0])).sum().backward()
        NaNGrad.apply(leaf([1.0])).sum().backward()  # off again on exit: no error
    finally:
        ember.autograd.set_detect_anomaly(False)  # don't leak anomaly mode into later tests


# ============================================================================ deep graphs, memory
def run_script(code, timeout=300):
    """Runs code in a fresh interpreter, so a stack overflow is a failed test, not a crashed session."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}"
    return r.stdout


def test_100k_op_chain_backpropagates():
    out = run_script("""
        import ember
        x = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.000001 + 0.0
        y.sum().backward()
        print(repr(x.grad.item()))
    """)
    assert np.isclose(float(out), 1.000001 ** 100_000, rtol=1e-9)


def test_100k_op_chain_freed_without_backward():
    """Dropping an unused deep graph (100k steps of two ops) must not recurse through its node destructors."""
    run_script("""
        import ember
        x = ember.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(100_000):
            y = (y * 1.000001).sin()
        del y
        print("ok")
    """)


def test_100k_chain_with_create_graph_and_retain_graph():
    out = run_script("""
        import ember
        x = ember.tensor([0.5], dtype=ember.float64, requires_grad=True)
        y = x
        for _ in range(50_000):
            y = y + x * 1e-5
        (g,) = ember.autograd.grad(y.sum(), x, create_graph=True)
        y.sum().backward(retain_graph=True)
        print(repr(g.item()), repr(x.grad.item()))
    """)
    g, acc = map(float, out.split())
    assert np.isclose(g, 1 + 50_000 * 1e-5, rtol=1e-9) and np.isclose(acc, g, rtol=1e-12)


def test_memory_is_bounded_over_20k_training_steps():
    """A tiny MLP trained for 20,000 steps: after warm-up, neither the allocator's cache nor the process's
    resident memory may keep growing (each step's graph, saved tensors and grads must be freed)."""
    out = run_script("""
        import os
        import ember
        page = os.sysconf("SC_PAGE_SIZE")
        def rss():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * page
        ember.manual_seed(0)
        x, y = ember.randn(16, 8), ember.randn(16, 1)
        w1 = (ember.randn(8, 32) * 0.1).requires_grad_()
        b1 = ember.zeros(32, requires_grad=True)
        w2 = (ember.randn(32, 1) * 0.1).requires_grad_()
        params = [w1, b1, w2]
        marks = {}
        for step in range(20_000):
            h = (x @ w1 + b1).tanh()
            loss = ((h @ w2).sigmoid() - y.sigmoid()).pow(2).mean() + 1e-4 * (w1 * w1).sum()
            loss.backward()
            with ember.no_grad():
                for p in params:
                    p -= 0.01 * p.grad
                    p.grad.zero_()
            if step in (2_000, 19_999):
                marks[step] = (rss(), ember._C._allocator_stats()["cached_bytes"])
        print(*marks[2_000], *marks[19_999])
    """)
    rss0, cache0, rss1, cache1 = map(int, out.split())
    assert cache1 <= max(cache0, 1) * 2 + (1 << 20), f"allocator cache grew from {cache0} to {cache1} bytes"
    assert rss1 - rss0 < 16 << 20, f"RSS grew by {(rss1 - rss0) >> 20} MiB over 18,000 steps"
