"""`python -m ember --cmake-dir`: where CMake finds ember's package config;
`--include-dir` and `--lib-dir` for other build systems."""
import argparse
import os
import sys


def main(argv=None):
    from . import _C

    root = os.path.dirname(os.path.abspath(_C.__file__))
    p = argparse.ArgumentParser(prog="python -m ember", description=__doc__)
    p.add_argument("--cmake-dir", action="store_true", help="directory holding emberConfig.cmake (for ember_DIR)")
    p.add_argument("--cmake-prefix-path", action="store_true", help="prefix for CMAKE_PREFIX_PATH")
    p.add_argument("--include-dir", action="store_true", help="C++ headers (ember's and pybind11's)")
    p.add_argument("--lib-dir", action="store_true", help="directory holding libember_core.so")
    p.add_argument("--version", action="store_true")
    args = p.parse_args(argv)
    if args.cmake_dir:
        print(os.path.join(root, "share", "cmake", "ember"))
    elif args.cmake_prefix_path:
        print(root)
    elif args.include_dir:
        print(os.path.join(root, "include"))
    elif args.lib_dir:
        print(root)
    else:
        print(_C.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
