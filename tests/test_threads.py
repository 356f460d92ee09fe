"""The default intra-op thread count follows torch 2.13's x86 wheel (MKL's
rule), because how a sum or an arange is split across threads changes its
last bits: the physical cores among the CPUs the process may use, lowered by
MKL_NUM_THREADS (else OMP_NUM_THREADS), raised by it only with MKL_DYNAMIC=false.

Each expected count below was checked against torch.get_num_threads() on the
2-core reference machine (torch 2.13.0+cpu, with the same variables and
affinity); the physical-core count itself is read from /sys here.
"""
import os
import subprocess
import sys

import pytest


def physical_cores(cpus):
    cores = set()
    for cpu in cpus:
        topo = f"/sys/devices/system/cpu/cpu{cpu}/topology/"
        try:
            with open(topo + "physical_package_id") as p, open(topo + "core_id") as c:
                cores.add((int(p.read()), int(c.read())))
        except OSError:
            pass
    return len(cores) or len(cpus)


def threads_in_child(env_vars, cpus=None):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "MKL_DYNAMIC")}
    env.update(env_vars)
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    out = subprocess.run([sys.executable, "-c", "import ember; print(ember.get_num_threads())"], env=env,
                         preexec_fn=pin, capture_output=True, text=True, check=True)
    return int(out.stdout)


CPUS = sorted(os.sched_getaffinity(0))
CORES = physical_cores(CPUS)


@pytest.mark.parametrize("env, expected", [
    ({}, CORES),
    ({"OMP_NUM_THREADS": "1"}, 1),
    ({"OMP_NUM_THREADS": str(CORES + 3)}, CORES),                 # capped at the cores
    ({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": str(CORES)}, CORES),  # MKL's variable wins
    ({"OMP_NUM_THREADS": str(CORES + 3), "MKL_DYNAMIC": "FALSE"}, CORES + 3),
    ({"OMP_NUM_THREADS": str(CORES + 3), "MKL_DYNAMIC": "0"}, CORES),  # only "false" turns it off
    ({"OMP_NUM_THREADS": "junk"}, CORES),
    ({"OMP_NUM_THREADS": "1,2"}, 1),                               # a nested list: its first level
])
def test_default_thread_count(env, expected):
    assert threads_in_child(env) == expected


def test_default_counts_only_the_cpus_the_process_may_use():
    assert threads_in_child({}, cpus={CPUS[0]}) == 1
    assert threads_in_child({"OMP_NUM_THREADS": "4", "MKL_DYNAMIC": "false"}, cpus={CPUS[0]}) == 4
