"""ember's random streams are PyTorch's, bit for bit.

Replays every case of tests/data/torch_rng.json (recorded from PyTorch by
tests/record_torch_rng.py; its docstring gives the format) through ember's
Python API. tests/rng/compare.py replays the same file through the C++
kernels directly; its result comparison (exact bits, digests for long
results) is reused here. A case whose op ember lacks fails, it is not skipped.
"""
import hashlib
import importlib.util
import json
import os
import warnings

import numpy as np
import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_rng_compare", os.path.join(HERE, "rng", "compare.py"))
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)

with open(os.path.join(HERE, "data", "torch_rng.json")) as _f:
    DOC = json.load(_f)
CASES = DOC["cases"]

DTYPES = {"float32": ember.float32, "float64": ember.float64, "int64": ember.int64, "int32": ember.int32,
          "float16": ember.float16, "bfloat16": ember.bfloat16, "bool": ember.bool}
STATE_BYTES = 5056


def flat(t):
    """A result tensor as a 1-D NumPy array in memory order (t is contiguous), in
    the recording's dtype: float16/bfloat16 widened to float32, bool as int64."""
    if t.dtype in (ember.float16, ember.bfloat16):
        t = t.float()
    elif t.dtype == ember.bool:
        t = t.long()
    return np.ascontiguousarray(t.contiguous().reshape(-1).numpy())


def state_bytes(state):
    """get_rng_state()/get_state() as bytes: ember holds the byte values in an int64 tensor."""
    assert state.dim() == 1 and state.numel() == STATE_BYTES, state.shape
    vals = state.numpy().astype(np.int64)
    assert vals.min() >= 0 and vals.max() <= 255
    return vals.astype(np.uint8).tobytes()


class Replay:
    """Runs one case's steps on ember; step() returns a mismatch description or None."""

    def __init__(self, case):
        self.saved = {}
        seed = case["seed"]
        if case["generator"] == "default":
            ember.manual_seed(seed)
            self.gen = None
        else:
            self.gen = ember.Generator()
            if seed is not None:
                self.gen.manual_seed(seed)

    def kw(self):
        return {} if self.gen is None else {"generator": self.gen}

    def step(self, s):
        return getattr(self, "op_" + s["op"])(s)

    def op_rand(self, s):
        return compare.compare_result(flat(ember.rand(s["size"], dtype=DTYPES[s["dtype"]], **self.kw())),
                                      s["expected"])

    def op_randn(self, s):
        return compare.compare_result(flat(ember.randn(s["size"], dtype=DTYPES[s["dtype"]], **self.kw())),
                                      s["expected"])

    def op_normal_(self, s):
        x = ember.empty(s["size"], dtype=DTYPES[s["dtype"]])
        v = x.t() if s.get("view") == "t" else x
        v.normal_(s["mean"], s["std"], **self.kw())
        return compare.compare_result(flat(x), s["expected"])

    def op_uniform_(self, s):
        x = ember.empty(s["size"], dtype=DTYPES[s["dtype"]])
        x.uniform_(s["low"], s["high"], **self.kw())
        return compare.compare_result(flat(x), s["expected"])

    def op_randint(self, s):
        t = ember.randint(s["low"], s["high"], s["size"], dtype=DTYPES[s["dtype"]], **self.kw())
        return compare.compare_result(flat(t), s["expected"])

    def op_random_(self, s):
        x = ember.empty(s["size"], dtype=DTYPES[s["dtype"]])
        with warnings.catch_warnings():  # bounds beyond 2**digits warn (test_random_bounds_warn)
            warnings.simplefilter("ignore")
            x.random_(*s["args"], **self.kw())
        return compare.compare_result(flat(x), s["expected"])

    def op_randperm(self, s):
        t = ember.randperm(s["n"], dtype=DTYPES[s["dtype"]], **self.kw())
        return compare.compare_result(flat(t), s["expected"])

    def op_bernoulli_(self, s):
        x = ember.empty(s["size"], dtype=DTYPES[s["dtype"]])
        x.bernoulli_(s["p"], **self.kw())
        return compare.compare_result(flat(x), s["expected"])

    def op_bernoulli(self, s):
        p = ember.tensor([float.fromhex(v) for v in s["p"]], dtype=DTYPES[s["p_dtype"]])
        return compare.compare_result(flat(ember.bernoulli(p, **self.kw())), s["expected"])

    def op_linear(self, s):
        # nn.Linear's reset_parameters: weight then bias, uniform within the kaiming bounds.
        assert self.gen is None
        fin, fout = s["in_features"], s["out_features"]
        wb, bb = compare.linear_bounds(fin)
        w = ember.empty(fout, fin).uniform_(-wb, wb)
        b = ember.empty(fout).uniform_(-bb, bb)
        problems = [f"{name}: {p}" for name, p in (("weight", compare.compare_result(flat(w), s["expected"]["weight"])),
                                                    ("bias", compare.compare_result(flat(b), s["expected"]["bias"])))
                    if p]
        return "; ".join(problems) or None

    def op_manual_seed(self, s):
        (ember if self.gen is None else self.gen).manual_seed(s["seed"])

    def op_initial_seed(self, s):
        got = ember.initial_seed() if self.gen is None else self.gen.initial_seed()
        return None if got == s["expected"] else f"initial_seed {got} != {s['expected']}"

    def op_get_rng_state(self, s):
        state = ember.get_rng_state() if self.gen is None else self.gen.get_state()
        if "save_as" in s:
            self.saved[s["save_as"]] = state.clone()
        return compare.compare_state(state_bytes(state).hex(), s["expected"])

    def op_set_rng_state(self, s):
        state = self.saved[s["saved"]]
        if self.gen is None:
            ember.set_rng_state(state)
        else:
            self.gen.set_state(state)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_torch_stream(case):
    replay = Replay(case)
    problems = []
    for i, s in enumerate(case["steps"]):
        p = replay.step(s)
        if p:
            problems.append(f"step {i} ({s['op']}): {p}")
    assert not problems, "\n".join(problems)


