"""The device plumbing without a GPU: test_cuda_ops.py's op table, gradients and
cross-device checks, run in a subprocess on a fake "cuda" device whose memory is
host memory and whose kernels are the CPU ones (tests/fake_cuda). What this
cannot check: the CUDA kernels themselves, the caching allocator, streams and
events, pinned host memory, the devices' own random generator (those tests are deselected here and run
on a real GPU; the fake device draws from the CPU generator)."""
import os
import subprocess
import sys

import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))
GPU_ONLY = "allocator or out_of_memory or events or device_queries or cuda_manual_seed or pinned"


@pytest.mark.skipif(ember.cuda.is_available(), reason="a real GPU runs test_cuda_ops.py itself")
def test_cuda_op_table_on_a_fake_device():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(HERE, "fake_cuda"), HERE,
                                                       os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "fake_cuda_plugin", "-p", "no:cacheprovider",
                        os.path.join(HERE, "test_cuda_ops.py"), "-k", f"not ({GPU_ONLY})"],
                       capture_output=True, text=True, env=env, cwd=os.path.dirname(HERE))
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and "skipped" not in r.stdout.splitlines()[-1], r.stdout[-500:]


FAKE_TRAINING = """
import sys
import ember
from ember.utils import cpp_extension
fake = cpp_extension.load("fake_cuda", [sys.argv[1] + "/fake_cuda/fake_cuda.cpp"])
fake.install()
ember.cuda._initialized = True
ember.cuda.is_available = lambda: True
sys.path.insert(0, sys.argv[1] + "/../examples")
import train_digits, train_digits_cnn
out = sys.argv[2]
print(train_digits.main(["--device", "cuda", "--epochs", "3", "--out", out]),
      train_digits.main(["--epochs", "3", "--out", out]),
      train_digits_cnn.main(["--device", "cuda", "--epochs", "1", "--out", out]),
      train_digits_cnn.main(["--epochs", "1", "--out", out]))
"""


@pytest.mark.skipif(ember.cuda.is_available(), reason="a real GPU runs the examples with --device cuda itself")
def test_examples_train_on_a_fake_device_as_on_the_cpu(tmp_path):
    # The fake device runs the CPU kernels, so `--device cuda` must reproduce the CPU run exactly: this checks that
    # the whole training script (DataLoader batches moved to the device, AdamW, schedules, checkpoint reload) stays
    # on the device's code paths without errors.
    r = subprocess.run([sys.executable, "-c", FAKE_TRAINING, HERE, str(tmp_path)], capture_output=True, text=True,
                       cwd=os.path.dirname(HERE))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    mlp_cuda, mlp_cpu, cnn_cuda, cnn_cpu = map(float, r.stdout.split()[-4:])
    assert mlp_cuda == mlp_cpu and cnn_cuda == cnn_cpu and mlp_cuda > 0.9 and cnn_cuda > 0.8
