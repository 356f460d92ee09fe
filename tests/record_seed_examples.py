"""Records PyTorch's output of the programs in examples/seeds/ (run with
PyTorch 2.13 installed: python tests/record_seed_examples.py). Each program is
written for ember (`import ember as torch`); here `ember` is replaced by `torch`
in its source, so the same program runs on PyTorch."""
import io
import json
import os
import re
import sys
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(os.path.dirname(HERE), "examples", "seeds")
OUT = os.path.join(HERE, "data", "seed_examples_torch.json")


def as_torch(source):
    return re.sub(r"\bember\b", "torch", source)


def run(path, argv):
    source = as_torch(open(path, encoding="utf-8").read())
    buf = io.StringIO()
    old = sys.argv
    sys.argv = [path] + argv
    try:
        with redirect_stdout(buf):
            exec(compile(source, path, "exec"), {"__name__": "__main__", "__file__": path})
    finally:
        sys.argv = old
    return buf.getvalue()


def main():
    import torch  # noqa: F401  (fails clearly without PyTorch)
    results = {}
    for name in sorted(os.listdir(SEEDS)):
        if name.endswith(".py"):
            argv = ["/tmp/seed_plot.png"] if "loss_curve" in name else []
            results[name] = run(os.path.join(SEEDS, name), argv)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    print(f"wrote {OUT}: {len(results)} programs")


if __name__ == "__main__":
    main()
