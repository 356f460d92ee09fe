#!/usr/bin/env python3
"""Record what PyTorch's pooling, upsampling, GroupNorm and Dropout2d do into
tests/data/torch_pool.json, for tests/test_nn_pool.py.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_pool.py [--out tests/data/torch_pool.json]

Each case is an expression over `torch`, `nn` and `F` (and `x`, a tensor built
by the case's setup) that ember evaluates with those names bound to ember:
  "repr"    expected = repr(eval(expr))
  "error"   expected = {"type", "message"} of the exception eval(expr) raises
  "tensors" expected = {"shape", "dtype", "values": [float.hex]} of eval(expr)
            (after torch.manual_seed(seed) when "seed" is set)
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

REPRS = [
    "nn.MaxPool2d(2)",
    "nn.MaxPool2d((2, 3), 1, 1, 2, True, True)",
    "nn.MaxPool2d(3, stride=(2, 1), padding=(1, 0))",
    "nn.MaxPool1d(2)",
    "nn.AvgPool2d(3)",
    "nn.AvgPool2d((2, 3), 1, 1, True, False, 2)",
    "nn.AvgPool1d(3)",
    "nn.AvgPool1d(3, 2, 1)",
    "nn.AdaptiveAvgPool2d((None, 2))",
    "nn.AdaptiveAvgPool2d(1)",
    "nn.AdaptiveMaxPool2d(3, True)",
    "nn.AdaptiveMaxPool2d((2, 3))",
    "nn.Upsample(scale_factor=2)",
    "nn.Upsample(scale_factor=2.5, mode='nearest')",
    "nn.Upsample(size=(3, 4), mode='bilinear', align_corners=True)",
    "nn.Upsample(size=5)",
    "nn.GroupNorm(2, 4)",
    "nn.GroupNorm(2, 4, affine=False, eps=1e-3)",
    "nn.GroupNorm(1, 3, bias=False)",
    "nn.Dropout2d()",
    "nn.Dropout2d(0.3, True)",
    "nn.Sequential(nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Upsample(scale_factor=2))",
]

# (setup of x, expression that raises)
ERRORS = [
    ("x = torch.zeros(4, 4)", "F.max_pool2d(x, 2)"),
    ("x = torch.zeros(1, 2, 3, 4, 4)", "F.max_pool2d(x, 2)"),
    ("x = torch.zeros(2, 0, 4, 4)", "F.max_pool2d(x, 2)"),
    ("x = torch.zeros(3, 0, 6)", "F.max_pool2d(x, 2)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 5)"),
    ("x = torch.zeros(3, 4, 4)", "F.max_pool2d(x, 5)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 3, padding=2)"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.max_pool2d(x, (3, 2), padding=(1, 2))"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.max_pool2d(x, (3, 2), padding=(2, 1), dilation=(2, 1))"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 0)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 2, stride=0)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 2, dilation=0)"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.max_pool2d(x, (3, 2), dilation=(0, 1))"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 2, padding=-1)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, (2, 2, 2))"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.max_pool2d(x, 2, stride=(1, 1, 1))"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.max_pool2d(x, (3, -2))"),
    ("x = torch.zeros(2, 3, 4, 4)", "nn.MaxPool2d(5)(x)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.avg_pool2d(x, 5)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.avg_pool2d(x, 3, padding=2)"),
    ("x = torch.zeros(4, 4)", "F.avg_pool2d(x, 2)"),
    ("x = torch.zeros(6)", "F.avg_pool2d(x, 2)"),
    ("x = torch.zeros(1, 2, 3, 6, 6)", "F.avg_pool2d(x, 2)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.avg_pool2d(x, 2, divisor_override=0)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.avg_pool2d(x, 0)"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.avg_pool2d(x, (3, 2), stride=(1, -1))"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.avg_pool2d(x, (3, 2), padding=(1, -1))"),
    ("x = torch.zeros(2, 3, 4, 4)", "nn.AvgPool2d(5)(x)"),
    ("x = torch.zeros(4, 4)", "F.adaptive_avg_pool2d(x, 2)"),
    ("x = torch.zeros(1, 2, 3, 6, 6)", "F.adaptive_avg_pool2d(x, 2)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.adaptive_avg_pool2d(x, (2, 2, 2))"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.adaptive_avg_pool2d(x, -1)"),
    ("x = torch.zeros(2, 3, 0, 4)", "F.adaptive_avg_pool2d(x, 2)"),
    ("x = torch.zeros(4, 4)", "F.adaptive_max_pool2d(x, 2)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.adaptive_max_pool2d(x, (2, 2, 2))"),
    ("x = torch.zeros(2, 0, 6, 6)", "F.adaptive_max_pool2d(x, 2)"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.adaptive_max_pool2d(x, -1)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.interpolate(x, size=3, mode='bicubicx')"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.interpolate(x)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.interpolate(x, size=3, scale_factor=2.0)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.interpolate(x, size=(3, 3, 3))"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.interpolate(x, size=3, align_corners=True)"),
    ("x = torch.zeros(2, 3, 4)", "F.interpolate(x, size=3, mode='bilinear')"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.interpolate(x, scale_factor=0.1)"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.interpolate(x, size=(3, -1))"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.interpolate(x, scale_factor=(3,))"),
    ("x = torch.zeros(2, 3, 6, 6)", "F.interpolate(x, size=4, recompute_scale_factor=True)"),
    ("x = torch.zeros(2, 3, 4, 4)", "F.group_norm(x, 2)"),
    ("x = torch.zeros(2, 4, 4, 4)", "F.group_norm(x, 3)"),
    ("x = torch.zeros(2, 4, 4, 4)", "F.group_norm(x, 2, torch.ones(3))"),
    ("x = torch.zeros(2, 4, 4, 4)", "F.group_norm(x, 2, None, torch.ones(3))"),
    ("x = torch.zeros(2, 4, 4, 4)", "F.group_norm(x, 2, torch.ones(4), torch.ones(3))"),
    ("x = torch.zeros(1, 2, 1, 1)", "F.group_norm(x, 2)"),
    ("x = torch.zeros(4)", "F.group_norm(x, 2)"),
    ("x = torch.zeros(2, 4, 4, 4)", "nn.GroupNorm(3, 4)"),
    ("x = torch.zeros(2, 4, 4, 4)", "F.dropout2d(x, 1.5)"),
    ("x = torch.zeros(2, 4, 4, 4)", "nn.Dropout2d(-0.1)"),
]

# (seed or None, setup, expression giving a tensor): PyTorch's exact values.
TENSORS = [
    (0, "x = torch.ones(4, 6, 2, 3)", "F.dropout2d(x, 0.5)"),
    (1, "x = torch.ones(3, 5, 2, 2)", "nn.Dropout2d(0.3)(x)"),
    (2, "x = torch.ones(2, 3, 4)", "F.dropout2d(x, 0.25)"),
    (3, "x = torch.randn(2, 4, 3, 3)", "F.dropout2d(x, 0.5, inplace=True)"),
    (4, "x = torch.ones(3, 4, 2, 2, dtype=torch.float64)", "F.dropout2d(x, 0.4)"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "F.interpolate(x, scale_factor=1.7)"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "F.interpolate(x, scale_factor=(0.6, 2.3))"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "F.interpolate(x, size=(7, 4))"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "F.interpolate(x, size=(6, 10))"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "F.interpolate(x, scale_factor=1.7, mode='bilinear')"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)",
     "F.interpolate(x, scale_factor=1.7, mode='bilinear', recompute_scale_factor=True)"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "F.interpolate(x, size=(7, 4), mode='bilinear')"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)",
     "F.interpolate(x, size=(7, 4), mode='bilinear', align_corners=True)"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)",
     "F.interpolate(x, scale_factor=(2.5, 0.5), mode='bilinear')"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "nn.Upsample(scale_factor=3, mode='bilinear')(x)"),
    (None, "x = torch.arange(30.).reshape(1, 2, 3, 5)", "nn.Upsample(size=1, mode='bilinear', align_corners=True)(x)"),
]


def tensor_record(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "values": [float(v).hex() for v in t.reshape(-1).tolist()]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_pool.json"))
    args = ap.parse_args()
    cases = []
    for expr in REPRS:
        cases.append({"kind": "repr", "seed": None, "setup": "", "expr": expr, "expected": repr(eval(expr))})
    for setup, expr in ERRORS:
        ns = {"torch": torch, "nn": nn, "F": F}
        exec(setup, ns)
        try:
            eval(expr, ns)
        except Exception as e:  # noqa: BLE001
            cases.append({"kind": "error", "seed": None, "setup": setup, "expr": expr,
                          "expected": {"type": type(e).__name__, "message": str(e)}})
        else:
            raise SystemExit(f"{expr} did not raise")
    for seed, setup, expr in TENSORS:
        if seed is not None:
            torch.manual_seed(seed)
        ns = {"torch": torch, "nn": nn, "F": F}
        exec(setup, ns)
        cases.append({"kind": "tensors", "seed": seed, "setup": setup, "expr": expr,
                      "expected": tensor_record(eval(expr, ns))})
    meta = {"torch": torch.__version__, "script": "tests/record_torch_pool.py"}
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
