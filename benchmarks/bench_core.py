"""Foundation workloads: per-op overhead on tiny tensors, memory bandwidth of
elementwise ops and a reduction on large tensors, float32 matmul, and the cost
of importing and installing the library.

Run alone with ``python benchmarks/bench_core.py [--markdown]``.
"""
import importlib.util
import os
import statistics
import subprocess
import sys

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Row, allclose_check, bench, compare, print_table, setup  # noqa: E402

ORDER = 0  # run_all runs modules by ORDER, then by name

N_BIG = 16 * 1024 * 1024          # 16M float32 = 64 MiB per tensor
MATMUL_SIZES = (256, 1024, 2048)
IMPORT_RUNS = 5


def _arr(n, seed, kind="rand"):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) if kind == "randn" else rng.random(n)
    return a.astype(np.float32)


def _from(lib, arr):
    return lib.from_numpy(arr.copy())   # each library gets its own buffer


# --------------------------------------------------------------------------- per-op overhead
def overhead_rows():
    g = "per-op overhead (1-element float32)"

    def add(lib):
        a, b = lib.ones(1), lib.ones(1)
        return lambda: a + b

    def mul_scalar(lib):
        a = lib.ones(1)
        return lambda: a * 2.0

    def sum_(lib):
        a = lib.ones(1)
        return lambda: a.sum()

    ok = allclose_check()
    rows = [
        compare(g, "a + b", "µs/op", add, check=ok),
        compare(g, "a * 2.0", "µs/op", mul_scalar, check=ok),
        compare(g, "a.sum()", "µs/op", sum_, check=ok),
    ]
    a, b = np.ones(1, np.float32), np.ones(1, np.float32)
    (t,) = bench(lambda: a + b)
    rows.append(Row(g, "a + b, NumPy ndarray (reference)", "µs/op", None, None,
                    note=f"NumPy {np.__version__}: {t * 1e6:.3f} µs/op"))
    return rows


# --------------------------------------------------------------------------- bandwidth
def bandwidth_rows():
    g = f"large tensors ({N_BIG // 2**20}M float32, GB/s of bytes read + written)"
    n = N_BIG
    xs, ys = _arr(n, 1, "randn"), _arr(n, 2, "randn")
    ok = allclose_check(rtol=1e-5, atol=1e-6)

    def exp_alloc(lib):
        x = _from(lib, xs)
        return lambda: lib.exp(x)

    def exp_out(lib):
        x, o = _from(lib, xs), lib.empty(n)
        return lambda: lib.exp(x, out=o)

    def add_alloc(lib):
        x, y = _from(lib, xs), _from(lib, ys)
        return lambda: x + y

    def add_out(lib):
        x, y, o = _from(lib, xs), _from(lib, ys), lib.empty(n)
        return lambda: lib.add(x, y, out=o)

    def sum_(lib):
        x = _from(lib, xs)
        return lambda: x.sum()

    return [
        compare(g, "exp(x)", "GB/s", exp_alloc, work=8 * n, check=ok),
        compare(g, "exp(x, out=o)", "GB/s", exp_out, work=8 * n, check=ok),
        compare(g, "x + y", "GB/s", add_alloc, work=12 * n, check=ok),
        compare(g, "add(x, y, out=o)", "GB/s", add_out, work=12 * n, check=ok),
        # float32 sums of 16M values legitimately differ in the last digits between libraries
        compare(g, "x.sum()", "GB/s", sum_, work=4 * n, check=allclose_check(rtol=1e-4, atol=1e-2)),
    ]


# --------------------------------------------------------------------------- indexing and factories
def indexing_rows():
    g = "indexing and factories (float32)"
    table = _arr(100_000 * 64, 30, "randn").reshape(100_000, 64)
    rows_np = np.random.default_rng(31).integers(0, 100_000, 10_000)
    ok = allclose_check()

    def make(body):
        def build(lib):
            x, idx = _from(lib, table), lib.from_numpy(rows_np.copy())
            return body(lib, x, idx)
        return build

    def setitem_zero(lib, x, idx):
        def run():
            x[idx] = 0
        return run

    def accumulate(lib, x, idx):
        ones = lib.ones(10_000, 64)
        return lambda: x.index_put_((idx,), ones, accumulate=True)

    def mask(lib, x, idx):
        m = x[:, 0] > 0
        return lambda: x[m]

    def arange(lib):
        return lambda: lib.arange(0.0, 4_000_000.0)

    def cumsum(lib):
        x = _from(lib, _arr(1000 * 1000, 32).reshape(1000, 1000))
        return lambda: x.cumsum(1)

    n = "100000×64 table, 10000 random rows"
    return [
        compare(g, f"x[idx] ({n})", "ms", make(lambda lib, x, idx: lambda: x[idx]), check=ok),
        compare(g, "x.index_select(0, idx)", "ms", make(lambda lib, x, idx: lambda: x.index_select(0, idx)), check=ok),
        compare(g, "x[idx] = 0", "ms", make(setitem_zero)),
        compare(g, "x.index_put_((idx,), ones, accumulate=True)", "ms", make(accumulate)),
        compare(g, "x[x[:, 0] > 0] (about half the rows)", "ms", make(mask), check=ok),
        compare(g, "arange(0.0, 4e6) (bit-exact with torch)", "ms", arange, check=ok),
        compare(g, "x.cumsum(1), 1000×1000", "ms", cumsum, check=allclose_check(rtol=1e-4, atol=1e-3)),
    ]


