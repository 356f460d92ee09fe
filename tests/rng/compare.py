#!/usr/bin/env python3
"""Replay every case of tests/data/torch_rng.json through the check_rng binary
(ember's C++ generator and random kernels) and report mismatches.

    g++ -O2 -std=c++17 -ffp-contract=off -Icsrc tests/rng/check_rng.cpp \
        csrc/ember/core/generator.cpp csrc/ember/ops/random_kernels.cpp -o /tmp/check_rng
    python3 tests/rng/compare.py [--binary /tmp/check_rng] [--json tests/data/torch_rng.json]

or let it compile the binary itself (into a temporary directory):

    python3 tests/rng/compare.py --build

Needs only the standard library and NumPy (no torch). Exit status 0 when every
step of every case is bit-exact.
"""
import argparse
import hashlib
import math
import os
import subprocess
import sys
import tempfile

import json

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

NP_DTYPES = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "int32": "<i4"}
KERNEL_DTYPES = {"float32": "f32", "float64": "f64", "int64": "i64", "int32": "i32"}
# random_(from, None): `to` is the dtype's max + 1 (floats: 2**digits + 1).
RANDOM_TO = {"int64": 2**63, "int32": 2**31, "float32": 2**24 + 1, "float64": 2**53 + 1}


def build(out_path):
    cmd = ["g++", "-O2", "-std=c++17", "-ffp-contract=off", "-I" + os.path.join(REPO, "csrc"),
           os.path.join(REPO, "tests/rng/check_rng.cpp"),
           os.path.join(REPO, "csrc/ember/core/generator.cpp"),
           os.path.join(REPO, "csrc/ember/ops/random_kernels.cpp"), "-o", out_path]
    print(" ".join(cmd))
    subprocess.run(cmd, check=True)


class Checker:
    """Talks to check_rng line by line (a later command may need an earlier answer)."""

    def __init__(self, binary):
        self.p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def __call__(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline()
        if not out:
            raise RuntimeError("check_rng exited")
        out = out.rstrip("\n")
        if out.startswith("error"):
            raise RuntimeError(f"check_rng: {out} (command: {line[:120]})")
        return out

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def hexf(x):
    return float(x).hex()


def to_array(tokens, dtype):
    """check_rng output tokens -> NumPy array of the result dtype (exact)."""
    if dtype.startswith("float"):
        vals = [float.fromhex(t) for t in tokens]
    else:
        vals = [int(t) for t in tokens]
    return np.array(vals, dtype=np.float64 if dtype.startswith("float") else np.int64).astype(
        NP_DTYPES[dtype])


def expected_array(values, dtype):
    if dtype.startswith("float"):
        vals = [float.fromhex(v) if isinstance(v, str) else float(v) for v in values]
        return np.array(vals, dtype=np.float64).astype(NP_DTYPES[dtype])
    return np.array(values, dtype=np.int64).astype(NP_DTYPES[dtype])


def same_bits(a, b):
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i:i + 1].tobytes() != b[i:i + 1].tobytes():
            return i
    return n


def compare_result(got, exp):
    """got: array; exp: the JSON result dict. Returns None or a description."""
    dtype = exp["dtype"]
    if len(got) != exp["count"]:
        return f"count {len(got)} != {exp['count']}"
    if "values" in exp:
        want = expected_array(exp["values"], dtype)
        if not same_bits(got, want):
            i = first_diff(got, want)
            ndiff = int(sum(got[k:k + 1].tobytes() != want[k:k + 1].tobytes()
                            for k in range(len(want))))
            return (f"{ndiff}/{len(want)} values differ, first at [{i}]: "
                    f"got {got[i]!r} want {want[i]!r}")
        return None
    head = expected_array(exp["head"], dtype)
    tail = expected_array(exp["tail"], dtype)
    k = len(head)
    problems = []
    if not same_bits(got[:k], head):
        i = first_diff(got[:k], head)
        problems.append(f"head differs at [{i}]: got {got[i]!r} want {head[i]!r}")
    if not same_bits(got[-len(tail):], tail):
        problems.append("tail differs")
    if hashlib.sha256(got.tobytes()).hexdigest() != exp["sha256"]:
        problems.append("sha256 differs")
    return "; ".join(problems) or None


