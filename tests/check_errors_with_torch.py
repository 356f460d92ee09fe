#!/usr/bin/env python3
"""Replay the table of tests/test_errors.py against real PyTorch, to check that
each row's exception type and message regex are PyTorch's own.

    /root/tvenv/bin/python tests/check_errors_with_torch.py

It imports test_errors with `ember` bound to torch (every call in the table is
written with names the two share). Exit status 0 when every row holds on torch
with exactly the exception type the row names. Not part of the pytest suite.
"""
import os
import re
import sys

import torch


class _PytestStub:
    """Enough of pytest for test_errors to import where pytest is not installed."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return args[0] if len(args) == 1 and callable(args[0]) and not kwargs else self


sys.modules["ember"] = torch
try:
    import pytest  # noqa: F401
except ImportError:
    sys.modules["pytest"] = _PytestStub()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_errors  # noqa: E402


def main():
    bad = 0
    for name, call, exc, pattern in test_errors.CASES:
        try:
            call()
        except Exception as e:  # noqa: BLE001
            msg = str(e)
            if type(e) is not exc:
                bad += 1
                print(f"TYPE   {name}: torch raises {type(e).__name__}, row says {exc.__name__}: {msg[:200]}")
            elif not re.search(pattern, msg):
                bad += 1
                print(f"REGEX  {name}: {pattern!r} not in {msg[:300]!r}")
            continue
        bad += 1
        print(f"NORAISE {name}: torch raises nothing")
    print(f"torch {torch.__version__}: {len(test_errors.CASES) - bad}/{len(test_errors.CASES)} rows hold")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
