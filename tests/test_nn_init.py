"""ember.nn.init and layer construction draw exactly PyTorch's values.

After ember.manual_seed(s), nn.Linear / nn.Embedding / the nn.init functions
give PyTorch's values bit for bit (tests/data/torch_nn.json, recorded by
tests/record_torch_nn.py; RNG-NOTES section 8 for the formulas)."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from nn_helpers import cases, ids, replay

SEEDED = cases("tensors", prefix=("linear_", "mlp_", "embedding_", "init_")) + cases("value", prefix=("calculate_gain",
                                                                                                     "fan_in_out"))


@pytest.mark.parametrize("case", SEEDED, ids=ids(SEEDED))
def test_matches_pytorch(case):
    replay(case)


def test_recording_covers_the_cases_that_matter():
    names = set(ids(SEEDED))
    for needed in ("linear_1_1", "linear_784_128", "mlp_784_128_10", "embedding_10_3", "init_xavier_uniform",
                   "init_kaiming_normal", "init_orthogonal", "calculate_gain"):
        assert needed in names


def test_linear_1_1_seed_0():
    # the values RNG-NOTES section 11 lists (and the seeds' programs start from)
    ember.manual_seed(0)
    m = nn.Linear(1, 1)
    assert float(m.weight) == float.fromhex("-0x1.eaa8p-8") == pytest.approx(-0.00748682, abs=1e-9)
    assert float(m.bias) == float.fromhex("0x1.12a8bcp-1") == pytest.approx(0.5364436, abs=1e-7)
    ember.manual_seed(0)
    w = nn.Linear(784, 128).weight
    assert float(w[0, 0]) == float(np.float32(-0.00026738644)) and float(w[0, 1]) == float.fromhex("0x1.39e56ap-6")


def test_linear_bounds():
    ember.manual_seed(3)
    m = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) gives the same bound as the bias
    w, b = np.asarray(m.weight.detach()), np.asarray(m.bias.detach())
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.95 * bound and w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_init_functions_return_their_argument_and_record_no_graph():
    w = nn.Parameter(ember.empty(4, 3))
    for fn in (nn.init.uniform_, nn.init.normal_, nn.init.xavier_uniform_, nn.init.xavier_normal_,
               nn.init.kaiming_uniform_, nn.init.kaiming_normal_, nn.init.zeros_, nn.init.ones_, nn.init.eye_,
               nn.init.orthogonal_, lambda t: nn.init.constant_(t, 0.3)):
        out = fn(w)
        assert out is w and w.is_leaf and w.grad_fn is None and w.requires_grad


def test_normal_and_uniform_parameters():
    ember.manual_seed(0)
    t = nn.init.normal_(ember.empty(20000), mean=2.0, std=0.5)
    a = np.asarray(t)
    assert a.mean() == pytest.approx(2.0, abs=0.02) and a.std() == pytest.approx(0.5, rel=0.02)
    u = np.asarray(nn.init.uniform_(ember.empty(20000), -3.0, -1.0))
    assert u.min() >= -3.0 and u.max() < -1.0


def test_eye_and_constant():
    np.testing.assert_array_equal(np.asarray(nn.init.eye_(ember.empty(2, 4))), np.eye(2, 4))
    np.testing.assert_array_equal(np.asarray(nn.init.constant_(ember.empty(2, 2), 1.5)), np.full((2, 2), 1.5))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.eye_(ember.empty(3))


def test_orthogonal_is_orthogonal():
    ember.manual_seed(1)
    q = np.asarray(nn.init.orthogonal_(ember.empty(5, 8), gain=3.0)).astype(np.float64)
    np.testing.assert_allclose(q @ q.T, 9 * np.eye(5), atol=1e-5)
    q = np.asarray(nn.init.orthogonal_(ember.empty(6, 2, 2))).reshape(6, 4).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)


def test_fan_and_gain():
    assert nn.init._calculate_fan_in_and_fan_out(ember.empty(7, 3, 2, 2)) == (12, 28)
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 "
                                         "dimensions"):
        nn.init.xavier_uniform_(ember.empty(5))
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        nn.init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        nn.init.kaiming_uniform_(ember.empty(2, 2), mode="fan_avg")


def test_zero_element_kaiming_warns_and_draws_nothing():
    ember.manual_seed(0)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        nn.init.kaiming_uniform_(ember.empty(0, 3))
    first = float(ember.rand(1))
    ember.manual_seed(0)
    assert float(ember.rand(1)) == first


def test_generator_argument():
    g = ember.Generator().manual_seed(5)
    a = np.asarray(nn.init.uniform_(ember.empty(4), generator=g))
    g.manual_seed(5)
    b = np.asarray(nn.init.uniform_(ember.empty(4), generator=g))
    np.testing.assert_array_equal(a, b)


def test_embedding_init_and_padding_row():
    ember.manual_seed(0)
    m = nn.Embedding(50, 8, padding_idx=3)
    w = np.asarray(m.weight.detach())
    assert np.all(w[3] == 0) and w.std() == pytest.approx(1.0, rel=0.15)
    pre = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(pre)
    assert not e.weight.requires_grad and e.weight.data_ptr() == pre.data_ptr()


def test_deprecated_names_warn():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        nn.init.uniform(ember.empty(2))
    assert any("nn.init.uniform_" in str(x.message) for x in w)
