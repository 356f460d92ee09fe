#!/usr/bin/env python3
"""Record reference random streams from real PyTorch into tests/data/torch_rng.json.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_rng.py [--out tests/data/torch_rng.json]

The file is declarative so that any front end (ember's Python API in pytest,
or tests/rng/compare.py driving the C++ kernels directly) can replay it.

Format
------
{"meta": {...}, "cases": [case, ...]}

case = {
  "id": unique name,
  "generator": "default"  -> torch.manual_seed(seed), ops use the default generator
             | "explicit" -> g = torch.Generator(); g.manual_seed(seed) unless seed
                             is null (then g keeps Generator()'s default seed);
                             ops get generator=g,
  "seed": int or null (Python value given to manual_seed; may be negative),
  "seed_u64": seed mod 2**64 (or null),
  "steps": [step, ...]   executed in order on the same generator
}

step = {"op": name, ...arguments..., "expected": result}. Ops and arguments:
  rand        size, dtype                     torch.rand(size, dtype=dtype)
  randn       size, dtype                     torch.randn(size, dtype=dtype)
  normal_     size, dtype, mean, std, view    x = torch.empty(size, dtype); v = x.t() if
                                              view == "t" else x; v.normal_(mean, std);
                                              expected = x.flatten() (memory order)
  uniform_    size, dtype, low, high          torch.empty(size, dtype).uniform_(low, high)
  randint     low, high, size, dtype          torch.randint(low, high, size, dtype=dtype)
  random_     size, dtype, args               torch.empty(size, dtype).random_(*args);
                                              args is [], [to], [from, to] or [from, null]
  randperm    n, dtype                        torch.randperm(n, dtype=dtype)
  bernoulli_  size, dtype, p                  torch.empty(size, dtype).bernoulli_(p)
  bernoulli   p_dtype, p (list of float.hex)  torch.bernoulli(torch.tensor(p, dtype=p_dtype))
  linear      in_features, out_features       torch.nn.Linear(in, out) (default generator
                                              only); expected {"weight": r, "bias": r},
                                              weight flattened row-major
  manual_seed seed                            reseed the case's generator (no result)
  initial_seed                                expected: int
  get_rng_state  save_as (optional)           state bytes: expected {"len", "sha256",
                                              "head": hex of the first 64 bytes,
                                              "tail": hex of the last 64 bytes};
                                              save_as names the full state for a later
                                              set_rng_state step
  set_rng_state  saved                        restore a state saved earlier in the case

A result r is {"dtype": d, "count": n, "values": [...]} with every value, or,
when n > FULL_LIMIT, {"dtype", "count", "head": first 16, "tail": last 16,
"sha256": sha256 of all n values as little-endian bytes of dtype d}.
Float values are float.hex strings with the mantissa's trailing zeros
dropped (float32 values exactly as widened to double), integers are ints,
bernoulli results are 0/1 ints (hashed in the output dtype). float16 and
bfloat16 results are stored as their float32 widening (dtype "float32");
bool random_ results as 0/1 int64.
"""
import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

FULL_LIMIT = 64
EDGE = 16

DTYPES = {
    "float32": (torch.float32, "<f4"),
    "float64": (torch.float64, "<f8"),
    "int64": (torch.int64, "<i8"),
    "int32": (torch.int32, "<i4"),
    "bool": (torch.bool, "<i8"),
}
# float16/bfloat16 results are stored widened to float32 (exact) under dtype "float32".
REDUCED = {"float16": torch.float16, "bfloat16": torch.bfloat16}


def torch_dtype(name):
    return REDUCED[name] if name in REDUCED else DTYPES[name][0]


def hexf(v):
    """float.hex without the mantissa's trailing zeros ('0x1.8p+0', not
    '0x1.8000000000000p+0'); float.fromhex reads it back exactly."""
    h = float(v).hex()
    if "." in h:
        mant, exp = h.split("p")
        mant = mant.rstrip("0").rstrip(".")
        h = mant + "p" + exp
    return h


def encode(t, dtype_name):
    """Encode a result tensor (any shape) in memory order of a contiguous tensor."""
    flat = t.detach().contiguous().reshape(-1)
    if dtype_name in REDUCED:
        flat, dtype_name = flat.float(), "float32"
    elif dtype_name == "bool":
        flat, dtype_name = flat.long(), "int64"
    np_dtype = DTYPES[dtype_name][1]
    arr = flat.numpy().astype(np_dtype)
    is_float = dtype_name.startswith("float")

    def conv(v):
        return hexf(v) if is_float else int(v)

    vals = arr.tolist()
    res = {"dtype": dtype_name, "count": len(vals)}
    if len(vals) <= FULL_LIMIT:
        res["values"] = [conv(v) for v in vals]
    else:
        res["head"] = [conv(v) for v in vals[:EDGE]]
        res["tail"] = [conv(v) for v in vals[-EDGE:]]
        res["sha256"] = hashlib.sha256(arr.tobytes()).hexdigest()
    return res


