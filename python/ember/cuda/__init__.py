"""ember.cuda: the CUDA backend, with torch.cuda's API.

The backend is a separate extension module (ember/_C_cuda) that is imported on
first use, not by `import ember`: a CPU-only machine never loads a CUDA
library, and a CUDA build on a machine without a driver or a GPU imports and
runs on the CPU (is_available() is False there).

What runs on the GPU is listed in docs/cuda.md; any other op given a CUDA
tensor raises NotImplementedError instead of touching device memory.
"""
import contextlib
import importlib
import threading

from .. import _C

# Defined in _C (so that the allocator can raise it without this module): a RuntimeError.
OutOfMemoryError = _C._OutOfMemoryError

_lock = threading.RLock()
_lib = None          # the loaded ember._C_cuda module
_load_error = None   # why it could not be loaded
_initialized = False
_seed = None         # a manual_seed_all seed given before initialization, applied by _lazy_init

__all__ = [
    "is_available", "device_count", "current_device", "set_device", "synchronize", "init", "is_initialized",
    "manual_seed", "manual_seed_all", "initial_seed", "memory_allocated", "max_memory_allocated", "memory_reserved",
    "reset_peak_memory_stats", "empty_cache", "mem_get_info", "get_device_name", "get_device_capability",
    "OutOfMemoryError", "Event", "Stream", "stream", "current_stream", "default_stream", "device",
]


def _compiled():
    """Whether this build of ember contains the CUDA module (compiled when CMake found nvcc)."""
    from .. import _build_info
    return bool(_build_info.cuda)


def _load():
    """The CUDA module, imported once; None when not compiled or not loadable (no libcudart)."""
    global _lib, _load_error
    with _lock:
        if _lib is None and _load_error is None:
            if not _compiled():
                _load_error = "ember was built without the CUDA module"
            else:
                try:
                    _lib = importlib.import_module("ember._C_cuda")
                except ImportError as e:
                    _load_error = str(e)
        return _lib


def is_available():
    """True when the CUDA module loads and sees at least one GPU."""
    lib = _load()
    return lib is not None and lib.device_count() > 0


def device_count():
    lib = _load()
    return lib.device_count() if lib is not None else 0


def is_initialized():
    return _initialized


def _lazy_init():
    """Makes the backend usable (allocator, kernels), or raises what PyTorch raises."""
    global _initialized
    if _initialized:
        return
    with _lock:
        if _initialized:
            return
        if not _compiled():
            raise AssertionError("ember not compiled with CUDA enabled")
        lib = _load()
        if lib is None:
            raise RuntimeError(f"ember's CUDA module could not be loaded ({_load_error}). The CUDA runtime comes "
                               "with: pip install 'ember[cuda]'")
        if lib.device_count() == 0:
            reason = lib.no_device_reason()
            if "cudaErrorNoDevice" in reason:
                raise RuntimeError("No CUDA GPUs are available")
            if "cudaErrorInsufficientDriver" in reason:  # the runtime ember was built with needs a newer driver
                raise RuntimeError(f"The NVIDIA driver on your system is too old (found version "
                                   f"{lib.driver_version()}). Please update your GPU driver, or install an ember "
                                   f"built with an older CUDA (this one needs CUDA runtime {lib.runtime_version}).")
            raise RuntimeError("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU "
                               "and installed a driver from http://www.nvidia.com/Download/index.aspx"
                               + (f" (CUDA runtime: {reason})" if reason else ""))
        lib._init()
        if _seed is not None:
            for d in range(lib.device_count()):
                lib.manual_seed(d, _seed)
        _initialized = True


def init():
    _lazy_init()


