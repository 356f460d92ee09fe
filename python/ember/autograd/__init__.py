"""Reverse-mode automatic differentiation (the engine is C++; this is its Python API)."""
from .. import _C
from .._C import Tensor
from . import functional
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


def _seq(x):
    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    _C._backward(tensors, grads, retain_graph, create_graph, _seq(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    outputs = _seq(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    result = _C._grad(outputs, grads, inputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        result = tuple(g if g is not None else _C._full(list(t.shape), 0, t.dtype, None)
                       for g, t in zip(result, inputs))
    return result


def Variable(data, requires_grad=False, volatile=False):
    """Legacy wrapper: returns the tensor itself (as PyTorch has since 0.4)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


class detect_anomaly:
    """Within it, backward checks every gradient for NaN and names the op whose forward made it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _C.is_anomaly_enabled()
        _C._set_anomaly_enabled(self.check_nan)
        return self

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Switches anomaly mode at once; used with `with`, restores the previous mode on exit."""

    def __init__(self, mode, check_nan=True):
        super().__init__(check_nan and mode)
        self._prev = _C.is_anomaly_enabled()
        _C._set_anomaly_enabled(mode and check_nan)

    def __enter__(self):
        return self


__all__ = ["Function", "Variable", "backward", "grad", "gradcheck", "gradgradcheck", "no_grad", "enable_grad",
           "set_grad_enabled", "detect_anomaly", "set_detect_anomaly", "functional"]
