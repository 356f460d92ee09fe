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