# --------------------------------------------------------------------------- sorting and sampling
def sorting_rows():
    g = "sorting, sampling, NaN checks (float32)"
    logits = _arr(256 * 10_000, 33, "randn").reshape(256, 10_000)
    exact = allclose_check(rtol=0, atol=0)

    def indices(e, t):  # ties and all: the same positions as torch
        return exact(e.indices, t.indices)

    def topk(lib):
        x = _from(lib, logits)
        return lambda: x.topk(5, dim=1)

    def sort(lib):
        x = _from(lib, logits.reshape(-1)[:1_000_000])
        return lambda: x.sort()

    def multinomial(lib):
        p = _from(lib, logits).softmax(1)

        def run():
            lib.manual_seed(0)
            return p.multinomial(1)
        return run

    def isnan_any(lib):
        x = _from(lib, logits)
        return lambda: x.isnan().any()

    return [
        compare(g, "x.topk(5, dim=1), 256×10000 logits", "ms", topk, check=indices),
        compare(g, "x.sort(), 1M elements", "ms", sort, check=indices),
        compare(g, "probs.multinomial(1), 256 rows of 10000, seeded", "ms", multinomial, check=exact),
        compare(g, "x.isnan().any(), 2.56M elements", "ms", isnan_any, check=exact),
    ]


# --------------------------------------------------------------------------- matmul
def matmul_rows():
    g = "matmul (float32, n×n @ n×n)"
    rows = []
    for n in MATMUL_SIZES:
        an, bn = _arr(n * n, 10 + n).reshape(n, n), _arr(n * n, 20 + n).reshape(n, n)

        def mm(lib, an=an, bn=bn):
            a, b = _from(lib, an), _from(lib, bn)
            return lambda: a @ b

        rows.append(compare(g, f"a @ b, n={n}", "GFLOP/s", mm, work=2 * n ** 3,
                            check=allclose_check(rtol=1e-3, atol=1e-3), repeat=5))
    return rows


# --------------------------------------------------------------------------- import & size
_IMPORT_SNIPPET = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def _import_seconds(mod):
    out = subprocess.run([sys.executable, "-c", _IMPORT_SNIPPET.format(mod)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _package_bytes(mod):
    spec = importlib.util.find_spec(mod)
    if spec is None:
        raise ImportError(f"{mod} is not installed")
    roots = list(spec.submodule_search_locations or [os.path.dirname(spec.origin)])
    total = 0
    for root in roots:
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x != "__pycache__"]
            total += sum(os.path.getsize(os.path.join(d, f)) for f in files
                         if not os.path.islink(os.path.join(d, f)))
    return total


def startup_rows():
    g = "import and install"
    rows = []
    try:
        samples = {"ember": [], "torch": []}
        for mod in samples:            # warm-up: fill the OS file cache
            _import_seconds(mod)
        for _ in range(IMPORT_RUNS):   # interleaved, each in a fresh interpreter
            for mod in samples:
                samples[mod].append(_import_seconds(mod))
        med = {m: statistics.median(s) * 1e3 for m, s in samples.items()}
        rows.append(Row(g, f"import (fresh process, median of {IMPORT_RUNS})", "ms", med["ember"], med["torch"]))
    except Exception as exc:  # noqa: BLE001
        err = getattr(exc, "stderr", "") or str(exc)
        rows.append(Row(g, "import (fresh process)", "ms", None, None, note=f"error: {err.strip()[-140:]}"))
    try:
        e, t = _package_bytes("ember") / 2**20, _package_bytes("torch") / 2**20
        note = "package directory only, no __pycache__"
        try:
            note += f"; ember's dependency scipy-openblas32 adds {_package_bytes('scipy_openblas32') / 2**20:.1f} MiB"
        except Exception:  # noqa: BLE001
            pass
        rows.append(Row(g, "installed size", "MiB", e, t, note=note))
    except Exception as exc:  # noqa: BLE001
        rows.append(Row(g, "installed size", "MiB", None, None, note=f"error: {exc}"))
    return rows


def run():
    setup()
    return (overhead_rows() + bandwidth_rows() + indexing_rows() + sorting_rows() + matmul_rows()
            + startup_rows())


if __name__ == "__main__":
    print_table(run(), markdown="--markdown" in sys.argv)
