"""ember.cuda without a GPU: what every machine can check. `import ember` never
loads the CUDA module; devices parse and compare as in PyTorch; CUDA tensors
cannot be made, with PyTorch's errors: AssertionError on a build without the
CUDA module, RuntimeError (no driver / no GPU) on a CUDA build. The tests that
need a GPU are in test_cuda_ops.py (marked `cuda`, skipped here)."""
import importlib.util
import subprocess
import sys

import pytest

import ember
from ember import nn

no_gpu = pytest.mark.skipif(ember.cuda.is_available(), reason="checks the behaviour without a GPU")


def test_import_ember_does_not_load_the_cuda_module():
    code = "import sys, ember; x = ember.ones(2) + 1; print('ember._C_cuda' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_build_reports_whether_the_cuda_module_was_compiled():
    from ember import _build_info
    has_module = importlib.util.find_spec("ember._C_cuda") is not None
    assert ember.cuda._compiled() is bool(_build_info.cuda)
    assert ember.cuda._compiled() == has_module
    if ember.cuda._compiled():
        assert _build_info.cuda_archs  # e.g. "80-real,90-real,90-virtual"


@pytest.mark.parametrize("spec, type_, index, text", [
    ("cpu", "cpu", None, "cpu"),
    ("cuda", "cuda", None, "cuda"),
    ("cuda:0", "cuda", 0, "cuda:0"),
    ("cuda:1", "cuda", 1, "cuda:1"),
])
def test_device_parsing(spec, type_, index, text):
    d = ember.device(spec)
    assert (d.type, d.index, str(d)) == (type_, index, text)
    assert d == ember.device(spec) and d == spec and hash(d) == hash(ember.device(spec))
    assert repr(d) == f"device(type='{type_}'" + ("" if index is None else f", index={index}") + ")"


def test_devices_differ():
    assert ember.device("cuda:0") != ember.device("cuda:1")
    assert ember.device("cuda") != ember.device("cpu")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        ember.device("tpu")


def test_to_cpu_is_a_no_op_returning_self():
    x = ember.ones(2, 3)
    assert x.to("cpu") is x
    assert x.to(ember.device("cpu")) is x
    assert x.to(device="cpu") is x
    assert x.cpu() is x
    assert x.to("cpu", copy=True) is not x
    assert not x.is_cuda and x.device == ember.device("cpu")
    y = x.to("cpu", ember.float64)
    assert y.dtype == ember.float64 and y.device.type == "cpu"


def test_out_of_memory_error_is_a_runtime_error():
    assert issubclass(ember.cuda.OutOfMemoryError, RuntimeError)
    assert ember.cuda.OutOfMemoryError.__name__ == "OutOfMemoryError"


def test_seeding_cuda_needs_no_gpu():
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)


def _expected_error():
    """What making a CUDA tensor raises here, as PyTorch words it."""
    if not ember.cuda._compiled():
        return AssertionError, "ember not compiled with CUDA enabled"
    return RuntimeError, "NVIDIA driver|No CUDA GPUs are available|CUDA module could not be loaded"


@no_gpu
def test_no_gpu_here():
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0


@no_gpu
@pytest.mark.parametrize("make", [
    lambda: ember.zeros(2, device="cuda"),
    lambda: ember.ones(2, device="cuda:0"),
    lambda: ember.empty(2, device=ember.device("cuda")),
    lambda: ember.arange(3, device="cuda"),
    lambda: ember.randn(3, device="cuda"),
    lambda: ember.tensor([1.0, 2.0], device="cuda"),
    lambda: ember.ones(2).cuda(),
    lambda: ember.ones(2).to("cuda"),
    lambda: ember.ones(2).to("cuda:0", ember.float64),
    lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).cuda(),
    lambda: ember.cuda.current_device(),
    lambda: ember.cuda.synchronize(),
    lambda: ember.cuda.memory_allocated(),
    lambda: ember.cuda.Event(enable_timing=True).record(),
], ids=["zeros", "ones", "empty", "arange", "randn", "tensor", ".cuda()", ".to(cuda)", ".to(cuda:0, dtype)",
        "Linear.to", "Linear.cuda", "current_device", "synchronize", "memory_allocated", "Event.record"])
def test_cuda_tensors_cannot_be_made_without_a_gpu(make):
    kind, message = _expected_error()
    with pytest.raises(kind, match=message):
        make()


@no_gpu
def test_cpu_keeps_working_after_a_failed_cuda_request():
    kind, _ = _expected_error()
    with pytest.raises(kind):
        ember.zeros(1, device="cuda")
    x = ember.arange(4.0)
    assert (x * 2).sum().item() == 12.0


@no_gpu
def test_pinned_memory_needs_a_gpu():
    # torch 2.13 without an accelerator: is_pinned() is False, pin_memory() raises, a DataLoader warns
    x = ember.ones(3)
    assert x.is_pinned() is False
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
        x.pin_memory()
    from ember.utils.data import DataLoader, TensorDataset
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        batches = list(DataLoader(TensorDataset(ember.arange(6.0)), batch_size=4, pin_memory=True))
    assert [b[0].tolist() for b in batches] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0]]


def test_empty_cache_without_initialization_is_harmless():
    ember.cuda.empty_cache()


def test_a_build_without_the_cuda_module_raises_assertion_error(monkeypatch):
    """PyTorch's AssertionError("Torch not compiled with CUDA enabled"), for ember (simulated here)."""
    from ember import _build_info
    monkeypatch.setattr(_build_info, "cuda", False)
    for name, value in (("_lib", None), ("_load_error", None), ("_initialized", False)):
        monkeypatch.setattr(ember.cuda, name, value)
    assert ember.cuda._compiled() is False and ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    with pytest.raises(AssertionError, match="ember not compiled with CUDA enabled"):
        ember.ones(2, device="cuda")
    with pytest.raises(AssertionError, match="ember not compiled with CUDA enabled"):
        ember.ones(2).cuda()
