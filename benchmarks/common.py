"""Shared pieces of the ember-vs-PyTorch benchmarks.

Every benchmark module (``bench_*.py``) exposes ``run() -> list[Row]``; a Row is
one workload measured on ember and on PyTorch in the same process.  Most
workloads are written once, against a library handle ``lib`` that is either
``ember`` or ``torch`` (ember follows PyTorch's API), and measured with
:func:`compare`::

    def make_add(lib):
        a, b = lib.ones(1), lib.ones(1)
        return lambda: a + b          # the callable that is timed

    rows.append(compare("overhead", "a + b (1 element)", "µs/op", make_add))

Units decide the conversion from the measured seconds per call:
``µs/op`` / ``ms`` / ``s`` are times (lower is better); ``GB/s``, ``GFLOP/s``
and ``.../s`` in general are rates computed from ``work`` (bytes, FLOPs, items
per call; higher is better).  The ratio column is always "ember is N times
better": PyTorch/ember for times and sizes, ember/PyTorch for rates.
"""
from __future__ import annotations

import gc
import math
import os
import statistics
import sys
import time
import timeit
import traceback
from dataclasses import dataclass

import numpy as np

THREADS = int(os.environ.get("EMBER_BENCH_THREADS", "2"))
LIBS = ("ember", "torch")


# --------------------------------------------------------------------------- libraries
_libs = {}


def lib(name):
    """The imported library ``ember`` or ``torch``, with THREADS threads."""
    if name not in _libs:
        try:
            mod = __import__(name)
        except ImportError as exc:
            hint = "pip install torch==2.13.0" if name == "torch" else "pip install <path to the ember repo>"
            raise SystemExit(f"benchmarks: cannot import {name} ({exc}); install it into this venv: {hint}")
        mod.set_num_threads(THREADS)
        _libs[name] = mod
    return _libs[name]


def setup():
    """Import both libraries and pin them to the same thread count."""
    return lib("ember"), lib("torch")


# --------------------------------------------------------------------------- timing
def bench(*fns, repeat=7, min_time=0.05, warmup=1, max_time=3.0, settle=0.3):
    """Median seconds per call of each zero-argument callable in ``fns``.

    Each callable is warmed up (``warmup`` calls), then the number of calls per
    repeat is calibrated (1, 2, 5, 10, 20, ...) so that one repeat lasts at
    least ``min_time`` seconds (tiny ops run thousands of iterations per
    repeat), then timed ``repeat`` times; the median is returned. If one repeat
    takes long, fewer repeats are made (at least 3, about ``max_time`` s in all).
    The garbage collector is off while timing (as in ``timeit``).

    The callables are measured one after the other, not interleaved, with a
    pause of ``settle`` seconds before each: worker threads of a BLAS or OpenMP
    runtime keep spinning for up to ~0.2 s after a parallel call and would
    otherwise slow down whichever library runs next on a 2-core machine.
    """
    out = []
    for fn in fns:
        if settle:
            time.sleep(settle)
        for _ in range(warmup):
            fn()
        timer = timeit.Timer(fn)
        number, t = 1, 0.0
        for k in range(30):
            number = (1, 2, 5)[k % 3] * 10 ** (k // 3)
            t = timer.timeit(number)
            if t >= min_time:
                break
        reps = max(3, min(repeat, int(max_time / max(t, 1e-9))))
        out.append(statistics.median(timer.timeit(number) / number for _ in range(reps)))
    return out


# --------------------------------------------------------------------------- rows
TIME_UNITS = {"s": 1.0, "ms": 1e3, "µs": 1e6, "us": 1e6, "µs/op": 1e6, "us/op": 1e6, "ms/step": 1e3, "ms/call": 1e3,
              "ms/iter": 1e3, "ns/op": 1e9}
RATE_SCALE = {"GB/s": 1e9, "GFLOP/s": 1e9, "MB/s": 1e6, "Melem/s": 1e6, "items/s": 1.0, "samples/s": 1.0}


@dataclass
class Row:
    """One workload. ``ember``/``torch`` are the figures in ``unit`` (None: not
    measured or failed, see ``note``). ``higher_is_better`` is True for rates."""
    group: str
    name: str
    unit: str
    ember: float | None
    torch: float | None
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self):
        """How many times better ember is than PyTorch (>1: ember faster/smaller)."""
        if not self.ember or not self.torch:
            return None
        return self.ember / self.torch if self.higher_is_better else self.torch / self.ember


def _is_rate(unit):
    return unit in RATE_SCALE or unit.endswith("/s")


def _err(exc):
    msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return msg[:140]


