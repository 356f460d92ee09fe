#!/usr/bin/env python3
"""Record what torch does for the convolution tests into tests/data/torch_conv.json.

    /root/tvenv/bin/python tests/record_torch_conv.py   (2.13.0+cpu was used)

Each case is a program text run with `torch`, `nn`, `F` bound to torch's (here)
or ember's (in tests/test_nn_conv.py):
  "init"   torch.manual_seed(seed); m = eval(expr): the parameters' values (float.hex), exact
  "repr"   repr(eval(expr))
  "error"  eval(expr) raises: its type name and message
  "output" torch.manual_seed(seed); eval(expr) is a tensor: its values (float.hex), compared to float32 tolerance
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

INIT = [
    "nn.Conv2d(1, 6, 5)", "nn.Conv2d(6, 16, 5)", "nn.Conv2d(4, 6, (3, 2), groups=2, bias=False)",
    "nn.Conv2d(3, 3, 3, groups=3)", "nn.Conv1d(2, 4, 3)", "nn.ConvTranspose2d(3, 4, 3, stride=2)",
    "nn.ConvTranspose2d(4, 6, 2, groups=2)", "nn.Conv2d(2, 3, 3, dtype=torch.float64)",
]
REPR = [
    "nn.Conv2d(1, 6, 5)", "nn.Conv2d(4, 6, (3, 5), stride=2, padding=(1, 2), dilation=3, groups=2, bias=False)",
    "nn.Conv2d(2, 4, 3, padding='same')", "nn.Conv2d(2, 4, 3, padding='valid')", "nn.Conv1d(2, 4, 3, padding='same')",
    "nn.Conv1d(2, 4, 3, stride=2, padding=1)", "nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)",
    "nn.ConvTranspose2d(3, 4, 3, padding=1, dilation=2, groups=1, bias=False)",
]
ERROR = [
    "F.conv2d(torch.ones(1, 1, 28, 28), torch.ones(6, 3, 5, 5))",
    "F.conv2d(torch.ones(1, 3, 3, 3), torch.ones(6, 3, 5, 5))",
    "F.conv2d(torch.ones(1, 3, 6, 6), torch.ones(6, 3, 3, 3), padding=1, dilation=4)",
    "F.conv2d(torch.ones(2, 3), torch.ones(6, 3, 5, 5))",
    "F.conv2d(torch.ones(1, 2, 3, 4, 5), torch.ones(6, 3, 5, 5))",
    "F.conv2d(torch.ones(1, 4, 8, 8), torch.ones(6, 2, 3, 3), groups=3)",
    "F.conv2d(torch.ones(1, 6, 8, 8), torch.ones(4, 2, 3, 3), groups=3)",
    "F.conv2d(torch.ones(1, 6, 8, 8), torch.ones(4, 2, 3, 3), groups=0)",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5, dtype=torch.float64))",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), torch.ones(6, dtype=torch.float64))",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), torch.ones(5))",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), stride=0)",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), padding=-1)",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), dilation=0)",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), padding='same', stride=2)",
    "F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(6, 3, 5, 5), padding='full')",
    "F.conv1d(torch.ones(1, 2, 3, 4), torch.ones(6, 2, 3))",
    "F.conv1d(torch.ones(1, 2, 10), torch.ones(6, 3, 3))",
    "F.conv1d(torch.ones(1, 3, 2), torch.ones(6, 3, 3))",
    "F.conv_transpose2d(torch.ones(1, 2, 5, 5), torch.ones(3, 4, 3, 3))",
    "F.conv_transpose2d(torch.ones(2, 5), torch.ones(3, 4, 3, 3))",
    "F.conv_transpose2d(torch.ones(1, 3, 5, 5), torch.ones(3, 4, 3, 3), output_padding=1)",
    "F.conv_transpose2d(torch.ones(1, 3, 5, 5), torch.ones(3, 4, 3, 3), groups=2)",
    "nn.Conv2d(4, 6, 3, groups=3)", "nn.Conv2d(6, 4, 3, groups=3)", "nn.Conv2d(6, 4, 3, padding_mode='foo')",
    "nn.Conv2d(6, 4, 3, padding='same', stride=2)", "nn.Conv2d(6, 4, 3, padding='full')",
    "nn.Conv2d(1, 6, 5)(torch.ones(1, 2, 28, 28))", "nn.Conv2d(1, 6, 5)(torch.ones(28, 28))",
]
OUTPUT = [  # seeded modules on seeded inputs: 'same' with even kernels, unbatched input, output_size
    "nn.Conv2d(2, 3, (4, 3), padding='same', dilation=(1, 2))(torch.randn(2, 2, 7, 6))",
    "nn.Conv1d(2, 3, 4, padding='same')(torch.randn(2, 2, 9))",
    "nn.Conv2d(2, 3, 3, stride=2, padding=1)(torch.randn(2, 5, 5))",
    "nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)(torch.randn(1, 2, 4, 4), output_size=[8, 8])",
]


def hexes(t):
    return [float(v).hex() for v in t.detach().double().flatten().tolist()]


def record():
    cases = []
    for e in INIT:
        torch.manual_seed(0)
        m = eval(e)
        cases.append({"kind": "init", "expr": e, "seed": 0,
                      "expected": {k: {"shape": list(v.shape), "values": hexes(v)} for k, v in m.named_parameters()}})
    for e in REPR:
        cases.append({"kind": "repr", "expr": e, "expected": repr(eval(e))})
    for e in ERROR:
        try:
            eval(e)
        except Exception as ex:  # noqa: BLE001
            cases.append({"kind": "error", "expr": e, "expected": {"type": type(ex).__name__,
                                                                   "message": str(ex).splitlines()[0]}})
        else:
            sys.exit(f"no error from {e}")
    for e in OUTPUT:
        torch.manual_seed(0)
        out = eval(e)
        cases.append({"kind": "output", "expr": e, "seed": 0,
                      "expected": {"shape": list(out.shape), "values": hexes(out)}})
    return {"meta": {"torch": torch.__version__}, "cases": cases}


if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_conv.json")
    with open(path, "w") as f:
        json.dump(record(), f, indent=1)
    print("wrote", path)
