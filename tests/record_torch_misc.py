#!/usr/bin/env python3
"""Record torch.logspace and nn.init.trunc_normal_ values into tests/data/torch_misc.json.

    /root/tvenv/bin/python tests/record_torch_misc.py

Both must match PyTorch bit for bit (logspace rounds its exponents and pow as
PyTorch's CPU kernel does; trunc_normal_ replays torch 2.13's draws), so the
references come from torch itself (2.13.0+cpu, x86-64).

"logspace": [{"start", "end", "steps", "base", "dtype", "expected": [float.hex]}]
"trunc_normal": [{"seed", "shape", "dtype", "transposed", "generator_seed" (or null),
                  "kwargs" (mean/std/a/b), "expected": {"count", "head", "tail": [float.hex],
                  "sha256" of all values widened to little-endian float64 in logical order},
                  "next": float.hex of one rand() from the same generator afterwards}]
"""
import hashlib
import json
import os
import random
import warnings

import numpy as np
import torch

DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
          "float64": torch.float64, "int64": torch.int64, "int32": torch.int32}
EDGE = 8


def hexes(t):
    return [float(x).hex() for x in t.double().reshape(-1).tolist()]


def logspace_cases():
    rng = random.Random(2026)
    cases = []
    for dt in DTYPES:
        integer = dt.startswith("int")
        for _ in range(24 if not integer else 12):
            if integer:
                start, end = rng.randint(-3, 3), rng.randint(0, 6)
            else:
                start, end = round(rng.uniform(-8, 8), 4), round(rng.uniform(-8, 8), 4)
            steps = rng.choice([1, 2, 3, 5, 10, 33, 100])
            base = rng.choice([10.0, 2.0, 2.718281828459045, round(rng.uniform(0.2, 12), 5)])
            cases.append({"start": start, "end": end, "steps": steps, "base": base, "dtype": dt})
    cases.append({"start": -45.0, "end": 40.0, "steps": 20, "base": 10.0, "dtype": "float32"})  # under/overflow
    cases.append({"start": 1.0, "end": -1.0, "steps": 3, "base": -2.0, "dtype": "float32"})
    for c in cases:
        c["expected"] = hexes(torch.logspace(c["start"], c["end"], c["steps"], base=c["base"],
                                             dtype=DTYPES[c["dtype"]]))
    return cases


def trunc_normal_cases():
    specs = [  # (shape, dtype, transposed, generator seed, kwargs): both of torch's branches
        ((64, 64), "float32", False, None, {}),
        ((7,), "float32", False, None, {}),
        ((768, 64), "float32", False, None, {"std": 0.02}),
        ((4, 9), "float32", True, None, {}),
        ((100,), "float32", False, None, {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 1.0}),
        ((300,), "float32", False, None, {"a": 2.0, "b": 3.0}),
        ((50, 40), "float32", False, None, {"mean": 1.0, "std": 0.1, "a": 0.0, "b": 0.5}),
        ((20, 30), "float32", True, None, {"std": 3.0, "a": -0.2, "b": 0.3}),
        ((5000,), "float32", False, None, {"a": 1.0, "b": 1.5}),
        ((33,), "float32", False, None, {"mean": 3.0, "a": -1.0, "b": 0.0}),
        ((64, 64), "float64", False, None, {}),
        ((500,), "float64", False, None, {"a": 2.0, "b": 2.5}),
        ((256,), "float32", False, 117, {"a": 0.0, "b": 0.2}),
        ((1000,), "float32", False, 118, {}),
    ]
    cases = []
    for seed, (shape, dt, transposed, gseed, kwargs) in enumerate(specs):
        torch.manual_seed(seed)
        w = torch.empty(shape[::-1] if transposed else shape, dtype=DTYPES[dt])
        if transposed:
            w = w.t()
        g = None if gseed is None else torch.Generator().manual_seed(gseed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.nn.init.trunc_normal_(w, generator=g, **kwargs)
        v = w.double().reshape(-1).numpy()
        nxt = torch.rand(1, generator=g)
        cases.append({"seed": seed, "shape": list(shape), "dtype": dt, "transposed": transposed,
                      "generator_seed": gseed, "kwargs": kwargs,
                      "expected": {"count": len(v), "head": [float(x).hex() for x in v[:EDGE]],
                                   "tail": [float(x).hex() for x in v[-EDGE:]],
                                   "sha256": hashlib.sha256(v.astype("<f8").tobytes()).hexdigest()},
                      "next": float(nxt.item()).hex()})
    return cases


def main():
    doc = {"meta": {"torch_version": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
                    "format": "see the docstring of tests/record_torch_misc.py"},
           "logspace": logspace_cases(), "trunc_normal": trunc_normal_cases()}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_misc.json")
    with open(out, "w") as f:
        f.write('{"meta": ' + json.dumps(doc["meta"]) + ',\n "logspace": [\n')
        f.write(",\n".join(json.dumps(c) for c in doc["logspace"]))
        f.write('\n],\n "trunc_normal": [\n')
        f.write(",\n".join(json.dumps(c) for c in doc["trunc_normal"]))
        f.write("\n]}\n")
    print(f"wrote {len(doc['logspace'])} logspace and {len(doc['trunc_normal'])} trunc_normal_ cases to {out}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
