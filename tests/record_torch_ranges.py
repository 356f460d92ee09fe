#!/usr/bin/env python3
"""Record torch.arange / torch.linspace values into tests/data/torch_ranges.json.

    /root/tvenv/bin/python tests/record_torch_ranges.py

Floating arange and linspace round as PyTorch's CPU kernels are structured
(vector chunks, per-thread chunks above 32768 elements, float16/bfloat16
arithmetic), so the references come from torch itself (2.13.0+cpu, x86-64).

Each case: {"op": "arange", "start", "end", "step"} or {"op": "linspace",
"start", "end", "steps"}, plus "dtype" and "threads" (torch.set_num_threads
while recording). "expected": {"count", "values": [float.hex]} for up to 64
values, else {"count", "head", "tail", "sha256" of the values widened to
little-endian float64}.
"""
import hashlib
import json
import os
import random

import numpy as np
import torch

DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
          "float64": torch.float64, "int64": torch.int64}
FULL_LIMIT, EDGE = 64, 16


def encode(t):
    v = t.double().numpy()
    if len(v) <= FULL_LIMIT:
        return {"count": len(v), "values": [float(x).hex() for x in v]}
    return {"count": len(v), "head": [float(x).hex() for x in v[:EDGE]],
            "tail": [float(x).hex() for x in v[-EDGE:]],
            "sha256": hashlib.sha256(v.astype("<f8").tobytes()).hexdigest()}


def build_cases():
    rng = random.Random(2026)
    cases = []
    for dt in DTYPES:
        lengths = [1, 7, 31, 32, 33, 64, 100, 1000] + ([] if dt in ("float16", "bfloat16") else [40000, 100001])
        for n in lengths:
            for _ in range(2):
                start = round(rng.uniform(-50, 50), 3)
                step = rng.choice([0.1, 0.7, 0.013, 1.3, 1 / 3, -0.3])
                if dt == "int64":
                    start, step = int(start), rng.choice([1, 3, -2])
                end = start + step * n - step / 2 if dt != "int64" else start + step * n
                cases.append({"op": "arange", "dtype": dt, "start": start, "end": end, "step": step})
        if dt != "int64":
            cases.append({"op": "arange", "dtype": dt, "start": 0, "end": 1, "step": 0.1})
        for steps in (0, 1, 2, 7, 100, 300, 1000, 5000):
            cases.append({"op": "linspace", "dtype": dt, "start": round(rng.uniform(-100, 100), 2),
                          "end": round(rng.uniform(-100, 300), 2), "steps": steps})
    for c in cases:
        c["threads"] = 1
    # Above 32768 elements PyTorch splits arange into one chunk per thread.
    cases += [dict(c, threads=2) for c in cases if c["op"] == "arange" and abs(c["end"] - c["start"]) / abs(c["step"]) > 32768]
    return cases


def main():
    cases = build_cases()
    for c in cases:
        torch.set_num_threads(c["threads"])
        dt = DTYPES[c["dtype"]]
        t = (torch.arange(c["start"], c["end"], c["step"], dtype=dt) if c["op"] == "arange"
             else torch.linspace(c["start"], c["end"], c["steps"], dtype=dt))
        c["expected"] = encode(t)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_ranges.json")
    doc = {"meta": {"torch_version": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
                    "format": "see the docstring of tests/record_torch_ranges.py"}, "cases": cases}
    with open(out, "w") as f:
        f.write('{"meta": ' + json.dumps(doc["meta"]) + ',\n "cases": [\n')
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
