"""F.scaled_dot_product_attention, nn.MultiheadAttention and the Transformer
encoder: forward and gradients against a float64 NumPy reference, and
parameters (bit for bit), outputs, gradients and errors against torch's,
recorded in tests/data/torch_attn.json by tests/record_torch_attn.py."""
import json
import os

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from nn_helpers import check_grad, replay

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_attn.json")) as _f:
    RECORDED = json.load(_f)["cases"]


@pytest.mark.parametrize("case", RECORDED, ids=[c["id"] for c in RECORDED])
def test_matches_torch(case):
    replay(case)


# ---- float64 NumPy reference ----
def np_softmax(s):
    """softmax over the last axis; rows that are all -inf give zeros (torch's math path)."""
    dead = np.all(np.isneginf(s), axis=-1, keepdims=True)
    s = np.where(dead, 0.0, s)
    e = np.exp(s - s.max(-1, keepdims=True))
    return np.where(dead, 0.0, e / e.sum(-1, keepdims=True))


def np_sdpa(q, k, v, bias=None, scale=None):
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if bias is not None:
        s = s + bias
    return np_softmax(s) @ v


def bool_bias(keep):
    return np.where(keep, 0.0, -np.inf)


R = np.random.default_rng(0)
Q, K, V = R.normal(size=(2, 3, 4, 5)), R.normal(size=(2, 3, 6, 5)), R.normal(size=(2, 3, 6, 2))
KEEP = R.uniform(size=(4, 6)) > 0.4
KEEP[:, 0] = True
KEEP_DEAD = KEEP.copy()
KEEP_DEAD[2] = False  # a query that may attend to nothing
BIAS = R.normal(size=(3, 1, 6))
CAUSAL = np.tril(np.ones((4, 6), dtype=bool))

SDPA_ROWS = [  # (id, ember call on (q, k, v), NumPy reference on (q, k, v))
    ("plain", lambda q, k, v: F.scaled_dot_product_attention(q, k, v), np_sdpa),
    ("bool_mask", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(KEEP)),
     lambda q, k, v: np_sdpa(q, k, v, bool_bias(KEEP))),
    ("bool_mask_dead_row", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(KEEP_DEAD)),
     lambda q, k, v: np_sdpa(q, k, v, bool_bias(KEEP_DEAD))),
    ("float_mask", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=ember.tensor(BIAS, dtype=ember.float64)), lambda q, k, v: np_sdpa(q, k, v, BIAS)),
    ("causal_scale", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
     lambda q, k, v: np_sdpa(q, k, v, bool_bias(CAUSAL), 0.3)),
]


@pytest.mark.parametrize("call,ref", [r[1:] for r in SDPA_ROWS], ids=[r[0] for r in SDPA_ROWS])
def test_sdpa_against_numpy(call, ref):
    check_grad(call, ref, [Q, K, V], wrt=(0, 1, 2), rtol=1e-5, atol=1e-7)


def test_sdpa_dead_row_is_zero_with_zero_gradient():
    q = ember.tensor(Q, requires_grad=True)
    out = F.scaled_dot_product_attention(q, ember.tensor(K), ember.tensor(V), attn_mask=ember.tensor(KEEP_DEAD))
    out.sum().backward()
    assert not np.isnan(np.asarray(out.detach())).any()
    assert np.all(np.asarray(out.detach())[:, :, 2] == 0)
    assert np.all(np.asarray(q.grad)[:, :, 2] == 0)


def test_sdpa_dropout_zero_keeps_rng_and_p_draws_like_f_dropout():
    q, k, v = (ember.tensor(a, dtype=ember.float32) for a in (Q, K, V))
    ember.manual_seed(3)
    F.scaled_dot_product_attention(q, k, v)  # no draw without dropout
    after = ember.rand(1).item()
    ember.manual_seed(3)
    assert ember.rand(1).item() == after
    ember.manual_seed(4)
    got = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ember.manual_seed(4)
    weights = F.dropout(F.scaled_dot_product_attention(q, k, ember.eye(6).expand(2, 3, 6, 6)), 0.5)
    np.testing.assert_allclose(np.asarray(got), np.asarray(weights @ v), rtol=1e-5, atol=1e-6)


