"""ember prints tensors exactly as PyTorch does.

tests/data/torch_repr.json holds PyTorch's repr/str (and format(t, spec) for
0-d tensors) of tensors built from explicit values; tests/record_torch_repr.py
wrote it and documents the format. Each expression is evaluated here with
`torch` bound to ember; PyTorch's 'torch.' in a dtype suffix reads 'ember.'.
"""
import json
import os

import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_repr.json")) as _f:
    CASES = json.load(_f)["cases"]


def ours(text):
    return text.replace("torch.", "ember.")


@pytest.fixture(autouse=True)
def default_printoptions():
    ember.set_printoptions(profile="default")
    yield
    ember.set_printoptions(profile="default")


def build(case):
    return eval(case["expr"], {"torch": ember})  # noqa: S307 (expressions from our own recording)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_repr(case):
    assert repr(build(case)) == ours(case["repr"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_str(case):
    assert str(build(case)) == ours(case["str"])


FORMAT_CASES = [(c, spec) for c in CASES for spec in c["format"]]


@pytest.mark.parametrize("case, spec", FORMAT_CASES, ids=[f"{c['id']}-{s}" for c, s in FORMAT_CASES])
def test_format_0d(case, spec):
    assert format(build(case), spec) == case["format"][spec]


def test_recording_covers_the_cases_that_matter():
    ids = {c["id"] for c in CASES}
    assert len(CASES) >= 40
    for needed in ("f32_whole", "f32_mixed_magnitudes", "f32_small", "f32_large", "f32_negative", "f32_nan_inf",
                   "f32_0d", "f32_wrap", "f32_2d", "i64_3d", "i64_summarized", "f32_empty", "f32_empty_0x3", "i64",
                   "i32", "f64", "bool"):
        assert needed in ids
