"""A LeNet-5-like training step (issue 6's workload), PyTorch side by side:
Conv2d(1,6,5,padding=2)-ReLU-MaxPool-Conv2d(6,16,5)-ReLU-MaxPool-Flatten-
Linear(400,120)-ReLU-Linear(120,84)-ReLU-Linear(84,10), CrossEntropy, SGD with
momentum 0.9, batch 64 of 1x28x28; and the layers of CNNs one by one, forward
and backward (conv, 2x2 max pooling, batch and group normalization).

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


def _layer(shape, build):
    """fwd+bwd of one layer on a fixed input, the gradient of out.sum() w.r.t. input and parameters."""
    def make(lib):
        lib.manual_seed(0)
        layer = build(lib.nn)
        x = lib.from_numpy(np.random.default_rng(0).standard_normal(shape).astype(np.float32)).requires_grad_()
        grad = lib.ones(layer(x).shape)

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).backward(grad)
        return step
    return make


def run():
    group = "convolutional network (CPU, 2 threads)"
    rows = [compare(group, "LeNet-5 step, batch 64, SGD momentum", "ms/step", _lenet)]
    layers = [
        ("Conv2d(6,16,5) fwd+bwd, 64x6x14x14", (64, 6, 14, 14), lambda nn: nn.Conv2d(6, 16, 5)),
        ("MaxPool2d(2) fwd+bwd, 64x6x28x28", (64, 6, 28, 28), lambda nn: nn.MaxPool2d(2)),
        ("BatchNorm2d(32) train fwd+bwd, 64x32x28x28", (64, 32, 28, 28), lambda nn: nn.BatchNorm2d(32)),
        ("GroupNorm(4,32) fwd+bwd, 32x32x28x28", (32, 32, 28, 28), lambda nn: nn.GroupNorm(4, 32)),
    ]
    rows += [compare(group, name, "ms/call", _layer(shape, build)) for name, shape, build in layers]
    return rows


if __name__ == "__main__":
    setup()
    print_table(run(), markdown="--markdown" in sys.argv)