def compare_state(hex_state, exp):
    b = bytes.fromhex(hex_state)
    problems = []
    if len(b) != exp["len"]:
        problems.append(f"len {len(b)} != {exp['len']}")
    if b[:64].hex() != exp["head"]:
        problems.append(f"head differs: got {b[:64].hex()} want {exp['head']}")
    if b[-64:].hex() != exp["tail"]:
        problems.append(f"tail differs: got {b[-64:].hex()} want {exp['tail']}")
    if hashlib.sha256(b).hexdigest() != exp["sha256"]:
        problems.append("sha256 differs")
    return "; ".join(problems) or None


def linear_bounds(fan_in):
    # torch/nn/modules/linear.py reset_parameters + torch/nn/init.py, in doubles.
    a = math.sqrt(5)
    gain = math.sqrt(2.0 / (1 + a ** 2))
    std = gain / math.sqrt(fan_in)
    weight_bound = math.sqrt(3.0) * std
    bias_bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
    return weight_bound, bias_bound


def numel(size):
    n = 1
    for s in size:
        n *= s
    return n


# Results made from float32 draws in ops/random.cpp rather than by a kernel
# of their own: tests/test_random.py replays these through the Python API.
NOT_KERNEL_DTYPES = ("float16", "bfloat16", "bool")


def replayed_elsewhere(case):
    return any(s.get("dtype") in NOT_KERNEL_DTYPES or s.get("p_dtype") in NOT_KERNEL_DTYPES for s in case["steps"])


def run_step(chk, step, saved):
    """Runs one step; returns a mismatch description or None."""
    op = step["op"]
    exp = step.get("expected")

    def tensor_result(line, dtype):
        return compare_result(to_array(chk(line).split(), dtype), exp)

    if op in ("rand", "randn"):
        n, dt = numel(step["size"]), step["dtype"]
        kd = KERNEL_DTYPES[dt]
        line = f"uniform {kd} {n} 0 1" if op == "rand" else f"normal {kd} {n} 0 1 1"
        return tensor_result(line, dt)
    if op == "normal_":
        size, dt = step["size"], step["dtype"]
        contiguous = True
        if step.get("view") == "t":
            # A transposed 2-D view is contiguous only when a dimension is 1.
            contiguous = len(size) < 2 or size[0] == 1 or size[1] == 1
        return tensor_result(f"normal {KERNEL_DTYPES[dt]} {numel(size)} {hexf(step['mean'])} "
                             f"{hexf(step['std'])} {int(contiguous)}", dt)
    if op == "uniform_":
        dt = step["dtype"]
        return tensor_result(f"uniform {KERNEL_DTYPES[dt]} {numel(step['size'])} "
                             f"{hexf(step['low'])} {hexf(step['high'])}", dt)
    if op == "randint":
        dt = step["dtype"]
        return tensor_result(f"randint {KERNEL_DTYPES[dt]} {numel(step['size'])} {step['low']} "
                             f"{step['high'] - step['low']}", dt)
    if op == "random_":
        dt, n, args = step["dtype"], numel(step["size"]), step["args"]
        kd = KERNEL_DTYPES[dt]
        if not args:
            line = f"random_full {kd} {n}"
        elif len(args) == 1:
            line = f"randint {kd} {n} 0 {args[0]}"
        elif args[1] is None and dt == "int64" and args[0] == -2**63:
            line = f"random_full_range {n}"
        else:
            lo = args[0]
            hi = RANDOM_TO[dt] if args[1] is None else args[1]
            line = f"randint {kd} {n} {lo} {hi - lo}"
        return tensor_result(line, dt)
    if op == "randperm":
        perm = chk(f"randperm {step['n']}").split()
        return compare_result(to_array(perm, "int64").astype(NP_DTYPES[step["dtype"]]), exp)
    if op == "bernoulli_":
        bits = chk(f"bernoulli_scalar {numel(step['size'])} {hexf(step['p'])}").split()
        return compare_result(to_array(bits, "int64").astype(NP_DTYPES[step["dtype"]]), exp)
    if op == "bernoulli":
        kd = KERNEL_DTYPES[step["p_dtype"]]
        bits = chk(f"bernoulli_{kd} {len(step['p'])} " + " ".join(step["p"])).split()
        return compare_result(to_array(bits, "int64").astype(NP_DTYPES[step["p_dtype"]]), exp)
    if op == "linear":
        fin, fout = step["in_features"], step["out_features"]
        wb, bb = linear_bounds(fin)
        w = to_array(chk(f"uniform f32 {fin * fout} {hexf(-wb)} {hexf(wb)}").split(), "float32")
        b = to_array(chk(f"uniform f32 {fout} {hexf(-bb)} {hexf(bb)}").split(), "float32")
        problems = [f"{name}: {p}" for name, p in
                    (("weight", compare_result(w, exp["weight"])), ("bias", compare_result(b, exp["bias"])))
                    if p]
        return "; ".join(problems) or None
    if op == "manual_seed":
        chk(f"seed {step['seed'] % 2**64}")
        return None
    if op == "initial_seed":
        got = int(chk("initial_seed"))
        return None if got == exp else f"initial_seed {got} != {exp}"
    if op == "get_rng_state":
        state = chk("get_state")
        if "save_as" in step:
            saved[step["save_as"]] = state
        return compare_state(state, exp)
    if op == "set_rng_state":
        chk(f"set_state {saved[step['saved']]}")
        return None
    raise ValueError(f"unknown op {op!r}")


