"""Run every benchmarks/bench_*.py module and print one combined table.

    python benchmarks/run_all.py              # plain-text table
    python benchmarks/run_all.py --markdown   # Markdown, for benchmarks/README.md
    python benchmarks/run_all.py --only core autograd   # modules whose name contains a word
    python benchmarks/run_all.py --wait-idle 600        # first wait for a quiet machine

A benchmark module is any ``bench_*.py`` file in this folder with a ``run()``
function returning a list of ``common.Row`` (usually built with
``common.compare``). Modules run in the order of their ``ORDER`` attribute
(default 100), then by file name. A module that fails to import or run is
reported as a row and does not stop the others.
"""
import argparse
import glob
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402


def discover():
    names = [os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(HERE, "bench_*.py"))]
    mods = []
    for name in sorted(names):
        try:
            mods.append((name, importlib.import_module(name), None))
        except Exception as exc:  # noqa: BLE001
            mods.append((name, None, exc))
    return sorted(mods, key=lambda m: (getattr(m[1], "ORDER", 100), m[0]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--only", nargs="*", default=None, help="run only modules whose name contains one of these")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="first wait up to SECONDS for other processes to leave the CPUs idle")
    args = ap.parse_args(argv)

    common.setup()
    deadline = time.perf_counter() + args.wait_idle
    busy = common.busy_cpus()
    while busy is not None and busy > 0.05 and time.perf_counter() < deadline:
        print(f"# waiting for an idle machine (other processes use {busy:.2f} CPUs)", file=sys.stderr)
        busy = common.busy_cpus(2.0)
    if busy is not None and busy > 0.1:
        print(f"WARNING: other processes keep {busy:.2f} of {os.cpu_count()} CPUs busy; "
              "the figures will be noisy.", file=sys.stderr)
    snap = common._cpu_snapshot()
    start = time.perf_counter()
    rows = []
    for name, mod, err in discover():
        if args.only and not any(w in name for w in args.only):
            continue
        t0 = time.perf_counter()
        if err is None:
            try:
                rows.extend(mod.run())
            except Exception as exc:  # noqa: BLE001
                err = exc
        if err is not None:
            traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
            rows.append(common.Row(name, "(module failed)", "", None, None,
                                   note=f"{type(err).__name__}: {err}".splitlines()[0][:140]))
        print(f"# {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    load = common.foreign_load(snap)
    warning = ""
    if load is not None and load > 0.1:
        warning = (f"WARNING: other processes kept {load:.2f} of {os.cpu_count()} CPUs busy on average "
                   "during this run; the figures are not reliable.")
        print(warning, file=sys.stderr)
    elif load is not None:
        print(f"# other processes' load during the run: {load:.2f} CPUs", file=sys.stderr)
    info = common.machine_info()
    if args.markdown:
        print(f"Measured {info}.\n")
    else:
        print(info)
    if warning:
        print(warning + "\n")
    common.print_table(rows, markdown=args.markdown)
    print(f"# total {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
