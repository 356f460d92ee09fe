#!/usr/bin/env python3
"""Record torch's float32/float64 sums into tests/data/torch_sums.json.

    /root/tvenv/bin/python tests/record_torch_sums.py

A float sum's last bits depend on the order of its additions; ember adds in
PyTorch's order (csrc/ember/cpu/cascade_sum.h), and these references check it.
Inputs are not stored: each case names a NumPy seed, and the input is
`(np.random.RandomState(seed).randn(*shape) * 10).astype(dtype)`, made the same
way by the test. Each case: {"shape", "dtype", "dim" (null: all), "op" ("sum",
"mean", "norm": the 2-norm, "var" or "std" with "correction"), "threads",
"expected": [float.hex of the result values]} (at most 64 values are stored;
"sha256" of the little-endian float64 widening for longer).

Covered: whole-tensor sums, sums over trailing dims or leading dims of a
contiguous tensor, the 2-norm, var/std over any dims. Not bit-exact (and not
recorded): a sum over a middle dim or over dims that are not adjacent (e.g.
(40, 300, 7) over dim 1 or dims (0, 2): 80% of outputs differ in the last
bits), or of a non-contiguous tensor, where PyTorch's TensorIterator picks a
loop order that ember does not reproduce.
"""
import hashlib
import json
import os

import numpy as np
import torch


def make_input(seed, shape, dtype):
    return (np.random.RandomState(seed).randn(*shape) * 10).astype(dtype)


def op_of(lib, c):
    """The case's reduction as a function of (tensor) or (tensor, dim), for torch or ember."""
    if c["op"] == "norm":
        return lambda t, *d: t.norm(dim=d[0] if d else None)
    if c["op"] in ("var", "std"):
        return lambda t, *d: getattr(t, c["op"])(dim=d[0] if d else None, correction=c["correction"])
    return getattr(lib, c["op"])


def build_cases():
    cases = []
    full = [1, 3, 7, 8, 9, 16, 31, 33, 100, 255, 256, 257, 1000, 4097, 32767, 32768, 40000, 100001, 1000000]
    for dt in ("float32", "float64"):
        for n in full:
            for op in ("sum", "mean"):
                cases.append({"shape": [n], "dim": None, "op": op, "dtype": dt})
        for m, r in ((3, 5), (10, 300), (64, 33), (100, 1000), (2, 100000), (7, 4)):
            cases.append({"shape": [m, r], "dim": 1, "op": "sum", "dtype": dt})  # rows
            cases.append({"shape": [r, m], "dim": 0, "op": "sum", "dtype": dt})  # columns
        for m, r in ((5, 100), (8, 9), (33, 70), (129, 257), (1000, 100), (1000, 1000), (100000, 2)):
            cases.append({"shape": [r, m], "dim": 0, "op": "sum", "dtype": dt})
        cases.append({"shape": [4, 5, 6], "dim": [1, 2], "op": "mean", "dtype": dt})
        for n in (1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 31, 100, 257, 1000, 100000):  # the 2-norm's own kernel
            cases.append({"shape": [n], "dim": None, "op": "norm", "dtype": dt})
        cases.append({"shape": [7, 33], "dim": 1, "op": "norm", "dtype": dt})
        for op in ("var", "std"):  # one output: float mean, double squares; several: Welford in double
            for shape, dim in (([1000], None), ([40000], None), ([64, 300], 1), ([300, 64], 0), ([5, 40000], 1),
                               ([4, 5, 6], [0, 2])):
                for correction in (0, 1):
                    cases.append({"shape": shape, "dim": dim, "op": op, "dtype": dt, "correction": correction})
        cases.append({"shape": [5, 4, 6], "dim": [1, 2], "op": "norm", "dtype": dt})
        cases.append({"shape": [64, 128], "dim": 0, "op": "mean", "dtype": dt})
    for i, c in enumerate(cases):
        c["seed"] = i
        c["threads"] = 1
    # Large sums are split across threads as PyTorch splits them.
    big = [dict(c, threads=2) for c in cases if int(np.prod(c["shape"])) >= 32768]
    for i, c in enumerate(big):
        c["seed"] = len(cases) + i
    return cases + big


def main():
    cases = build_cases()
    for c in cases:
        torch.set_num_threads(c["threads"])
        x = torch.from_numpy(make_input(c["seed"], c["shape"], c["dtype"]))
        f = op_of(torch, c)
        r = (f(x) if c["dim"] is None else f(x, c["dim"])).reshape(-1).double().numpy()
        if len(r) <= 64:
            c["expected"] = [float(v).hex() for v in r]
        else:
            c["count"] = len(r)
            c["sha256"] = hashlib.sha256(r.astype("<f8").tobytes()).hexdigest()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_sums.json")
    with open(out, "w") as f:
        f.write('{"meta": ' + json.dumps({"torch_version": torch.__version__,
                                          "cpu_capability": torch.backends.cpu.get_cpu_capability()}))
        f.write(',\n "cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
