"""no_grad, enable_grad, set_grad_enabled: context managers and decorators."""
import functools

from .. import _C


class _GradModeContext:
    _enabled = None

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Ops inside record nothing for autograd."""
    _enabled = False


class enable_grad(_GradModeContext):
    _enabled = True


class inference_mode(_GradModeContext):
    _enabled = False

    def __init__(self, mode=True):
        self._enabled = not mode


class set_grad_enabled:
    """set_grad_enabled(False) switches grad mode at once; used in `with` it restores on exit."""

    def __init__(self, mode):
        self._prev = _C.is_grad_enabled()
        self._mode = bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        _C._set_grad_enabled(self._prev)  # used as a decorator: don't change the mode now
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _C.is_grad_enabled()
            _C._set_grad_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _C._set_grad_enabled(prev)
        return wrapper


def is_grad_enabled():
    return _C.is_grad_enabled()
