#!/usr/bin/env python3
"""Run every optimizer configuration of tests/test_optim.py on ember and on
PyTorch (foreach=False, the single-tensor implementation ember's kernels
follow) from the same start and the same gradients, and report how far apart
the parameters end up, in units in the last place.

    /root/tvenv/bin/python tests/check_optim_with_torch.py [--steps 20] [--site DIR] [--exact-sqrt]

Needs both libraries in one interpreter: --site adds the site-packages of the
venv where ember is installed (default /tmp/optvenv/...). Not part of the
pytest suite. SGD is bit-exact; the optimizers that take a square root differ
by about an ulp in a fraction of the elements, because PyTorch's sqrt on
this CPU is MKL's (up to 1 ulp off the correctly rounded value ember uses);
the differences then grow over the steps. With --exact-sqrt, PyTorch's
Tensor.sqrt/sqrt_ are replaced by NumPy's correctly rounded sqrt, and every
optimizer should agree to the bit (exit status 1 if one doesn't).
"""
import argparse
import os
import site
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def ulps(a, b):
    """|a - b| in ulps of the dtype (elementwise, as int64)."""
    it = np.int32 if a.dtype == np.float32 else np.int64
    ai, bi = a.view(it).astype(np.int64), b.view(it).astype(np.int64)
    ai = np.where(ai < 0, np.iinfo(it).min - ai, ai)
    bi = np.where(bi < 0, np.iinfo(it).min - bi, bi)
    return np.abs(ai - bi)


def run(lib, name, kwargs, p0, grads, dtype):
    ps = [lib.tensor(a.astype(dtype), requires_grad=True) for a in p0]
    extra = {"foreach": False} if lib.__name__ == "torch" else {}
    opt = getattr(lib.optim, name)(ps, **kwargs, **extra)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = lib.tensor(g.astype(dtype))
        opt.step()
    return [p.detach().numpy().copy() for p in ps]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--site", default="/tmp/optvenv/lib/python3.11/site-packages")
    ap.add_argument("--exact-sqrt", action="store_true")
    args = ap.parse_args()
    site.addsitedir(args.site)
    import ember
    import torch
    from test_optim import CONFIGS  # (optimizer name, kwargs) rows

    if args.exact_sqrt:
        torch.Tensor.sqrt = lambda self: torch.from_numpy(np.sqrt(self.numpy()))
        torch.Tensor.sqrt_ = lambda self: self.copy_(self.sqrt())

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    shapes = [(7,), (33, 5), (1000,), (4099,)]
    p0 = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(args.steps)]
    worst = 0
    for name, kwargs in CONFIGS:
        for dtype in (np.float32, np.float64):
            e = run(ember, name, kwargs, p0, grads, dtype)
            t = run(torch, name, kwargs, p0, grads, dtype)
            d = np.concatenate([ulps(a, b).ravel() for a, b in zip(e, t)])
            rel = max(np.abs(a - b).max() / np.abs(b).max() for a, b in zip(e, t))
            worst = max(worst, int(d.max()))
            print(f"{name:9s} {np.dtype(dtype).name:8s} {str(kwargs):75s} max {int(d.max()):4d} ulp, "
                  f"{(d != 0).mean() * 100:6.2f}% differ, max |diff| / max |p| {rel:.1e}")
    print("worst:", worst, "ulp")
    return 1 if args.exact_sqrt and worst else 0


if __name__ == "__main__":
    sys.exit(main())
