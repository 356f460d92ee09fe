"""nn.RNN/LSTM/GRU and their cells: forward against a NumPy float64 reference of
the published equations, gradients against central differences, seeded
parameters and outputs against values recorded from PyTorch
(tests/record_torch_rnn.py)."""
import json
import os

import numpy as np
import pytest

import ember
import ember.nn as nn

DATA = os.path.join(os.path.dirname(__file__), "data", "torch_rnn.json")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_cell(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    """One step of the cell from its textbook equations (PyTorch's documented gate order)."""
    gi = x @ w_ih.T + (b_ih if b_ih is not None else 0)
    h = state[0] if mode == "LSTM" else state
    gh = h @ w_hh.T + (b_hh if b_hh is not None else 0)
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c = sigmoid(f) * state[1] + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    if mode == "GRU":
        r = sigmoid(gi[..., :h.shape[-1]] + gh[..., :h.shape[-1]])
        z = sigmoid(gi[..., h.shape[-1]:2 * h.shape[-1]] + gh[..., h.shape[-1]:2 * h.shape[-1]])
        n = np.tanh(gi[..., 2 * h.shape[-1]:] + r * gh[..., 2 * h.shape[-1]:])
        return (1 - z) * n + z * h
    pre = gi + gh
    return np.maximum(pre, 0) if mode == "RNN_RELU" else np.tanh(pre)


def np_rnn(m, x):
    """The whole module in NumPy: (L, N, H_in) input, zero initial state; returns output and final states."""
    mode = m.mode
    params = {k: v.detach().numpy().astype(np.float64) for k, v in m.named_parameters()}
    dirs = 2 if m.bidirectional else 1
    finals = []
    for layer in range(m.num_layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w = [params.get(f"{n}{sfx}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            h = np.zeros((x.shape[1], m.hidden_size))
            state = (h, h.copy()) if mode == "LSTM" else h
            seq = [None] * x.shape[0]
            for t in (range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])):
                state = np_cell(mode, x[t], state, *w)
                seq[t] = state[0] if mode == "LSTM" else state
            finals.append(state)
            outs.append(np.stack(seq))
        x = np.concatenate(outs, axis=2)
    return x, finals


MODULES = [
    (nn.LSTM, dict(num_layers=2, bidirectional=True)),
    (nn.GRU, dict(num_layers=2)),
    (nn.GRU, dict(bidirectional=True, bias=False)),
    (nn.RNN, dict(nonlinearity="relu", num_layers=2)),
    (nn.RNN, dict()),
    (nn.LSTM, dict(bias=False)),
]


@pytest.mark.parametrize("cls, kw", MODULES, ids=[f"{c.__name__}-{k}" for c, k in MODULES])
@pytest.mark.parametrize("batch_first", [False, True])
def test_forward_matches_numpy(cls, kw, batch_first):
    ember.manual_seed(0)
    m = cls(4, 5, batch_first=batch_first, **kw).double()
    x = np.random.default_rng(1).standard_normal((6, 3, 4))
    inp = ember.tensor(x.transpose(1, 0, 2) if batch_first else x)
    out, h = m(inp)
    want, finals = np_rnn(m, x)
    got = out.detach().numpy()
    np.testing.assert_allclose(got.transpose(1, 0, 2) if batch_first else got, want, rtol=1e-10, atol=1e-12)
    if m.mode == "LSTM":
        np.testing.assert_allclose(h[0].detach().numpy(), np.stack([s[0] for s in finals]), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(h[1].detach().numpy(), np.stack([s[1] for s in finals]), rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(h.detach().numpy(), np.stack(finals), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_gradients_match_central_differences(cls):
    ember.manual_seed(0)
    m = cls(3, 2, num_layers=2, bidirectional=True).double()
    x0 = np.random.default_rng(2).standard_normal((4, 2, 3))
    x = ember.tensor(x0, requires_grad=True)
    out, _ = m(x)
    (out ** 2).sum().backward()

    def loss(a):
        return (np_rnn(m, a)[0] ** 2).sum()
    eps = 1e-6
    num = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        hi, lo = x0.copy(), x0.copy()
        hi[idx] += eps
        lo[idx] -= eps
        num[idx] = (loss(hi) - loss(lo)) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-6, atol=1e-8)
    w = m.weight_hh_l1_reverse
    base = w.detach().numpy().copy()
    num_w = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        for sign in (1, -1):
            with ember.no_grad():
                w.copy_(ember.tensor(base))
                w[idx] = base[idx] + sign * eps
            num_w[idx] += sign * loss(x0) / (2 * eps)
    with ember.no_grad():
        w.copy_(ember.tensor(base))
    np.testing.assert_allclose(w.grad.numpy(), num_w, rtol=1e-6, atol=1e-8)


def test_hidden_state_is_used_and_unbatched_input_works():
    ember.manual_seed(0)
    m = nn.LSTM(4, 5).double()
    x = np.random.default_rng(3).standard_normal((6, 4))
    h0 = np.random.default_rng(4).standard_normal((1, 5))
    c0 = np.random.default_rng(5).standard_normal((1, 5))
    out, (h, c) = m(ember.tensor(x), (ember.tensor(h0), ember.tensor(c0)))
    assert out.shape == (6, 5) and h.shape == (1, 5) and c.shape == (1, 5)
    w = [p.detach().numpy() for p in (m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0)]
    state = (h0, c0)
    for t in range(6):
        state = np_cell("LSTM", x[t][None], state, *w)
    np.testing.assert_allclose(h.detach().numpy(), state[0], rtol=1e-10)
    np.testing.assert_allclose(c.detach().numpy(), state[1], rtol=1e-10)


@pytest.mark.parametrize("cls, mode", [(nn.LSTMCell, "LSTM"), (nn.GRUCell, "GRU"), (nn.RNNCell, "RNN_TANH")])
def test_cells_match_numpy(cls, mode):
    ember.manual_seed(0)
    m = cls(4, 3).double()
    x = np.random.default_rng(6).standard_normal((2, 4))
    w = [p.detach().numpy() for p in (m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh)]
    h0 = np.zeros((2, 3))
    want = np_cell(mode, x, (h0, h0) if mode == "LSTM" else h0, *w)
    got = m(ember.tensor(x))
    if mode == "LSTM":
        np.testing.assert_allclose(got[0].detach().numpy(), want[0], rtol=1e-10)
        np.testing.assert_allclose(got[1].detach().numpy(), want[1], rtol=1e-10)
        assert m(ember.tensor(x[0]))[0].shape == (3,)
    else:
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10)
        assert m(ember.tensor(x[0])).shape == (3,)


def test_parameter_names_shapes_and_range():
    m = nn.LSTM(4, 5, num_layers=2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert names[4:8] == [f"{n}_l0_reverse" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert m.weight_ih_l1.shape == (20, 10) and m.weight_hh_l1_reverse.shape == (20, 5)
    bound = 1 / np.sqrt(5)
    assert all(float(p.abs().max()) <= bound for p in m.parameters())
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 4
    assert repr(m) == "LSTM(4, 5, num_layers=2, bidirectional=True)"
    m.flatten_parameters()


def test_dropout_applies_between_layers_only_in_training():
    ember.manual_seed(0)
    m = nn.GRU(4, 5, num_layers=2, dropout=0.5).double()
    x = ember.tensor(np.random.default_rng(7).standard_normal((3, 2, 4)))
    m.eval()
    want, _ = np_rnn(m, x.numpy())
    np.testing.assert_allclose(m(x)[0].detach().numpy(), want, rtol=1e-10)
    m.train()
    ember.manual_seed(1)
    a = m(x)[0].detach().numpy()
    ember.manual_seed(1)
    b = m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)           # the same seed draws the same mask
    assert not np.allclose(a, want)               # and the mask changes the result
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(4, 5, dropout=0.2)


def test_errors():
    m = nn.GRU(4, 5)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 4, got 3"):
        m(ember.zeros(2, 1, 3))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D instead"):
        m(ember.zeros(2, 1, 1, 4))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 3, 6\), got \[2, 3, 6\]"):
        nn.LSTM(4, 6)(ember.zeros(5, 3, 4), (ember.zeros(2, 3, 6), ember.zeros(2, 3, 6)))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(4, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(4, 5, dropout=1.5)


def _recorded():
    with open(DATA) as f:
        return json.load(f)["cases"]


@pytest.mark.parametrize("case", _recorded(), ids=lambda c: c["module"])
def test_seeded_parameters_and_outputs_match_pytorch(case):
    ember.manual_seed(case["seed"])
    m = getattr(nn, case["module"])(*case["args"], **case["kwargs"])
    for name, p in m.named_parameters():
        want = np.array([float.fromhex(v) for v in case["params"][name]], dtype=np.float32)
        np.testing.assert_array_equal(p.detach().numpy().reshape(-1), want, err_msg=name)
    x = np.random.default_rng(case["input"]["seed"]).standard_normal(case["input"]["shape"]).astype(np.float32)
    r = m(ember.tensor(x))
    out = r[0] if isinstance(r, tuple) else r
    np.testing.assert_allclose(out.detach().numpy().reshape(-1), case["output"], rtol=1e-5, atol=1e-6)
    if "h_n" in case:
        h = r[1][0] if isinstance(r[1], tuple) else r[1]
        np.testing.assert_allclose(h.detach().numpy().reshape(-1), case["h_n"], rtol=1e-5, atol=1e-6)
    if "c_n" in case:
        np.testing.assert_allclose(r[1][1].detach().numpy().reshape(-1), case["c_n"], rtol=1e-5, atol=1e-6)
