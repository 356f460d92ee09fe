"""ember.nn: modules, parameters, initializers and losses with torch.nn's API."""
from .parameter import Parameter, Buffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import functional, init, utils  # noqa: F401

__all__ = ["Parameter", "Buffer", "functional", "init", "utils"] + _modules_all
