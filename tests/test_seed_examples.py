"""The user's programs (examples/seeds/, from the articles in shared/seeds/)
print exactly what PyTorch 2.13 prints for them (recorded by
tests/record_seed_examples.py)."""
import json
import os
import subprocess
import sys

import pytest

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
    assert proc.stdout.splitlines() == EXPECTED[name].splitlines()


def test_every_seed_program_is_recorded():
    programs = sorted(n for n in os.listdir(SEEDS) if n.endswith(".py"))
    assert programs == sorted(EXPECTED)
