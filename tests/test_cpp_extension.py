"""Just-in-time C++ extensions: compile, autograd, cache, errors, versions."""
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember
from ember.utils import cpp_extension

SQUARE = r"""
ember::Tensor scaled_square(const ember::Tensor& x, double a) {
  EMBER_CHECK(ember::is_floating(x.dtype()), "scaled_square: expected a floating tensor, got ",
              ember::dtype_name(x.dtype()));
  ember::Tensor out;
  {
    ember::GradModeGuard no_grad(false);
    ember::Tensor xc = x.contiguous();
    out = ember::empty(x.sizes(), x.dtype());
    EMBER_DISPATCH_FLOATING(x.dtype(), "scaled_square", [&] {
      const scalar_t* p = xc.data_ptr<scalar_t>();
      scalar_t* o = out.data_ptr<scalar_t>();
      ember::parallel_for(0, x.numel(), ember::kGrainSize, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = scalar_t(a) * p[i] * p[i];
      });
    });
  }
  if (ember::should_record({&x}))
    ember::record("ScaledSquareBackward", {&x}, out,
                  [a, X = ember::SavedTensor(x, false)](ember::Node* n, const std::vector<ember::Tensor>& g) {
                    return std::vector<ember::Tensor>{ember::mul(ember::mul(g[0], X.unpack(n)), ember::Scalar(2 * a))};
                  });
  return out;
}
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("ember_extensions"))
    old = os.environ.get("EMBER_EXTENSIONS_DIR")
    os.environ["EMBER_EXTENSIONS_DIR"] = d
    yield d
    if old is None:
        del os.environ["EMBER_EXTENSIONS_DIR"]
    else:
        os.environ["EMBER_EXTENSIONS_DIR"] = old


@pytest.fixture(scope="module")
def square(cache):
    return cpp_extension.load_inline("jit_square", SQUARE, functions=["scaled_square"])


def test_values_and_gradients_match_numpy(square):
    x = np.random.default_rng(0).standard_normal((3, 4))
    t = ember.tensor(x, dtype=ember.float64, requires_grad=True)
    y = square.scaled_square(t, 1.5)
    assert y.grad_fn.name() == "ScaledSquareBackward"
    np.testing.assert_allclose(y.detach().numpy(), 1.5 * x * x, rtol=1e-14)
    g = np.random.default_rng(1).standard_normal((3, 4))
    y.backward(ember.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), 3.0 * x * g, rtol=1e-14)
    assert ember.autograd.gradcheck(lambda v: square.scaled_square(v, 0.5), (t.detach().requires_grad_(True),))


def test_second_load_hits_the_cache(square, cache):
    t0 = time.perf_counter()
    again = cpp_extension.load_inline("jit_square", SQUARE, functions=["scaled_square"])
    assert time.perf_counter() - t0 < 1.0
    assert again.scaled_square(ember.tensor([2.0]), 1.0).item() == 4.0


def test_changed_source_rebuilds(cache):
    changed = SQUARE.replace("scalar_t(a) * p[i] * p[i]", "scalar_t(a) * p[i] * p[i] + scalar_t(1)")
    m = cpp_extension.load_inline("jit_square", changed, functions=["scaled_square"])
    assert m.scaled_square(ember.tensor([2.0]), 1.0).item() == 5.0


def test_check_macro_raises_python_error(square):
    with pytest.raises(RuntimeError, match="scaled_square: expected a floating tensor, got int64"):
        square.scaled_square(ember.tensor([1, 2]), 1.0)
    with pytest.raises(TypeError):
        square.scaled_square([1.0], 1.0)


def test_broken_source_reports_the_compiler_message(cache):
    with pytest.raises(RuntimeError, match=r"Error building extension 'jit_broken'(.|\n)*error"):
        cpp_extension.load_inline("jit_broken", "int f() { return undefined_name; }", functions=["f"])


def test_missing_source_file(cache):
    with pytest.raises(FileNotFoundError, match="does_not_exist.cpp"):
        cpp_extension.load("jit_missing", ["/nonexistent/does_not_exist.cpp"])


def test_missing_compiler(cache, monkeypatch):
    monkeypatch.setenv("CXX", "/nonexistent/c++")
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler found"):
        cpp_extension.load_inline("jit_nocompiler", "int f() { return 1; }", functions=["f"])


def test_extension_built_for_another_version_is_refused(cache):
    src = '#undef EMBER_VERSION\n#define EMBER_VERSION "0.0.0-other"\nint f() { return 1; }'
    with pytest.raises(ImportError, match=r"built against ember 0\.0\.0-other but ember " +
                       ember._C.__version__.replace(".", r"\.")):
        cpp_extension.load_inline("jit_oldversion", src, functions=["f"])


def test_two_processes_load_the_same_extension_at_once(tmp_path):
    script = textwrap.dedent(f"""
        from ember.utils import cpp_extension
        m = cpp_extension.load_inline("jit_race", "int answer() {{ return 42; }}", functions=["answer"])
        print(m.answer())
    """)
    env = dict(os.environ, EMBER_EXTENSIONS_DIR=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip() == "42"