def run_case(chk, case):
    """Returns (n_steps_checked, [mismatch descriptions])."""
    if case["seed"] is None:
        chk("fresh")  # Generator() keeps its default seed
    else:
        chk(f"seed {case['seed'] % 2**64}")
    saved, problems, checked = {}, [], 0
    for i, step in enumerate(case["steps"]):
        try:
            p = run_step(chk, step, saved)
        except RuntimeError as e:
            p = str(e)
        if "expected" in step:
            checked += 1
        if p:
            problems.append(f"step {i} ({step['op']}): {p}")
    return checked, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="/tmp/check_rng")
    ap.add_argument("--json", default=os.path.join(REPO, "tests/data/torch_rng.json"))
    ap.add_argument("--build", action="store_true",
                    help="compile check_rng into a temporary directory first")
    ap.add_argument("-k", default=None, help="only cases whose id contains this string")
    args = ap.parse_args()

    tmpdir = None
    binary = args.binary
    if args.build:
        tmpdir = tempfile.TemporaryDirectory()
        binary = os.path.join(tmpdir.name, "check_rng")
        build(binary)

    with open(args.json) as f:
        doc = json.load(f)
    cases = [c for c in doc["cases"] if (args.k is None or args.k in c["id"]) and not replayed_elsewhere(c)]

    chk = Checker(binary)
    n_ok = n_steps = 0
    failed = []
    for case in cases:
        checked, problems = run_case(chk, case)
        n_steps += checked
        if problems:
            failed.append((case["id"], problems))
        else:
            n_ok += 1
    chk.close()

    for cid, problems in failed:
        print(f"MISMATCH {cid}")
        for p in problems:
            print(f"    {p}")
    meta = doc.get("meta", {})
    print(f"reference: torch {meta.get('torch_version')} ({meta.get('cpu_capability')} CPU)")
    print(f"{n_ok}/{len(cases)} cases bit-exact ({n_steps} checked steps); {len(failed)} mismatched")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
