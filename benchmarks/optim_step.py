#!/usr/bin/env python3
"""Time one optimizer step on 10M float32 params (one tensor, and ten of 1M)
and on a tiny model (4 tensors, 66 params: per-step overhead): ember's fused
kernel next to PyTorch's fused, foreach and for-loop (its CPU default)
implementations, in the same process with the same number of threads. Each
figure is the best of 7 runs of 20 steps (the least disturbed by other load).

    python benchmarks/optim_step.py [--optimizer Adam] [--threads 2]

Needs ember and torch in the interpreter running it (see benchmarks/README.md).
"""
import argparse
import time

import numpy as np


def params(lib, shapes, seed=0):
    rng = np.random.default_rng(seed)
    ps = []
    for s in shapes:
        p = lib.from_numpy(rng.standard_normal(s).astype(np.float32)).requires_grad_(True)
        p.grad = lib.from_numpy(rng.standard_normal(s).astype(np.float32))
        ps.append(p)
    return ps


def ms_per_step(opt, steps=20, repeats=7):
    for _ in range(3):
        opt.step()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(steps):
            opt.step()
        times.append((time.perf_counter() - t) / steps * 1e3)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--optimizer", default="Adam")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import ember
    import torch
    ember.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    layouts = {"1 x 10M": [(10_000_000,)], "10 x 1M": [(1_000_000,)] * 10,
               "tiny": [(5, 10), (5,), (1, 5), (1,)]}
    variants = [("ember", ember, {}), ("torch fused", torch, {"fused": True}),
                ("torch foreach", torch, {"foreach": True}), ("torch for-loop", torch, {"foreach": False})]
    print(f"{args.optimizer} step, float32, {args.threads} threads (best of 7 x 20 steps)")
    for layout, shapes in layouts.items():
        row = []
        unit, scale = ("us", 1e3) if layout == "tiny" else ("ms", 1.0)
        for name, lib, kw in variants:
            ps = params(lib, shapes)
            opt = getattr(lib.optim, args.optimizer)(ps, lr=1e-3, **kw)
            row.append(f"{name} {ms_per_step(opt) * scale:6.2f} {unit}")
            del opt, ps
            time.sleep(0.3)
        print(f"  {layout:8s}  " + "   ".join(row))


if __name__ == "__main__":
    main()
