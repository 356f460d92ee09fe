"""Extension ops against built-in ops (ember only): a trivial JIT-compiled op
called from Python versus a built-in op of the same arity (per-call cost on
1-element tensors), and an elementwise extension op written with ember's
public strided-loop helper versus the built-in add on 16M float32 (GB/s).

Run alone with ``python benchmarks/bench_extension.py [--markdown]``.
"""
import os
import sys
import tempfile

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Row, bench, print_table, setup  # noqa: E402

ORDER = 30

SOURCE = r"""
// c = a + b for float32 with ember's own elementwise machinery (broadcasting, any strides, both cores).
ember::Tensor ext_add(const ember::Tensor& a, const ember::Tensor& b) {
  EMBER_CHECK(a.dtype() == ember::ScalarType::Float32 && b.dtype() == a.dtype(), "ext_add: expected float32 tensors");
  ember::Tensor out = ember::empty(ember::broadcast_shapes(a.sizes(), b.sizes()), a.dtype());
  auto loop = ember::StridedLoop::make(out, {&a, &b});
  ember::binary_kernel<float, float, float>(loop, [](float x, float y) { return x + y; });
  return out;
}
"""


def run():
    import ember
    from ember.utils import cpp_extension

    os.environ.setdefault("EMBER_EXTENSIONS_DIR", os.path.join(tempfile.gettempdir(), "ember_bench_extensions"))
    ext = cpp_extension.load_inline("bench_ext_add", SOURCE, functions=["ext_add"])
    g = "extension ops (ember only: extension vs built-in)"
    rows = []
    a, b = ember.ones(1), ember.ones(1)
    t_ext, t_builtin = bench(lambda: ext.ext_add(a, b), lambda: ember.add(a, b))
    rows.append(Row(g, "1-element add: extension op vs ember.add", "µs/op", t_ext * 1e6, t_builtin * 1e6, False,
                    "second column is ember's built-in op, not PyTorch"))
    n = 16 * 1024 * 1024
    x = ember.from_numpy(np.random.default_rng(0).random(n).astype(np.float32))
    y = ember.from_numpy(np.random.default_rng(1).random(n).astype(np.float32))
    t_ext, t_builtin = bench(lambda: ext.ext_add(x, y), lambda: x + y)
    work = 3 * 4 * n
    rows.append(Row(g, "16M float32 add: extension op vs built-in", "GB/s", work / t_ext / 1e9,
                    work / t_builtin / 1e9, True, "second column is ember's built-in op, not PyTorch"))
    return rows


if __name__ == "__main__":
    setup()
    print_table(run(), markdown="--markdown" in sys.argv)