def encode_01(t, dtype_name):
    """bernoulli results: 0/1 stored as ints, hashed in the output dtype."""
    flat = t.detach().contiguous().reshape(-1)
    if dtype_name in REDUCED:
        flat, dtype_name = flat.float(), "float32"
    arr = flat.numpy().astype(DTYPES[dtype_name][1])
    vals = [int(v) for v in arr.tolist()]
    res = {"dtype": dtype_name, "count": len(vals)}
    if len(vals) <= FULL_LIMIT * 8:  # short as text: keep them all
        res["values"] = vals
    else:
        res["head"], res["tail"] = vals[:EDGE], vals[-EDGE:]
        res["sha256"] = hashlib.sha256(arr.tobytes()).hexdigest()
    return res


def encode_state(state):
    b = bytes(state.numpy().tobytes())
    return {"len": len(b), "sha256": hashlib.sha256(b).hexdigest(),
            "head": b[:64].hex(), "tail": b[-64:].hex()}


class Runner:
    """Executes the steps of one case against torch, filling in "expected"."""

    def __init__(self, case):
        self.case = case
        self.saved = {}
        seed = case["seed"]
        if case["generator"] == "default":
            torch.manual_seed(seed)
            self.gen = None
        else:
            self.gen = torch.Generator()
            if seed is not None:
                self.gen.manual_seed(seed)

    def kw(self):
        return {} if self.gen is None else {"generator": self.gen}

    def run(self):
        for step in self.case["steps"]:
            getattr(self, "op_" + step["op"])(step)

    def op_rand(self, s):
        t = torch.rand(s["size"], dtype=torch_dtype(s["dtype"]), **self.kw())
        s["expected"] = encode(t, s["dtype"])

    def op_randn(self, s):
        t = torch.randn(s["size"], dtype=torch_dtype(s["dtype"]), **self.kw())
        s["expected"] = encode(t, s["dtype"])

    def op_normal_(self, s):
        x = torch.empty(s["size"], dtype=torch_dtype(s["dtype"]))
        v = x.t() if s.get("view") == "t" else x
        v.normal_(s["mean"], s["std"], **self.kw())
        s["expected"] = encode(x, s["dtype"])

    def op_uniform_(self, s):
        x = torch.empty(s["size"], dtype=torch_dtype(s["dtype"]))
        x.uniform_(s["low"], s["high"], **self.kw())
        s["expected"] = encode(x, s["dtype"])

    def op_randint(self, s):
        t = torch.randint(s["low"], s["high"], s["size"], dtype=torch_dtype(s["dtype"]), **self.kw())
        s["expected"] = encode(t, s["dtype"])

    def op_random_(self, s):
        x = torch.empty(s["size"], dtype=torch_dtype(s["dtype"]))
        args = s["args"]
        if len(args) == 2:
            x.random_(args[0], args[1], **self.kw())
        elif len(args) == 1:
            x.random_(args[0], **self.kw())
        else:
            x.random_(**self.kw())
        s["expected"] = encode(x, s["dtype"])

    def op_randperm(self, s):
        t = torch.randperm(s["n"], dtype=torch_dtype(s["dtype"]), **self.kw())
        s["expected"] = encode(t, s["dtype"])

    def op_bernoulli_(self, s):
        x = torch.empty(s["size"], dtype=torch_dtype(s["dtype"]))
        x.bernoulli_(s["p"], **self.kw())
        s["expected"] = encode_01(x, s["dtype"])

    def op_bernoulli(self, s):
        p = torch.tensor([float.fromhex(v) for v in s["p"]], dtype=torch_dtype(s["p_dtype"]))
        t = torch.bernoulli(p, **self.kw())
        s["expected"] = encode_01(t, s["p_dtype"])

    def op_linear(self, s):
        assert self.gen is None, "nn.Linear draws from the default generator"
        m = torch.nn.Linear(s["in_features"], s["out_features"])
        s["expected"] = {"weight": encode(m.weight, "float32"), "bias": encode(m.bias, "float32")}

    def op_manual_seed(self, s):
        if self.gen is None:
            torch.manual_seed(s["seed"])
        else:
            self.gen.manual_seed(s["seed"])

    def op_initial_seed(self, s):
        s["expected"] = torch.initial_seed() if self.gen is None else self.gen.initial_seed()

    def op_get_rng_state(self, s):
        st = torch.get_rng_state() if self.gen is None else self.gen.get_state()
        if "save_as" in s:
            self.saved[s["save_as"]] = st.clone()
        s["expected"] = encode_state(st)

    def op_set_rng_state(self, s):
        st = self.saved[s["saved"]]
        if self.gen is None:
            torch.set_rng_state(st)
        else:
            self.gen.set_state(st)