def _index(device):
    """A device argument (None, int, 'cuda:1', ember.device) as an index; None means the current one."""
    if device is None:
        return -1
    if isinstance(device, int):
        return device
    d = device if isinstance(device, _C.device) else _C.device(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return -1 if d.index is None else d.index


def _resolved(device):
    i = _index(device)
    return current_device() if i < 0 else i


def current_device():
    _lazy_init()
    return _lib.current_device()


def set_device(device):
    i = _index(device)
    if i >= 0:
        _lazy_init()
        _lib.set_device(i)


class device:
    """Context manager that makes `device` the current CUDA device."""

    def __init__(self, device):
        self.idx = _index(device)
        self.prev = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev = current_device()
            if self.prev != self.idx:
                _lib.set_device(self.idx)

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev != self.idx:
            _lib.set_device(self.prev)
        return False


def synchronize(device=None):
    """Waits for all work queued on `device` (default: the current one)."""
    _lazy_init()
    _lib.synchronize(_resolved(device))


def _before_export(index):
    """DLPack export of a tensor on device `index`: its queued work finishes first."""
    _lazy_init()
    if _lib is not None:  # (the tests' fake device has no runtime to wait for)
        _lib.synchronize(max(index, 0) if index is not None else current_device())


def manual_seed(seed):
    """Seeds the current device's generator: ember's own counter-based one (docs/cuda.md), used by
    uniform_/normal_/bernoulli_ (so dropout) on CUDA tensors; its numbers differ from PyTorch's.
    Before CUDA is initialized, the seed is kept for every device."""
    seed = int(seed) & ((1 << 64) - 1)
    if _initialized and _lib is not None:
        _lib.manual_seed(_lib.current_device(), seed)
    else:
        manual_seed_all(seed)


def manual_seed_all(seed):
    global _seed
    seed = int(seed) & ((1 << 64) - 1)
    if _initialized and _lib is not None:
        for d in range(_lib.device_count()):
            _lib.manual_seed(d, seed)
    else:
        _seed = seed


def initial_seed():
    """The current device's seed."""
    _lazy_init()
    return _lib.initial_seed(_lib.current_device())


def get_device_name(device=None):
    _lazy_init()
    return _lib.get_device_name(_resolved(device))


def get_device_capability(device=None):
    _lazy_init()
    return tuple(_lib.get_device_capability(_resolved(device)))


def mem_get_info(device=None):
    """(free, total) bytes on the device, as the driver reports them."""
    _lazy_init()
    return tuple(_lib.mem_get_info(_resolved(device)))


# ---- the caching allocator ----
def memory_allocated(device=None):
    """Bytes held by live tensors on the device (in the allocator's block sizes)."""
    _lazy_init()
    return _lib.memory_allocated(_index(device))


def max_memory_allocated(device=None):
    _lazy_init()
    return _lib.max_memory_allocated(_index(device))


def memory_reserved(device=None):
    """Bytes obtained from cudaMalloc: live tensors plus cached free blocks."""
    _lazy_init()
    return _lib.memory_reserved(_index(device))


def reset_peak_memory_stats(device=None):
    _lazy_init()
    _lib.reset_peak_memory_stats(_index(device))


def empty_cache():
    """Returns the cached free blocks to the driver (live tensors are not affected)."""
    if _initialized:
        _lib.empty_cache()


# ---- streams and events ----
class Stream:
    """A CUDA stream. Work goes to the current stream of its device; `with ember.cuda.stream(s):` changes it."""

    def __init__(self, device=None, priority=0, _handle=None):
        _lazy_init()
        self._device_index = _resolved(device)
        if _handle is None:
            self.cuda_stream = _lib.stream_create(self._device_index, priority)
            self._owned = True
        else:
            self.cuda_stream = _handle
            self._owned = False

    @property
    def device(self):
        return _C.device(f"cuda:{self._device_index}")

    # Handle 0 is each device's legacy default stream: calls name the device too.
    def synchronize(self):
        _lib.stream_synchronize(self._device_index, self.cuda_stream)

    def query(self):
        return _lib.stream_query(self._device_index, self.cuda_stream)

    def wait_event(self, event):
        if event._handle is None:  # never recorded: nothing to wait for
            return
        _lib.stream_wait_event(self._device_index, self.cuda_stream, event._handle)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and (self.cuda_stream, self._device_index) == (
            other.cuda_stream, other._device_index)

    def __hash__(self):
        return hash((self.cuda_stream, self._device_index))

    def __repr__(self):
        return f"<ember.cuda.Stream device=cuda:{self._device_index} cuda_stream={self.cuda_stream:#x}>"

    def __del__(self):
        if getattr(self, "_owned", False) and _lib is not None:
            _lib.stream_destroy(self._device_index, self.cuda_stream)


def current_stream(device=None):
    _lazy_init()
    i = _resolved(device)
    return Stream(i, _handle=_lib.current_stream(i))


def _dlpack_stream():
    """The `stream` ember passes to a CUDA producer's __dlpack__ (from_dlpack): the current stream's handle, or 1
    (DLPack's number for the legacy default stream) when that is the current one or the backend is not loaded."""
    if _lib is None:
        return 1
    return _lib.current_stream(_lib.current_device()) or 1


def default_stream(device=None):
    _lazy_init()
    return Stream(_resolved(device), _handle=0)


@contextlib.contextmanager
def stream(s):
    """Makes `s` the current stream of its device (and its device the current one) inside the block."""
    if s is None:
        yield
        return
    _lazy_init()
    prev_device = _lib.current_device()
    prev = _lib.current_stream(s._device_index)
    if prev_device != s._device_index:
        _lib.set_device(s._device_index)
    _lib.set_current_stream(s._device_index, s.cuda_stream)
    try:
        yield
    finally:
        _lib.set_current_stream(s._device_index, prev)
        if prev_device != s._device_index:
            _lib.set_device(prev_device)


class Event:
    """A CUDA event: record() on a stream, synchronize(), elapsed_time(end) in milliseconds."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self.enable_timing = enable_timing
        self._handle = None
        self._device_index = None

    def record(self, stream=None):
        """Records on `stream` (the current one by default); the event lives on the device of its first record."""
        stream = current_stream() if stream is None else stream
        if self._handle is None:
            _lazy_init()
            self._handle = _lib.event_create(stream._device_index, self.enable_timing)
            self._device_index = stream._device_index
        elif self._device_index != stream._device_index:
            raise RuntimeError(f"Event device cuda:{self._device_index} does not match recording stream's device "
                               f"cuda:{stream._device_index}.")
        _lib.event_record(stream._device_index, self._handle, stream.cuda_stream)

    def wait(self, stream=None):
        stream = current_stream() if stream is None else stream
        stream.wait_event(self)

    def query(self):
        return True if self._handle is None else _lib.event_query(self._handle)

    def synchronize(self):
        if self._handle is not None:
            _lib.event_synchronize(self._handle)

    def elapsed_time(self, end_event):
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._handle is None or end_event._handle is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return _lib.event_elapsed_time(self._handle, end_event._handle)

    def __del__(self):
        if getattr(self, "_handle", None) is not None and _lib is not None:
            _lib.event_destroy(self._handle)

from . import amp  # noqa: E402,F401  (pure Python: loads no CUDA library)
