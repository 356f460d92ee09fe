#!/usr/bin/env python3
"""Record how PyTorch prints tensors into tests/data/torch_repr.json.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_repr.py [--out tests/data/torch_repr.json]

Every tensor is built from explicit values (no random streams), by an
expression that uses only torch.tensor / torch.arange / torch.linspace,
arithmetic, .reshape and dtype=, so that tests/test_repr.py can evaluate the
same text with `torch` bound to ember.

Format: {"meta": {...}, "cases": [case, ...]},
case = {"id", "expr", "repr": repr(t), "str": str(t),
        "format": {spec: format(t, spec)}   (0-d tensors only; else {})}.
Texts are PyTorch's own: a dtype suffix reads dtype=torch.float64, which
ember prints as dtype=ember.float64.
"""
import argparse
import json
import os

import torch

FORMAT_SPECS = [".3f"]

# (id, expression); `torch` is the only name an expression may use (besides float('nan') etc.).
CASES = [
    # float32 values that are whole numbers: printed with a trailing '.'
    ("f32_whole", "torch.tensor([1., 2.])"),
    ("f32_whole_negative", "torch.tensor([-1., -20., 3.])"),
    ("f32_signed_zero", "torch.tensor([-0., 0., 1.])"),
    ("f32_single", "torch.tensor([5.])"),
    # fixed notation, 4 decimals
    ("f32_fraction", "torch.tensor([1., 2.5, -3.])"),
    ("f32_rounding", "torch.tensor([0.1, 0.25, 3.14159, 1.23456789])"),
    ("f32_negative", "torch.tensor([-1.5, 2.25, -0.125])"),
    # scientific notation: wide range, small, large
    ("f32_mixed_magnitudes", "torch.tensor([1e-3, 1., 1e3, 12345.678])"),
    ("f32_whole_wide_range", "torch.tensor([1., 1000., 100000.])"),
    ("f32_small", "torch.tensor([1e-5, 2e-5, 3.5e-6])"),
    ("f32_small_and_zero", "torch.tensor([0., 1e-5, -2.5e-7])"),
    ("f32_large", "torch.tensor([1e9, 2.5e9])"),
    ("f32_large_whole", "torch.tensor([123456789., 1.])"),
    ("f32_mixed_2d", "torch.tensor([[1e-8, 1.], [1e5, -3e3]])"),
    ("f32_sci_wrap", "torch.arange(1, 30) * 1e-5"),
    # nan / inf
    ("f32_nan_inf", "torch.tensor([float('nan'), float('inf'), -float('inf'), 1.5])"),
    ("f32_nan_only", "torch.tensor([float('nan')])"),
    ("f32_nan_whole", "torch.tensor([1., float('nan'), 2.])"),
    ("f32_inf_whole", "torch.tensor([float('inf'), 1., -2.])"),
    ("f32_inf_small", "torch.tensor([float('inf'), 1e-6])"),
    # 0-d
    ("f32_0d", "torch.tensor(3.14159)"),
    ("f32_0d_whole", "torch.tensor(4.)"),
    ("f32_0d_negative", "torch.tensor(-0.5)"),
    ("f32_0d_large", "torch.tensor(1e10)"),
    ("f32_0d_small", "torch.tensor(1.5e-7)"),
    ("f32_0d_nan", "torch.tensor(float('nan'))"),
    ("i64_0d", "torch.tensor(7)"),
    ("i64_0d_negative", "torch.tensor(-3)"),
    ("bool_0d", "torch.tensor(True)"),
    ("f64_0d", "torch.tensor(2.5, dtype=torch.float64)"),
    ("i32_0d", "torch.tensor(9, dtype=torch.int32)"),
    # 1-D longer than a line: wrapped at 80 columns
    ("f32_wrap", "torch.arange(30) * 1.5"),
    ("f32_linspace_wrap", "torch.linspace(-1, 1, 25)"),
    ("i64_wrap", "torch.arange(40)"),
    ("i64_wide_wrap", "torch.arange(30) * 1000003 - 7"),
    ("f64_wrap_suffix", "torch.arange(24, dtype=torch.float64) / 8"),
    ("i32_wrap_suffix", "torch.arange(35, dtype=torch.int32) * 3"),
    # 2-D and 3-D
    ("f32_2d", "torch.arange(6.).reshape(2, 3)"),
    ("f32_2d_fraction", "torch.linspace(0, 1, 12).reshape(3, 4)"),
    ("f32_column", "(torch.arange(5.) - 2).reshape(5, 1)"),
    ("i64_3d", "torch.arange(24).reshape(2, 3, 4)"),
    ("f32_3d_fraction", "(torch.arange(24.) / 7).reshape(2, 3, 4)"),
    ("f32_4d", "torch.arange(16.).reshape(2, 2, 2, 2) - 8"),
    # more than 1000 elements: summarized with ...
    ("i64_summarized", "torch.arange(1200)"),
    ("f32_summarized", "torch.arange(2000) / 1999."),
    ("f32_summarized_linspace", "torch.linspace(0, 10, 1001)"),
    ("f32_2d_summarized", "torch.arange(2000.).reshape(40, 50)"),
    ("i64_3d_summarized", "torch.arange(1100).reshape(11, 10, 10)"),
    ("f64_summarized", "torch.arange(1001, dtype=torch.float64) * 0.5"),
    ("bool_summarized", "torch.arange(1500) % 3 == 0"),
    ("f32_summarized_sci", "torch.arange(1, 1202) * 1e-6"),
    # empty
    ("f32_empty", "torch.tensor([])"),
    ("f32_empty_0x3", "torch.tensor([]).reshape(0, 3)"),
    ("f32_empty_2x0", "torch.tensor([]).reshape(2, 0)"),
    ("i64_empty", "torch.tensor([], dtype=torch.int64)"),
    ("f64_empty_0x3", "torch.tensor([], dtype=torch.float64).reshape(0, 3)"),
    ("bool_empty", "torch.tensor([], dtype=torch.bool)"),
    # integer dtypes: int64 has no suffix, int32 does
    ("i64", "torch.tensor([1, -20, 300])"),
    ("i64_large", "torch.tensor([2 ** 40, -5])"),
    ("i32", "torch.tensor([1, 2, 3], dtype=torch.int32)"),
    ("i32_2d", "torch.arange(6, dtype=torch.int32).reshape(2, 3) - 2"),
    # float64 carries a suffix
    ("f64", "torch.tensor([1.5, 2.25], dtype=torch.float64)"),
    ("f64_precision", "torch.tensor([0.1, 1 / 3, 2.0], dtype=torch.float64)"),
    ("f64_whole", "torch.tensor([1., 2.], dtype=torch.float64)"),
    ("f64_sci", "torch.tensor([1e-10, 1.], dtype=torch.float64)"),
    # bool
    ("bool", "torch.tensor([True, False, True])"),
    ("bool_2d", "torch.tensor([[True, False], [False, True]])"),
    ("bool_from_compare", "torch.arange(6).reshape(2, 3) > 2"),
]


def record():
    torch.set_printoptions(profile="default")
    torch.set_printoptions(sci_mode=None)
    out = []
    for cid, expr in CASES:
        t = eval(expr, {"torch": torch})  # noqa: S307 (our own literal expressions)
        fmt = {spec: format(t, spec) for spec in FORMAT_SPECS} if t.dim() == 0 else {}
        out.append({"id": cid, "expr": expr, "repr": repr(t), "str": str(t), "format": fmt})
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "data", "torch_repr.json"))
    args = ap.parse_args()

    cases = record()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    doc = {"meta": {"torch_version": torch.__version__,
                    "format": "see the docstring of tests/record_torch_repr.py"},
           "cases": cases}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write('{"meta":' + json.dumps(doc["meta"], sort_keys=True) + ',\n"cases":[\n')
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    json.load(open(args.out))  # must round-trip
    print(f"wrote {len(cases)} cases to {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