def compare(group, name, unit, make, *, work=None, check=None, libs=LIBS, note="", **bench_kw):
    """Measure one workload on ember and PyTorch and return its Row.

    ``make(lib)`` builds the inputs with library ``lib`` and returns the
    zero-argument callable to time (its result may be inspected by ``check``).
    ``work`` is the amount per call for rate units (bytes for GB/s, FLOPs for
    GFLOP/s). ``check(ember_result, torch_result)`` may return a string that is
    put in the note (e.g. "MISMATCH ..."). An exception on one side is caught:
    that side's figure is empty and the note says what went wrong.
    """
    fns, errors = {}, []
    for name_ in libs:
        try:
            fns[name_] = make(lib(name_))
        except Exception as exc:  # noqa: BLE001 - a failing workload must not stop the run
            errors.append(f"{name_} error: {_err(exc)}")
            if os.environ.get("EMBER_BENCH_TRACEBACK"):
                traceback.print_exc()
    results = {}
    for name_, fn in list(fns.items()):
        try:
            results[name_] = fn()
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{name_} error: {_err(exc)}")
            del fns[name_]
    if check is not None and len(results) == 2:
        try:
            msg = check(results.get("ember"), results.get("torch"))
        except Exception as exc:  # noqa: BLE001
            msg = f"check failed: {_err(exc)}"
        if msg:
            errors.append(msg)
    results.clear()
    gc.collect()
    snap = _cpu_snapshot()
    secs = dict(zip(fns, bench(*fns.values(), **bench_kw))) if fns else {}
    load = foreign_load(snap)
    if load is not None and load > 0.1:
        errors.append(f"disturbed: other processes used {load:.1f} CPUs")
    rate = _is_rate(unit)
    figures = {}
    for name_, s in secs.items():
        if rate:
            if work is None:
                raise ValueError(f"{name}: rate unit {unit!r} needs work=")
            figures[name_] = work / s / RATE_SCALE.get(unit, 1.0)
        else:
            figures[name_] = s * TIME_UNITS[unit]
    notes = [n for n in (note, *errors) if n]
    return Row(group, name, unit, figures.get("ember"), figures.get("torch"), rate, "; ".join(notes))


def to_numpy(t):
    """A NumPy copy of an ember or torch tensor (or a Python number)."""
    if hasattr(t, "detach"):
        t = t.detach()
    if hasattr(t, "numpy"):
        return np.array(t.numpy(), copy=True)
    return np.asarray(t)


def allclose_check(rtol=1e-4, atol=1e-5):
    """A ``check`` for :func:`compare`: ember's result must match PyTorch's."""
    def check(e, t):
        a, b = to_numpy(e), to_numpy(t)
        if a.shape != b.shape:
            return f"MISMATCH: shape {a.shape} vs torch {b.shape}"
        if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
            err = np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))
            return f"MISMATCH vs torch: max abs diff {err:.3g}"
        return ""
    return check


# --------------------------------------------------------------------------- output
def fmt(v):
    if v is None:
        return "—"
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(v)))))
    if digits and abs(round(v, digits)) >= 10 ** (3 - digits):   # 9.996 -> "10.0", not "10.00"
        digits -= 1
    return f"{v:.{digits}f}"


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def _cells(row):
    return [row.name, row.unit, fmt(row.ember), fmt(row.torch), fmt_ratio(row.ratio), row.note]


HEADER = ["workload", "unit", "ember", "PyTorch", "ember/PyTorch", "note"]


def _groups(rows):
    out = {}
    for r in rows:
        out.setdefault(r.group, []).append(r)
    return out


def format_text(rows):
    """A plain-text table, one section per group."""
    table = [HEADER] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in table) for i in range(len(HEADER) - 1)]

    def line(cells):
        left = "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return (left + "  " + cells[-1]).rstrip()

    out = [line(HEADER), "-" * (sum(widths) + 2 * len(widths) + 4)]
    for group, grows in _groups(rows).items():
        out.append(f"[{group}]")
        out.extend(line(_cells(r)) for r in grows)
    out.append("ember/PyTorch > 1 means ember is faster (or smaller).")
    return "\n".join(out)


def format_markdown(rows):
    """The same table as Markdown, one table per group (for the README)."""
    out = []
    for group, grows in _groups(rows).items():
        out += [f"**{group}**", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * 2 + "---:|" * 3 + "---|"]
        for r in grows:
            cells = [c.replace("|", "\\|") for c in _cells(r)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out.append("ember/PyTorch > 1 means ember is faster (or smaller).")
    return "\n".join(out)


def print_table(rows, markdown=False, file=None):
    print(format_markdown(rows) if markdown else format_text(rows), file=file or sys.stdout)


def _cpu_snapshot():
    """(wall s, CPU-seconds all processes were busy, CPU-seconds used by this
    process and its finished children), or None without /proc/stat."""
    import resource
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    busy = (sum(v) - v[3] - (v[4] if len(v) > 4 else 0)) / os.sysconf("SC_CLK_TCK")
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        own += r.ru_utime + r.ru_stime
    return time.perf_counter(), busy, own


def foreign_load(since):
    """Average number of CPUs that other processes kept busy since the
    ``_cpu_snapshot()`` ``since`` (None where unknown). Above ~0.1 the
    figures of a run are disturbed."""
    now = _cpu_snapshot()
    if since is None or now is None or now[0] <= since[0]:
        return None
    return max(0.0, ((now[1] - since[1]) - (now[2] - since[2])) / (now[0] - since[0]))


def busy_cpus(interval=1.0):
    """How many CPUs other processes keep busy, sampled over ``interval`` s."""
    snap = _cpu_snapshot()
    time.sleep(interval)
    return foreign_load(snap)


def machine_info():
    """One line naming the machine, the libraries and the thread count."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        import platform
        cpu = platform.processor() or cpu
    vers = []
    for name in ("ember", "torch"):
        try:
            vers.append(f"{name} {lib(name).__version__}")
        except Exception as exc:  # noqa: BLE001
            vers.append(f"{name} unavailable ({_err(exc)})")
    return (f"{time.strftime('%Y-%m-%d')}, {cpu}, {os.cpu_count()} logical CPUs, "
            f"{THREADS} threads, Python {sys.version.split()[0]}, NumPy {np.__version__}, " + ", ".join(vers))
