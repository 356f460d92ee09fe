"""ember: a small deep-learning core. C++ tensors, kernels and autograd with
PyTorch's API and semantics: a PyTorch script runs after `import ember as torch`."""
# Load the packaged OpenBLAS before the core library that links it (no system
# BLAS or LD_LIBRARY_PATH needed).
import os as _os

# OpenBLAS worker threads otherwise spin for a while after every GEMM and slow
# down whatever runs next on a small machine; let them sleep promptly.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
import scipy_openblas32 as _openblas  # noqa: F401,E402

from . import _C
from ._C import Tensor, dtype, device, Generator, from_dlpack
from ._C import float32, float64, float16, bfloat16, int32, int64, bool  # noqa: A004
from ._C import get_default_dtype, get_num_threads, set_num_threads
from ._tensor import Size
from ._type_info import finfo, iinfo
from ._tensor_str import set_printoptions
from ._creation import (
    tensor, as_tensor, from_numpy, empty, zeros, ones, full, empty_like, zeros_like, ones_like, full_like,
    arange, linspace, logspace, eye, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator,
    rand, randn, randint, randperm, rand_like, randn_like, randint_like, normal, bernoulli,
)
from ._functional import *  # noqa: F401,F403
from . import autograd
from . import optim
from .amp import autocast
from ._C import (is_autocast_enabled, get_autocast_dtype, is_autocast_cache_enabled, set_autocast_cache_enabled,
                 clear_autocast_cache, autocast_increment_nesting, autocast_decrement_nesting)
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from ._functional import __all__ as _functional_all

__version__ = "0.1.0"

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
cpu = device("cpu")


def _dtype_from_name(name):
    return getattr(_C, name)


def set_default_dtype(d):
    _C._set_default_dtype(d)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def numel(t):
    return t.numel()


_C._set_python_helpers(Size, tensor)

from .serialization import save, load  # noqa: E402
from . import utils  # noqa: E402
from . import nn  # noqa: E402
from . import amp  # noqa: E402


def __getattr__(name):
    # ember.cuda is imported on first use, as its CUDA module is (the CPU path
    # does not even import the Python side).
    if name == "cuda":
        import importlib
        return importlib.import_module(".cuda", __name__)
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