def test_every_recorded_op_is_replayed():
    ops = {s["op"] for c in CASES for s in c["steps"]}
    missing = sorted(op for op in ops if not hasattr(Replay, "op_" + op))
    assert not missing, f"ops in torch_rng.json with no replay here: {missing}"


# ---- state save/restore and generator independence (no recording needed) ----

def draws(gen=None):
    """A mix of every kind of draw, as one list of Python numbers (floats compared by bits)."""
    kw = {} if gen is None else {"generator": gen}
    parts = [ember.rand(5, **kw), ember.randn(3, **kw), ember.randn(1, dtype=ember.float64, **kw),
             ember.randint(0, 1000, (4,), **kw), ember.randperm(7, **kw),
             ember.empty(6).normal_(1.0, 2.0, **kw), ember.empty(40).uniform_(-1.0, 3.0, **kw),
             ember.empty(9).bernoulli_(0.3, **kw), ember.empty(4, dtype=ember.int64).random_(**kw)]
    return [float(v).hex() if isinstance(v, float) else v for p in parts for v in p.tolist()]


def test_default_state_roundtrip_reproduces_draws():
    ember.manual_seed(123)
    ember.randn(3)  # leaves a spare normal in the state
    state = ember.get_rng_state()
    assert state.dtype == ember.int64 and tuple(state.shape) == (STATE_BYTES,)
    first = draws()
    ember.manual_seed(999)
    draws()
    ember.set_rng_state(state)
    assert draws() == first
    assert state_bytes(ember.get_rng_state()) != state_bytes(state)


def test_state_bytes_are_stable_and_restorable():
    ember.manual_seed(7)
    ember.rand(700)
    a = ember.get_rng_state()
    b = ember.get_rng_state()
    assert state_bytes(a) == state_bytes(b)  # reading the state does not advance it
    ember.rand(3)
    ember.set_rng_state(a)
    assert state_bytes(ember.get_rng_state()) == state_bytes(a)


def test_state_moves_between_default_and_explicit_generators():
    ember.manual_seed(5)
    ember.randn(1)
    state = ember.get_rng_state()
    expected = draws()
    g = ember.Generator()
    g.set_state(state)
    assert draws(g) == expected
    assert hashlib.sha256(state_bytes(g.get_state())).hexdigest() == \
        hashlib.sha256(state_bytes(ember.get_rng_state())).hexdigest()


def test_generator_state_roundtrip():
    g = ember.Generator().manual_seed(31)
    draws(g)
    state = g.get_state()
    first = draws(g)
    draws(g)
    g.set_state(state)
    assert draws(g) == first


def test_generators_are_independent_of_the_default():
    g = ember.Generator().manual_seed(11)
    alone = draws(g)
    ember.manual_seed(11)
    default_alone = draws()
    assert default_alone == alone  # same seed, same stream, whichever generator

    g = ember.Generator().manual_seed(11)
    ember.manual_seed(4)
    interleaved, default_interleaved = [], []
    for _ in range(3):
        ember.manual_seed(ember.initial_seed())  # reseeding the default must not touch g
        default_interleaved.append(draws())
        interleaved.append(draws(g))
    assert interleaved[0] == alone
    assert default_interleaved[0] == default_interleaved[1] == default_interleaved[2]
    assert g.initial_seed() == 11 and ember.initial_seed() == 4


def test_two_generators_do_not_share_state():
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    a = ember.rand(10, generator=g1).tolist()
    ember.rand(50, generator=g1)
    b = ember.rand(10, generator=g2).tolist()
    assert a == b
    assert ember.rand(10, generator=g1).tolist() != ember.rand(10, generator=g2).tolist()


def test_fresh_generator_has_torch_default_seed():
    assert ember.Generator().initial_seed() == 67280421310721


def test_random_bounds_beyond_the_exact_integers_warn():
    # PyTorch warns (and still draws) when a bound passes 2**digits of a float dtype.
    msg = (r"to - 1 is out of bounds \[-\(2\^11\), 2\^11\]\. Due to precision limitations c10::Half can "
           r"support discrete uniform distribution only within this range")
    with pytest.warns(UserWarning, match=msg) as record:
        ember.empty(4, dtype=ember.float16).random_(0, 5000)
    assert record[0].filename == __file__  # attributed to the caller's line
    with pytest.warns(UserWarning, match=r"from is out of bounds \[-\(2\^24\), 2\^24\]\. .* float can"):
        ember.empty(4).random_(-2**25, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.empty(4, dtype=ember.float16).random_(0, 2049)  # to - 1 = 2048 is exact: no warning
        with pytest.raises(UserWarning):  # warnings as errors propagate out of the C++ core
            ember.empty(4, dtype=ember.bfloat16).random_(0, 300)
