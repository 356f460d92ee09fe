"""ember.utils: helpers that follow torch.utils (data, cpp_extension)."""
import os as _os

from . import data  # noqa: F401

__all__ = ["data", "cpp_extension", "cmake_prefix_path"]


def __getattr__(name):
    # cmake_prefix_path: the prefix CMake's find_package(ember) searches
    # (CMAKE_PREFIX_PATH=...); cpp_extension is imported on first use.
    if name == "cmake_prefix_path":
        from .. import _C
        return _os.path.dirname(_os.path.abspath(_C.__file__))
    if name == "cpp_extension":
        import importlib
        return importlib.import_module(__name__ + ".cpp_extension")
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
