"""Training workloads, PyTorch side by side: the seeds' Linear(1,1) regression
step (SGD), the 784-128-10 MLP step with Adam at batch 64 and 256, Adam's
step alone on 10M parameters, and a 2-layer LSTM's forward + backward.

Run alone with ``python benchmarks/bench_training.py [--markdown]``.
"""
import os
import sys

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import compare, print_table, setup  # noqa: E402

ORDER = 20


def _linear_regression(lib):
    lib.manual_seed(0)
    model = lib.nn.Linear(1, 1)
    criterion = lib.nn.MSELoss()
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    x = lib.tensor([[1.0], [2.0], [3.0], [4.0]])
    y = lib.tensor([[2.0], [4.0], [6.0], [8.0]])

    def step():
        loss = criterion(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _mlp(batch):
    def make(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(784, 128), lib.nn.ReLU(), lib.nn.Linear(128, 10))
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        criterion = lib.nn.CrossEntropyLoss()
        rng = np.random.default_rng(0)
        x = lib.from_numpy(rng.standard_normal((batch, 784)).astype(np.float32))
        y = lib.from_numpy(rng.integers(0, 10, batch).astype(np.int64))

        def step():
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
        return step
    return make


def _adam_10m(lib):
    n = 10 * 1000 * 1000
    p = lib.zeros(n, requires_grad=True)
    p.grad = lib.from_numpy(np.random.default_rng(0).standard_normal(n).astype(np.float32))
    kwargs = {"fused": True} if lib.__name__ == "torch" else {}
    opt = lib.optim.Adam([p], lr=1e-3, **kwargs)
    return opt.step


def _lstm(lib):
    lib.manual_seed(0)
    model = lib.nn.LSTM(128, 256, num_layers=2)
    x = lib.from_numpy(np.random.default_rng(0).standard_normal((35, 20, 128)).astype(np.float32))

    def step():
        out, _ = model(x)
        out.sum().backward()
    return step


def run():
    g = "training (CPU, 2 threads)"
    return [
        compare(g, "Linear(1,1) regression step, SGD", "µs/op", _linear_regression),
        compare(g, "MLP 784-128-10 step, Adam, batch 64", "ms/step", _mlp(64)),
        compare(g, "MLP 784-128-10 step, Adam, batch 256", "ms/step", _mlp(256)),
        compare(g, "Adam step, 10M params (PyTorch fused=True)", "ms/step", _adam_10m),
        compare(g, "LSTM(128, 256, 2 layers) fwd+bwd, 35 steps × batch 20", "ms/step", _lstm),
    ]


if __name__ == "__main__":
    setup()
    print_table(run(), markdown="--markdown" in sys.argv)
