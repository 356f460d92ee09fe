"""The user's programs (examples/seeds/, from the articles in shared/seeds/)
print exactly what PyTorch 2.13 prints for them (recorded by
tests/record_seed_examples.py)."""
import json
import math
import os
import re
import subprocess
import sys

import pytest

NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+")

# Programs whose numbers go through float32 GEMMs: PyTorch's GEMM (MKL/oneDNN)
# and ember's (OpenBLAS) sum in different orders, so the last printed digit
# may differ; their numbers are compared to the printed precision instead.
GEMM_PROGRAMS = {"seed_002_mlp_adam.py", "seed_004_clip_grad.py"}


def same_up_to_last_digit(line, expected):
    """Same text; each number equal within one unit of its last printed digit (relative 1e-5 at least)."""
    if NUMBER.sub("#", line) != NUMBER.sub("#", expected):
        return False
    for a, b in zip(NUMBER.findall(line), NUMBER.findall(expected)):
        decimals = len(b.split(".")[1].split("e")[0]) if "." in b else 0
        tol = max(1.5 * 10.0 ** -decimals if "e" not in b else 0.0, 1e-5 * abs(float(b)))
        if not math.isclose(float(a), float(b), abs_tol=tol):
            return False
    return True

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(os.path.dirname(HERE), "examples", "seeds")
EXPECTED = json.load(open(os.path.join(HERE, "data", "seed_examples_torch.json"), encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_program_prints_pytorchs_output(name, tmp_path):
    argv = []
    if "loss_curve" in name:
        pytest.importorskip("matplotlib", reason="matplotlib is in the [examples] extra")
        argv = ["/tmp/seed_plot.png"]
    proc = subprocess.run([sys.executable, os.path.join(SEEDS, name)] + argv, capture_output=True, text=True,
                          cwd=str(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stderr
    got, want = proc.stdout.splitlines(), EXPECTED[name].splitlines()
    if name not in GEMM_PROGRAMS:
        assert got == want  # the very same text
    else:
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert same_up_to_last_digit(g, w), (g, w)


def test_every_seed_program_is_recorded():
    programs = sorted(n for n in os.listdir(SEEDS) if n.endswith(".py"))
    assert programs == sorted(EXPECTED)
