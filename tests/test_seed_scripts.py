"""The seeds' autograd programs, run on ember: what they print must be what PyTorch 2.13 prints.

Seed 001's backpropagation program is examples/seeds/seed_001_backprop.py (ember code): the
seed's text with `import ember as torch`, without `from torch import nn`
(ember.nn does not exist yet) and with Variable imported from ember.autograd
(`from torch.autograd import ...` needs a module named torch). PyTorch's output
was recorded by tests/record_seed_outputs.py into tests/data/seed_outputs.json,
together with the output the seed's own page shows; that one came from an old
PyTorch whose formats differ (floats, "Variable containing:"), so only its
numbers are compared."""
import contextlib
import io
import json
import os
import re
import runpy

import pytest

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SEEDS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "seeds")
RECORDED = json.load(open(os.path.join(DATA, "seed_outputs.json"), encoding="utf-8"))
PROGRAMS = sorted(RECORDED["programs"])
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def run_program(name):
    """The program's stdout, run as __main__ with `torch` bound to ember by its own import."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(os.path.join(SEEDS, RECORDED["programs"][name]["file"]), run_name="__main__")
    return out.getvalue()


def numbers_per_line(text):
    """Each printed line's numbers, ignoring grad_fn names and old PyTorch's 'Variable containing' blocks."""
    text = re.sub(r"Variable containing:\n\s*(\S+)\n\[torch\.\w+ of size [\dx]+\]", r"\1", text)
    return [[float(v) for v in NUMBER.findall(re.sub(r"grad_fn=<\w+>", "", line))] for line in text.splitlines()]


@pytest.mark.parametrize("name", PROGRAMS)
def test_prints_what_pytorch_prints(name):
    got = run_program(name).splitlines()
    want = RECORDED["programs"][name]["torch_stdout"].splitlines()
    assert len(got) == len(want), f"{len(got)} lines printed, PyTorch prints {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"line {i + 1}: {g!r}, PyTorch prints {w!r}"


@pytest.mark.parametrize("name", PROGRAMS)
def test_numbers_agree_with_the_seed_text(name):
    """PyTorch 2.13 prints 4 decimals where the seed printed floats in full: agree to the printed precision."""
    got = numbers_per_line(run_program(name))
    want = numbers_per_line(RECORDED["programs"][name]["seed_stdout"])
    assert len(got) == len(want), f"{len(got)} lines printed, the seed shows {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert len(g) == len(w), f"line {i + 1}: numbers {g}, the seed shows {w}"
        for a, b in zip(g, w):
            assert abs(a - b) <= 5e-5 + 1e-12 * abs(b), f"line {i + 1}: {a} printed, the seed shows {b}"


def test_recorded_by_pytorch_2_13():
    assert RECORDED["meta"]["torch"].startswith("2.13")