# ---- MultiheadAttention against the NumPy reference (its own parameters) ----
def np_mha(m, query, key, value, keep=None):
    """Sequence-first MHA in float64 from m's parameters; keep: (L, S) bool, True = attend."""
    p = {n: np.asarray(t.detach(), dtype=np.float64) for n, t in m.named_parameters()}
    E, H = m.embed_dim, m.num_heads
    w_q, w_k, w_v = np.split(p["in_proj_weight"], 3)
    b_q, b_k, b_v = np.split(p["in_proj_bias"], 3)
    L, N, _ = query.shape
    S = key.shape[0]

    def heads(x, n):  # (len, N, E) -> (N, H, len, E/H)
        return x.reshape(n, N, H, E // H).transpose(1, 2, 0, 3)

    q, k, v = heads(query @ w_q.T + b_q, L), heads(key @ w_k.T + b_k, S), heads(value @ w_v.T + b_v, S)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(E // H)
    if keep is not None:
        s = s + bool_bias(keep)
    w = np_softmax(s)
    o = (w @ v).transpose(2, 0, 1, 3).reshape(L, N, E)
    return o @ p["out_proj.weight"].T + p["out_proj.bias"], w.mean(1)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_against_numpy(need_weights):
    ember.manual_seed(0)
    m = nn.MultiheadAttention(6, 3, dtype=ember.float64)
    ember.manual_seed(1)
    with ember.no_grad():  # nonzero biases, so they are exercised
        m.in_proj_bias.normal_()
        m.out_proj.bias.normal_()
    x, mem = R.normal(size=(4, 2, 6)), R.normal(size=(5, 2, 6))
    keep = np.tril(np.ones((4, 5), dtype=bool))
    o, w = m(ember.tensor(x), ember.tensor(mem), ember.tensor(mem), attn_mask=ember.tensor(~keep),
             need_weights=need_weights)
    want_o, want_w = np_mha(m, x, mem, mem, keep)
    np.testing.assert_allclose(np.asarray(o.detach()), want_o, rtol=1e-10, atol=1e-12)
    if need_weights:
        np.testing.assert_allclose(np.asarray(w.detach()), want_w, rtol=1e-10, atol=1e-12)
    else:
        assert w is None


def test_mha_gradient_wrt_query():
    ember.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, dtype=ember.float64)
    mem = R.normal(size=(3, 2, 4))
    check_grad(lambda x: m(x, ember.tensor(mem), ember.tensor(mem))[0],
               lambda x: np_mha(m, x, mem, mem)[0], [R.normal(size=(2, 2, 4))], rtol=1e-5, atol=1e-7)


def test_mha_state_dict_round_trip_and_batch_first_equivalence():
    ember.manual_seed(0)
    a = nn.MultiheadAttention(8, 2)
    b = nn.MultiheadAttention(8, 2, batch_first=True)
    b.load_state_dict(a.state_dict())
    x = ember.randn(5, 3, 8)
    oa, wa = a(x, x, x)
    ob, wb = b(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1))
    np.testing.assert_allclose(np.asarray(oa.detach()), np.asarray(ob.detach().transpose(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(wa.detach()), np.asarray(wb.detach()), rtol=1e-6)


def test_encoder_layers_are_independent_copies():
    ember.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2,
                                 enable_nested_tensor=False)
    w0, w1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert w0 is not w1 and np.array_equal(np.asarray(w0.detach()), np.asarray(w1.detach()))
    with ember.no_grad():
        w0.add_(1.0)
    assert not np.array_equal(np.asarray(w0.detach()), np.asarray(w1.detach()))


def test_sdpa_double_backward_matches_central_differences_of_the_gradient():
    k, v = ember.tensor(K), ember.tensor(V)
    keep = ember.tensor(KEEP_DEAD)

    def grad_of(qa):
        q = ember.tensor(qa, requires_grad=True)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        (g,) = ember.autograd.grad((out * out).sum(), q, create_graph=True)
        return q, g

    q, g = grad_of(Q)
    (g * g).sum().backward()  # d/dq of |grad|^2, through the composite's backward
    eps, want = 1e-6, np.zeros_like(Q)
    for j in np.ndindex(*Q.shape):
        hi, lo = Q.copy(), Q.copy()
        hi[j] += eps
        lo[j] -= eps
        f = [float((grad_of(a)[1] ** 2).sum()) for a in (hi, lo)]
        want[j] = (f[0] - f[1]) / (2 * eps)
    np.testing.assert_allclose(np.asarray(q.grad), want, rtol=1e-4, atol=1e-6)


def test_encoder_warns_as_torch_when_nested_tensor_cannot_be_used():
    with pytest.warns(UserWarning, match="self.use_nested_tensor is False because encoder_layer.norm_first was True"):
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, batch_first=True, norm_first=True), 1)
    assert enc.use_nested_tensor is False
