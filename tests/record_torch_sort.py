#!/usr/bin/env python3
"""Record PyTorch's sort/topk/kthvalue/median/unique results (tie order included),
exponential_ draws, multinomial samples and WeightedRandomSampler orders into
tests/data/torch_sort.json, for tests/test_sort_ops.py.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_sort.py [--out tests/data/torch_sort.json]

Inputs are not stored: each case names a recipe that NumPy's legacy
RandomState rebuilds bit for bit (its streams are frozen), see make_values and
make_probs, which the test imports from this file.

Format: {"meta": {...}, "ties": [...], "unique": [...], "exponential": [...],
"multinomial": [...], "sampler": [...]}

ties case: {"op": "sort" | "topk" | "kthvalue" | "median", "dtype", "rows", "n",
  "levels", "nan", "seed", "transpose", args of the op, "indices": r}
  input: x = make_values(seed, rows, n, levels, nan) as dtype, shape (rows, n)
  (rows 0: make_values(seed, 1, ...)[0], 1-D); with "transpose" the op runs on
  x.t().contiguous().t() (a non-contiguous view, same values). Ops, along the
  last dim: sort(descending, stable), topk(k, largest, sorted), kthvalue(k), median.
unique case: {"op": "unique" | "unique_consecutive", "dtype", "values" (nulls
  are NaN), "shape", "dim", "out": [values, inverse, counts]}
exponential case: {"seed", "dtype", "shape", "lambd", "transpose", "expected": r}
  torch.manual_seed(seed); x = empty(shape); (x.t() if transpose else x).exponential_(lambd);
  expected = x in memory order.
multinomial case: {"seed", "generator": "default" | "explicit", "dtype", "rows",
  "n", "zeros", "transpose", "calls": [[num_samples, replacement], ...],
  "expected": [r per call], "after": r}
  p = make_probs(seed, rows, n, zeros) as dtype (1-D when rows is 0); with
  "transpose" p is a transposed dense view of the same values. The calls run in
  order on one generator seeded with seed; "after" is torch.rand(4) drawn from it
  afterwards (the stream position).
sampler case: {"kind": "weighted" | "loader", "seed", "generator", "weights",
  "num_samples", "replacement", "batch_size", "epochs", "expected", "after"}

A result r is {"dtype", "count", "values"} or, past FULL_LIMIT values,
{"dtype", "count", "head", "tail", "sha256"} (sha256 of the little-endian values
of dtype: int64 for indices, float32/float64 for floats, float16/bfloat16
widened to float32); floats are float.hex strings.
"""
import argparse
import hashlib
import json
import os

import numpy as np

FULL_LIMIT = 48
EDGE = 8


def make_values(seed, rows, n, levels, nan):
    """(rows, n) float64 values: integers in [0, levels) (many ties), a `nan`
    fraction of them NaN."""
    rs = np.random.RandomState(seed)
    v = rs.randint(0, levels, size=(rows, n)).astype(np.float64)
    if nan:
        v[rs.rand(rows, n) < nan] = np.nan
    return v


def make_probs(seed, rows, n, zeros):
    """(rows, n) float32 probabilities in [0, 1), a `zeros` fraction set to 0;
    each row keeps at least one nonzero (rows 0: one row, returned 1-D)."""
    rs = np.random.RandomState(seed)
    p = rs.rand(max(rows, 1), n).astype(np.float32)
    if zeros:
        p[rs.rand(max(rows, 1), n) < zeros] = 0
        p[:, 0] = np.where(p.max(axis=1) == 0, np.float32(0.5), p[:, 0])
    return p[0] if rows == 0 else p


def hexf(v):
    h = float(v).hex()
    if "." in h:
        mant, exp = h.split("p")
        h = mant.rstrip("0").rstrip(".") + "p" + exp
    return h


def encode(arr, dtype):
    """arr: a NumPy array of int64 or float32/float64 values in memory order."""
    arr = np.ascontiguousarray(arr).reshape(-1)
    is_float = dtype.startswith("float")
    vals = [hexf(v) if is_float else int(v) for v in arr.tolist()]
    res = {"dtype": dtype, "count": len(vals)}
    if len(vals) <= FULL_LIMIT:
        res["values"] = vals
    else:
        res["head"], res["tail"] = vals[:EDGE], vals[-EDGE:]
        res["sha256"] = hashlib.sha256(arr.tobytes()).hexdigest()
    return res


