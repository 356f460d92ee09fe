#!/usr/bin/env python3
"""Record seeded RNN/LSTM/GRU parameters and outputs into tests/data/torch_rnn.json.

    /root/tvenv/bin/python tests/record_torch_rnn.py

"cases": [{"module", "args", "kwargs", "seed", "params": {name: [float.hex of every value]},
           "input" (recipe: NumPy seed and shape), "output", "h_n" (and "c_n"): flat float lists}]
Parameters must equal torch's bit for bit (the same uniform_ draws in the same order); outputs
only to float32 rounding (torch's x86 wheel multiplies with MKL, ember with OpenBLAS).
"""
import json
import os

import numpy as np
import torch

CASES = [
    ("LSTM", [4, 6], {"num_layers": 2, "bidirectional": True}),
    ("GRU", [4, 5], {"num_layers": 2, "batch_first": True}),
    ("RNN", [4, 3], {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", [4, 3], {}),
    ("GRUCell", [4, 3], {"bias": False}),
]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    out = []
    for i, (name, args, kwargs) in enumerate(CASES):
        torch.manual_seed(10 + i)
        m = getattr(torch.nn, name)(*args, **kwargs)
        cell = name.endswith("Cell")
        shape = (3, 4) if cell else ((3, 5, 4) if kwargs.get("batch_first") else (5, 3, 4))
        x = torch.from_numpy(np.random.default_rng(i).standard_normal(shape).astype(np.float32))
        r = m(x)
        case = {"module": name, "args": args, "kwargs": kwargs, "seed": 10 + i, "input": {"seed": i, "shape": shape},
                "params": {k: [float(v).hex() for v in p.detach().reshape(-1).tolist()]
                           for k, p in m.named_parameters()}}
        if cell:
            case["output"] = flat(r[0] if isinstance(r, tuple) else r)
        else:
            case["output"] = flat(r[0])
            h = r[1]
            case["h_n"] = flat(h[0] if isinstance(h, tuple) else h)
            if isinstance(h, tuple):
                case["c_n"] = flat(h[1])
        out.append(case)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_rnn.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": out}, f, indent=0)
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
