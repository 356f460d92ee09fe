"""A LeNet-5-like training step (issue 6's workload), PyTorch side by side:
Conv2d(1,6,5,padding=2)-ReLU-MaxPool-Conv2d(6,16,5)-ReLU-MaxPool-Flatten-
Linear(400,120)-ReLU-Linear(120,84)-ReLU-Linear(84,10), CrossEntropy, SGD with
momentum 0.9, batch 64 of 1x28x28.

Run alone with ``python benchmarks/bench_conv.py [--markdown]``.
"""
import os
import sys

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import compare, print_table, setup  # noqa: E402

ORDER = 25


def _lenet(lib):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 64).astype(np.int64))

    def step():
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    return step


def run():
    return [compare("convolutional network (CPU, 2 threads)", "LeNet-5 step, batch 64, SGD momentum", "ms/step",
                    _lenet)]


if __name__ == "__main__":
    setup()
    print_table(run(), markdown="--markdown" in sys.argv)