def main():
    import torch

    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "data", "torch_sort.json"))
    args = ap.parse_args()
    dt = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
          "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}

    def idx(t):
        return encode(t.contiguous().numpy().astype(np.int64), "int64")

    def floats(t):
        t = t.detach().contiguous()
        if t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
        return encode(t.numpy(), "float64" if t.dtype == torch.float64 else "float32")

    def input_of(c):
        x = torch.from_numpy(make_values(c["seed"], max(c["rows"], 1), c["n"], c["levels"], c["nan"]))
        x = x.to(dt[c["dtype"]])
        return x[0] if c["rows"] == 0 else x.t().contiguous().t() if c["transpose"] else x

    # ---- tie order: sort, topk, kthvalue, median ----
    ties = []
    seed = 100
    for dtype in ["float32", "float64", "float16", "bfloat16", "int64", "int32", "bool"]:
        floating = dtype.startswith("float") or dtype == "bfloat16"
        full = dtype in ("float32", "int64")
        for n in [1, 2, 16, 17, 33, 65, 200, 700, 3000, 40000] if full else [3, 17, 65, 700, 40000]:
            rows = 3 if n <= 200 else 0 if n == 40000 else 1  # 0: a 1-D tensor (torch radix-sorts long integer ones)
            for levels in ([2] if dtype == "bool" else [50] if n == 40000 else [2, 5, 1000] if n >= 200 else [2, 5]):
                seed += 1
                base = {"dtype": dtype, "rows": rows, "n": n, "levels": levels, "seed": seed,
                        "nan": 0.1 if floating and levels == 5 else 0.0, "transpose": n % 2 == 1 and rows > 1}
                x = input_of(base)
                for descending in (False, True):
                    for stable in (False, True):
                        r = torch.sort(x, dim=-1, descending=descending, stable=stable)
                        ties.append(dict(base, op="sort", descending=descending, stable=stable, indices=idx(r.indices)))
                if dtype == "bool":
                    continue
                ks = sorted(k for k in {1, 2, max(1, n // 64), n // 3, n} if 1 <= k <= n)
                for k in ks:
                    for largest in (True, False):
                        for sorted_ in ((True, False) if k > 2 else (True,)):
                            r = torch.topk(x, k, dim=-1, largest=largest, sorted=sorted_)
                            ties.append(dict(base, op="topk", k=k, largest=largest, sorted=sorted_,
                                             indices=idx(r.indices)))
                for k in sorted({1, (n + 1) // 2, n}):
                    ties.append(dict(base, op="kthvalue", k=k, indices=idx(torch.kthvalue(x, k, dim=-1).indices)))
                ties.append(dict(base, op="median", indices=idx(torch.median(x, dim=-1).indices)))

    # ---- unique ----
    uniq = []
    nan = float("nan")
    for dtype, values, shape in [
        ("float32", [3.0, nan, 1.0, 3.0, nan, 1.0, 2.0, -0.0, 0.0], [9]),
        ("float32", [3.0, 1.0, 1.0, 3.0, -0.0, 0.0, 2.0, 1.0], [4, 2]),
        ("float64", [2.5, 2.5, -1.0, 7.0, -1.0, 2.5], [2, 3]),
        ("int64", [5, 3, 9, 3, 1, 5, 7, 7, 2, 1, 1, 3], [3, 4]),
        ("int32", [4, 4, 4, 1], [4]),
        ("bool", [True, False, True, True], [2, 2]),
        ("float16", [0.5, 0.25, 0.5, 1.0], [4]),
        ("bfloat16", [3.0, 1.0, 3.0, 3.0], [2, 2]),
    ]:
        x = torch.tensor(values, dtype=dt[dtype]).reshape(shape)
        for op in ("unique", "unique_consecutive"):
            # with dim, torch sorts slices by a comparison that NaN breaks (its order is then arbitrary): no NaN there
            has_nan = any(isinstance(a, float) and a != a for a in values)
            for dim in [None] + ([] if has_nan else list(range(len(shape)))):
                fn = getattr(torch, op)
                kw = {"sorted": True} if op == "unique" else {}
                v, i, c = fn(x, return_inverse=True, return_counts=True, dim=dim, **kw)
                out = [floats(v) if v.is_floating_point() else idx(v.long()), idx(i), idx(c)]
                uniq.append({"op": op, "dtype": dtype, "values": [None if (isinstance(a, float) and a != a) else a
                                                                   for a in values],
                             "shape": shape, "dim": dim, "out": out, "out_shape": list(v.shape),
                             "inverse_shape": list(i.shape)})

    # ---- exponential_ ----
    expo = []
    for i, (dtype, shape, lambd, transpose) in enumerate([
            ("float32", [7], 1.0, False), ("float64", [7], 1.0, False), ("float32", [5, 6], 2.5, True),
            ("float64", [4, 3], 0.3, True), ("float16", [9], 1.0, False), ("bfloat16", [9], 4.0, False),
            ("float32", [5000], 1.0, False), ("float64", [3001], 1.7, False)]):
        torch.manual_seed(1000 + i)
        x = torch.empty(shape, dtype=dt[dtype])
        (x.t() if transpose else x).exponential_(lambd)
        expo.append({"seed": 1000 + i, "dtype": dtype, "shape": shape, "lambd": lambd, "transpose": transpose,
                     "expected": floats(x)})

    # ---- multinomial ----
    multi = []
    specs = []
    for dtype in ["float32", "float64", "float16", "bfloat16"]:
        for rows, n, zeros, transpose in [(0, 4, 0.0, False), (0, 10, 0.5, False), (3, 6, 0.3, True),
                                          (2, 50, 0.0, False), (4, 7, 0.6, False), (0, 300, 0.2, False),
                                          (0, 1, 0.0, False)]:
            calls = [[1, False], [n, False], [max(1, n // 2), False], [1, True], [2 * n + 3, True], [3, True]]
            if n >= 64:
                calls.append([max(1, n // 64), False])
            specs.append((dtype, rows, n, zeros, transpose, calls))
    for j, (dtype, rows, n, zeros, transpose, calls) in enumerate(specs):
        for generator in ("default", "explicit"):
            seed = 2000 + 2 * j + (generator == "explicit")
            p = torch.from_numpy(make_probs(seed, rows, n, zeros)).to(dt[dtype])
            if transpose:
                p = p.t().contiguous().t()
            if generator == "default":
                torch.manual_seed(seed)
                g = None
            else:
                g = torch.Generator().manual_seed(seed)
            expected = [idx(torch.multinomial(p, ns, rep, generator=g)) for ns, rep in calls]
            after = floats(torch.rand(4, generator=g))
            multi.append({"seed": seed, "generator": generator, "dtype": dtype, "rows": rows, "n": n, "zeros": zeros,
                          "transpose": transpose, "calls": calls, "expected": expected, "after": after})

    # ---- WeightedRandomSampler, alone and in a DataLoader ----
    from torch.utils.data import DataLoader, WeightedRandomSampler
    samplers = []
    for k, (weights, num_samples, replacement, generator) in enumerate([
            ([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, True, "default"),
            ([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, False, "default"),
            ([1, 1, 1, 10, 0, 2, 5, 1], 20, True, "explicit"),
            ([2.0, 0.5, 1.0, 0.25], 4, False, "explicit"),
            ([0.3] * 40 + [3.0] * 10, 100, True, "default")]):
        seed = 3000 + k
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed + 50) if generator == "explicit" else None
        s = WeightedRandomSampler(weights, num_samples, replacement, generator=g)
        expected = [list(s), list(s)]
        samplers.append({"kind": "weighted", "seed": seed, "generator": generator, "weights": weights,
                         "num_samples": num_samples, "replacement": replacement, "expected": expected,
                         "after": floats(torch.rand(4, generator=g))})
    for k, (weights, num_samples, batch_size, generator) in enumerate([
            ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 10, 4, "default"),
            ([0.5] * 6 + [4.0] * 2, 9, 3, "explicit")]):
        seed = 3100 + k
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed + 50) if generator == "explicit" else None
        loader = DataLoader(list(range(len(weights))), batch_size=batch_size,
                            sampler=WeightedRandomSampler(weights, num_samples, generator=g))
        expected = [[b.tolist() for b in loader] for _ in range(2)]
        samplers.append({"kind": "loader", "seed": seed, "generator": generator, "weights": weights,
                         "num_samples": num_samples, "replacement": True, "batch_size": batch_size,
                         "expected": expected, "after": floats(torch.rand(4))})

    doc = {"meta": {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()},
           "ties": ties, "unique": uniq, "exponential": expo, "multinomial": multi, "sampler": samplers}
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {args.out}: {len(ties)} tie cases, {len(uniq)} unique, {len(expo)} exponential, "
          f"{len(multi)} multinomial, {len(samplers)} sampler cases, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
