"""pytest plugin (-p fake_cuda_plugin): installs the host-memory fake "cuda" device
of fake_cuda.cpp before collection, so test_cuda_ops.py runs without a GPU.
Only for a separate process: it takes over the CUDA slots for good."""
import os

import ember
from ember.utils import cpp_extension


def pytest_configure(config):
    here = os.path.dirname(os.path.abspath(__file__))
    fake = cpp_extension.load("fake_cuda", [os.path.join(here, "fake_cuda.cpp")])
    fake.install()
    ember.cuda._initialized = True          # skips the driver check and _C_cuda's _init()
    ember.cuda.is_available = lambda: True
