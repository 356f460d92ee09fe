#!/usr/bin/env python3
"""Record what PyTorch prints for the seeds' autograd programs into tests/data/seed_outputs.json.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_seed_outputs.py [--seeds /work/shared/seeds]
                                                        [--out tests/data/seed_outputs.json]

Each program is in examples/seeds/ as ember code (`import ember as torch`);
the PyTorch version is the same text with the ember imports put back to
torch's, run in a fresh interpreter. The output the seed's own text shows
(printed long ago by an old PyTorch) is stored beside it, with the page's
non-breaking spaces made plain, so that tests/test_seed_scripts.py can compare
the numbers without reading the seeds folder.

Format: {"meta": {...}, "programs": {name: {"file", "torch_stdout", "seed_stdout"}}}.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (program under tests/data, seed file glob, text that opens the seed's printed output, text that ends it)
PROGRAMS = {
    "seed_001_backprop": ("seed_001_backprop.py", "001_*.txt", "#Study of BackPagation", "Process finished"),
}

# ember line -> PyTorch line(s); each must occur exactly once in a program
TO_TORCH = [
    ("import ember as torch\n", "import torch\nfrom torch import nn\n"),
    ("from ember.autograd import Variable\n", "from torch.autograd import Variable\n"),
]


def torch_source(src):
    for ember_line, torch_line in TO_TORCH:
        assert src.count(ember_line) == 1, f"expected one {ember_line!r}"
        src = src.replace(ember_line, torch_line)
    return src


def seed_output(seeds, pattern, program_marker, end_marker):
    """The seed's printed output: the lines after the first '輸出結果:' that follows the program's marker."""
    (path,) = glob.glob(os.path.join(seeds, pattern))
    text = open(path, encoding="utf-8").read().replace("\xa0", " ")
    start = text.index("輸出結果:\n", text.index(program_marker)) + len("輸出結果:\n")
    return text[start:text.index(end_marker, start)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="/work/shared/seeds")
    ap.add_argument("--out", default=os.path.join(HERE, "data", "seed_outputs.json"))
    args = ap.parse_args()
    programs = {}
    for name, (file, pattern, marker, end) in PROGRAMS.items():
        src = open(os.path.join(os.path.dirname(HERE), "examples", "seeds", file), encoding="utf-8").read()
        run = subprocess.run([sys.executable, "-c", torch_source(src)], capture_output=True, text=True, check=True)
        programs[name] = {"file": file, "torch_stdout": run.stdout, "seed_stdout": seed_output(args.seeds, pattern,
                                                                                               marker, end)}
    meta = {"torch": torch.__version__, "python": sys.version.split()[0], "recorded_by": "tests/record_seed_outputs.py"}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "programs": programs}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {args.out}: {', '.join(programs)}")


if __name__ == "__main__":
    main()