# ---------------------------------------------------------------------------
# The case list
# ---------------------------------------------------------------------------

SEEDS = [0, 1, 42, 2**32 + 5, -1]
SIZES = [1, 3, 7, 15, 16, 17, 31, 33, 100, 1000]


def seed_name(s):
    return {2**32 + 5: "2p32p5", -1: "m1"}.get(s, str(s))


def case(cid, seed, steps, generator="default"):
    return {"id": cid, "generator": generator, "seed": seed,
            "seed_u64": None if seed is None else seed % 2**64, "steps": steps}


def linear_bound_weight(fan_in):
    # nn.Linear: kaiming_uniform_(w, a=math.sqrt(5)), as torch/nn/init.py computes it.
    gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
    std = gain / math.sqrt(fan_in)
    return math.sqrt(3.0) * std


def build_cases():
    cases = []

    # rand / randn, both dtypes, every seed and size.
    for seed in SEEDS:
        for op in ("rand", "randn"):
            for dt in ("float32", "float64"):
                for n in SIZES:
                    cases.append(case(f"{op}_{dt}_s{seed_name(seed)}_n{n}", seed,
                                      [{"op": op, "size": [n], "dtype": dt}]))
    # A 2-D shape goes through the same contiguous paths.
    cases.append(case("randn_float32_s0_5x7", 0, [{"op": "randn", "size": [5, 7], "dtype": "float32"}]))
    cases.append(case("rand_float32_s0xdeadbeef", 0xDEADBEEFCAFEF00D,
                      [{"op": "rand", "size": [20], "dtype": "float32"}]))

    # normal_(mean, std): scalar path (5), one block (16), blocks + redrawn tail (37).
    for seed in (0, 42):
        for dt in ("float32", "float64"):
            for n in (5, 16, 37):
                for mean, std in ((0.25, 3.1), (-2.0, 0.5), (1000.0, 1e-3)):
                    cases.append(case(f"normal_{dt}_s{seed}_n{n}_m{mean}_s{std}", seed,
                                      [{"op": "normal_", "size": [n], "dtype": dt,
                                        "mean": mean, "std": std, "view": None}]))
    # Non-contiguous outputs take the scalar path whatever their size, in memory order.
    for dt in ("float32", "float64"):
        cases.append(case(f"normal_{dt}_s0_transposed_20x4", 0,
                          [{"op": "normal_", "size": [20, 4], "dtype": dt, "mean": 0.5,
                            "std": 2.0, "view": "t"}]))
        cases.append(case(f"normal_{dt}_s42_transposed_64x3", 42,
                          [{"op": "normal_", "size": [64, 3], "dtype": dt, "mean": 0.0,
                            "std": 1.0, "view": "t"}]))

    # uniform_ with non-trivial bounds (the fma matters here).
    wb = linear_bound_weight(784)
    for seed in (0, 42):
        for dt in ("float32", "float64"):
            for lo, hi in ((-0.37, 1.9), (-3.0, -1.0), (1e-3, 1e3), (5.0, 5.5), (-wb, wb)):
                for n in (7, 1000):
                    cases.append(case(f"uniform_{dt}_s{seed}_n{n}_{lo!r}_{hi!r}", seed,
                                      [{"op": "uniform_", "size": [n], "dtype": dt,
                                        "low": lo, "high": hi}]))

    # randint: 32-bit draws below 2**28, 64-bit draws from 2**28 on.
    ranges = [(0, 10), (-5, 5), (-1000, 7), (0, 2**28 - 1), (0, 2**28), (-100, 2**28 - 1),
              (-2**40, 2**40), (-2**62, 2**62), (-2**63, 2**63 - 1), (3, 4)]
    for seed in (0, 1, 42):
        for lo, hi in ranges:
            cases.append(case(f"randint_int64_s{seed}_{lo}_{hi}", seed,
                              [{"op": "randint", "low": lo, "high": hi, "size": [20], "dtype": "int64"}]))
    for lo, hi in ((0, 10), (-5, 5), (0, 2**28 - 1), (0, 2**28), (-2**31, 2**31 - 1)):
        cases.append(case(f"randint_int32_s0_{lo}_{hi}", 0,
                          [{"op": "randint", "low": lo, "high": hi, "size": [20], "dtype": "int32"}]))
    for lo, hi in ((0, 10), (-5, 5), (-2**20, 2**24)):
        cases.append(case(f"randint_float32_s0_{lo}_{hi}", 0,
                          [{"op": "randint", "low": lo, "high": hi, "size": [20], "dtype": "float32"}]))
    for lo, hi in ((0, 10), (-5, 5), (0, 2**28), (-2**40, 2**40), (-2**52, 2**53)):
        cases.append(case(f"randint_float64_s0_{lo}_{hi}", 0,
                          [{"op": "randint", "low": lo, "high": hi, "size": [20], "dtype": "float64"}]))
    cases.append(case("randint_int64_s0_0_10_n1000", 0,
                      [{"op": "randint", "low": 0, "high": 10, "size": [1000], "dtype": "int64"}]))

    # random_ per dtype: no bounds, (to), (from, to), (from, None).
    for dt in ("int64", "int32", "float32", "float64"):
        for seed in (0, 42):
            for args in ([], [100], [-7, 13], [-7, None], [5, None]):
                cases.append(case(f"random__{dt}_s{seed}_{args}", seed,
                                  [{"op": "random_", "size": [20], "dtype": dt, "args": args}]))
        cases.append(case(f"random__{dt}_s1_n300", 1,
                          [{"op": "random_", "size": [300], "dtype": dt, "args": []}]))
    cases.append(case("random__int64_s0_min_None", 0,
                      [{"op": "random_", "size": [20], "dtype": "int64", "args": [-2**63, None]}]))

    # randperm
    for seed in (0, 42, 2**32 + 5):
        for n in (0, 1, 2, 10, 1000):
            cases.append(case(f"randperm_s{seed_name(seed)}_n{n}", seed,
                              [{"op": "randperm", "n": n, "dtype": "int64"}]))
    cases.append(case("randperm_float32_s0_n50", 0, [{"op": "randperm", "n": 50, "dtype": "float32"}]))

    # bernoulli_ with scalar p
    for seed in (0, 42):
        for p in (0.5, 0.1, 0.9, 0.0, 1.0, 0.3333):
            cases.append(case(f"bernoulli__s{seed}_p{p}", seed,
                              [{"op": "bernoulli_", "size": [200], "dtype": "float32", "p": p}]))
    cases.append(case("bernoulli__float64_s0_p0.7", 0,
                      [{"op": "bernoulli_", "size": [50], "dtype": "float64", "p": 0.7}]))
    cases.append(case("bernoulli__int64_s0_p0.25", 0,
                      [{"op": "bernoulli_", "size": [50], "dtype": "int64", "p": 0.25}]))

    # bernoulli with a probability tensor (values drawn here from a private
    # generator and stored explicitly).
    pg = torch.Generator().manual_seed(1234)
    for p_dt in ("float32", "float64"):
        p = torch.rand(96, dtype=DTYPES[p_dt][0], generator=pg)
        p[:4] = torch.tensor([0.0, 1.0, 0.5, 0.25], dtype=p.dtype)
        phex = [hexf(v) for v in p.tolist()]
        for seed in (0, 42):
            cases.append(case(f"bernoulli_{p_dt}_s{seed}", seed,
                              [{"op": "bernoulli", "p_dtype": p_dt, "p": phex}]))
    cases.append(case("bernoulli_float32_half_s0", 0,
                      [{"op": "bernoulli", "p_dtype": "float32", "p": [hexf(0.5)] * 8}]))

    # float16/bfloat16: float32 draws rounded once; the normal block path draws
    # per block of 16, and bounds the type cannot hold move inward.
    for dt in REDUCED:
        for seed in (0, 42):
            for n in (1, 7, 16, 17, 33, 100):
                for op in ("rand", "randn"):
                    cases.append(case(f"{op}_{dt}_s{seed}_n{n}", seed, [{"op": op, "size": [n], "dtype": dt}]))
            for n in (5, 16, 37):
                cases.append(case(f"normal_{dt}_s{seed}_n{n}", seed,
                                  [{"op": "normal_", "size": [n], "dtype": dt, "mean": 0.25, "std": 3.1,
                                    "view": None}]))
            for lo, hi in ((-0.37, 1.9), (0.99, 1.0), (-wb, wb)):
                cases.append(case(f"uniform_{dt}_s{seed}_{lo!r}_{hi!r}", seed,
                                  [{"op": "uniform_", "size": [1000], "dtype": dt, "low": lo, "high": hi}]))
            for args in ([], [100], [-7, 13], [5, None], [0, 5000], [-5000, 3]):
                cases.append(case(f"random__{dt}_s{seed}_{args}", seed,
                                  [{"op": "random_", "size": [40], "dtype": dt, "args": args}]))
        cases.append(case(f"normal_{dt}_s0_transposed_20x4", 0,
                          [{"op": "normal_", "size": [20, 4], "dtype": dt, "mean": 0.5, "std": 2.0, "view": "t"}]))
        cases.append(case(f"randint_{dt}_s0_-3_17", 0,
                          [{"op": "randint", "low": -3, "high": 17, "size": [30], "dtype": dt}]))
        cases.append(case(f"randperm_{dt}_s0_n50", 0, [{"op": "randperm", "n": 50, "dtype": dt}]))
        cases.append(case(f"bernoulli__{dt}_s0_p0.3", 0,
                          [{"op": "bernoulli_", "size": [50], "dtype": dt, "p": 0.3}]))
        cases.append(case(f"randn_{dt}_s0_n20000", 0, [{"op": "randn", "size": [20000], "dtype": dt}]))
        cases.append(case(f"uniform_{dt}_s1_n20000_0.99_1.0", 1,
                          [{"op": "uniform_", "size": [20000], "dtype": dt, "low": 0.99, "high": 1.0}]))
        p = torch.rand(64, generator=torch.Generator().manual_seed(99)).to(REDUCED[dt])
        cases.append(case(f"bernoulli_{dt}_s0", 0,
                          [{"op": "bernoulli", "p_dtype": dt, "p": [hexf(v) for v in p.tolist()]}]))
    cases.append(case("seq_half_after_float_spare", 0,
                      [{"op": "randn", "size": [3], "dtype": "float32"},
                       {"op": "randn", "size": [3], "dtype": "float16"},
                       {"op": "randn", "size": [20], "dtype": "bfloat16"},
                       {"op": "rand", "size": [5], "dtype": "float32"}]))
    # bool: random_() takes one bit of a 32-bit draw; bounds [0, 2).
    for args in ([], [0, 2], [1]):
        cases.append(case(f"random__bool_s0_{args}", 0,
                          [{"op": "random_", "size": [40], "dtype": "bool", "args": args}]))
    cases.append(case("randint_bool_s42_0_2", 42, [{"op": "randint", "low": 0, "high": 2, "size": [40], "dtype": "bool"}]))

    # Large outputs (stored as digests) make 1-ulp slips in the float32 vector
    # math, the fmas and the libm calls visible (RNG-NOTES section 12).
    for seed in (0, 1):
        cases.append(case(f"randn_float32_s{seed}_n20000", seed,
                          [{"op": "randn", "size": [20000], "dtype": "float32"}]))
    cases.append(case("randn_float64_s0_n20000", 0, [{"op": "randn", "size": [20000], "dtype": "float64"}]))
    for dt in ("float32", "float64"):
        cases.append(case(f"normal_{dt}_s0_n20000_m0.25_s3.1", 0,
                          [{"op": "normal_", "size": [20000], "dtype": dt, "mean": 0.25,
                            "std": 3.1, "view": None}]))
        cases.append(case(f"normal_{dt}_s0_transposed_1000x3_m0.25_s3.1", 0,
                          [{"op": "normal_", "size": [1000, 3], "dtype": dt, "mean": 0.25,
                            "std": 3.1, "view": "t"}]))
        cases.append(case(f"uniform_{dt}_s0_n20000_-0.37_1.9", 0,
                          [{"op": "uniform_", "size": [20000], "dtype": dt, "low": -0.37, "high": 1.9}]))

    # Call sequences and the spare normal.
    r = lambda n, dt="float32": {"op": "randn", "size": [n], "dtype": dt}
    cases.append(case("seq_spare_randn3_randn20_randn1", 0, [r(3), r(20), r(1)]))
    cases.append(case("seq_spare_randn7_rand5_randn1", 42,
                      [r(7), {"op": "rand", "size": [5], "dtype": "float32"}, r(1)]))
    cases.append(case("seq_spare_shared_f32_f64", 1, [r(5), r(3, "float64"), r(1)]))
    cases.append(case("seq_spare_cleared_by_manual_seed", 0,
                      [r(3), {"op": "manual_seed", "seed": 0}, r(1)]))
    cases.append(case("seq_mixed_ops", 42,
                      [{"op": "rand", "size": [5], "dtype": "float64"}, r(17),
                       {"op": "randint", "low": 0, "high": 7, "size": [9], "dtype": "int64"},
                       {"op": "randperm", "n": 12, "dtype": "int64"}, r(2, "float64"),
                       {"op": "bernoulli_", "size": [10], "dtype": "float32", "p": 0.5},
                       r(1, "float64")]))
    # Crossing twists (624 words each): 700 float32 uniforms, then more.
    cases.append(case("seq_across_twists", 0,
                      [{"op": "rand", "size": [700], "dtype": "float32"},
                       {"op": "rand", "size": [700], "dtype": "float64"}, r(40)]))

    # Seeds and state bytes.
    gs = lambda **kw: dict({"op": "get_rng_state"}, **kw)
    for seed in SEEDS + [0xDEADBEEFCAFEF00D]:
        cases.append(case(f"state_s{seed_name(seed)}", seed,
                          [{"op": "initial_seed"}, gs(),
                           {"op": "rand", "size": [5], "dtype": "float32"}, gs(),
                           r(3), gs(),
                           {"op": "rand", "size": [700], "dtype": "float32"}, gs()]))
    cases.append(case("state_roundtrip_with_spare", 0,
                      [r(3), gs(save_as="a"), r(5), r(40, "float64"),
                       {"op": "set_rng_state", "saved": "a"}, gs(), r(5), r(40, "float64")]))
    cases.append(case("explicit_state_roundtrip", 7,
                      [r(1), gs(save_as="a"), r(20), {"op": "set_rng_state", "saved": "a"},
                       r(20), gs()], generator="explicit"))

    # Explicit generators: a fresh Generator() (default seed) and a seeded one.
    cases.append(case("explicit_fresh_generator", None,
                      [{"op": "initial_seed"}, {"op": "rand", "size": [5], "dtype": "float32"},
                       r(5), {"op": "randint", "low": 0, "high": 100, "size": [5], "dtype": "int64"},
                       gs()], generator="explicit"))
    cases.append(case("explicit_seed42", 42,
                      [r(20), {"op": "rand", "size": [3], "dtype": "float64"}, r(3)],
                      generator="explicit"))
    cases.append(case("explicit_seed_m1", -1, [{"op": "initial_seed"}, r(4)], generator="explicit"))

    # nn.Linear initialisation (weight then bias, default generator).
    for seed in (0, 42):
        for fin, fout in ((1, 1), (3, 5), (784, 128)):
            cases.append(case(f"linear_{fin}x{fout}_s{seed}", seed,
                              [{"op": "linear", "in_features": fin, "out_features": fout}]))
    cases.append(case("linear_two_layers_s0", 0,
                      [{"op": "linear", "in_features": 784, "out_features": 128},
                       {"op": "linear", "in_features": 128, "out_features": 10}]))
    return cases


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "data", "torch_rng.json"))
    args = ap.parse_args()

    # Without AVX2 PyTorch runs its DEFAULT kernels, whose float32 normal
    # blocks and uniform_ rounding differ; the reference must come from AVX2.
    cap = torch.backends.cpu.get_cpu_capability()
    if cap not in ("AVX2", "AVX512"):
        sys.exit(f"CPU capability {cap}: need AVX2 kernels for the reference (unset ATEN_CPU_CAPABILITY)")

    cases = build_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for c in cases:
        Runner(c).run()

    doc = {
        "meta": {
            "torch_version": torch.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            # The distribution kernels have no AVX-512 build: an AVX512 machine
            # runs the AVX2 ones (RNG-NOTES section 0).
            "distribution_kernels": "AVX2",
            "numpy_version": np.__version__,
            "full_limit": FULL_LIMIT,
            "edge": EDGE,
            "format": "see the docstring of tests/record_torch_rng.py",
        },
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    # One case per line: compact, yet diffs stay readable.
    with open(args.out, "w") as f:
        f.write('{"meta":' + json.dumps(doc["meta"], sort_keys=True) + ',\n"cases":[\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    json.load(open(args.out))  # must round-trip
    print(f"wrote {len(cases)} cases to {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
