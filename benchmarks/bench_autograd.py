"""Autograd overhead on tiny tensors: a forward op that records a node, and a
forward+backward of ((w*x + b)**2).sum() on 1-element tensors (the seeds'
Linear(1,1) regression lives in this regime).

Run alone with ``python benchmarks/bench_autograd.py [--markdown]``.
"""
import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import compare, print_table, setup  # noqa: E402

ORDER = 10


def _check(e, t):
    return None if abs(float(e) - float(t)) < 1e-5 else f"MISMATCH {float(e)} vs {float(t)}"


def run():
    g = "autograd overhead (1-element float32)"

    def forward_op(lib):
        w = lib.tensor([1.5], requires_grad=True)
        x = lib.tensor([2.0])
        return lambda: w * x

    def forward_backward(lib):
        w = lib.tensor([1.5], requires_grad=True)
        b = lib.tensor([0.5], requires_grad=True)
        x = lib.tensor([2.0])

        def step():
            w.grad = None
            b.grad = None
            loss = ((w * x + b) ** 2).sum()
            loss.backward()
            return w.grad.item()
        return step

    return [
        compare(g, "w * x (w requires grad)", "µs/op", forward_op),
        compare(g, "((w*x + b)**2).sum() forward+backward", "µs/op", forward_backward, check=_check),
    ]


if __name__ == "__main__":
    setup()
    print_table(run(), markdown="--markdown" in sys.argv)
