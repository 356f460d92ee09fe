// matmul and friends. Floating-point GEMM goes to OpenBLAS (scipy-openblas32's
// cblas); integer matrices use a plain loop, as PyTorch does not use BLAS for them.
#include <cblas.h>

#include <optional>

#include "ember/autograd/autograd.h"
#include "ember/cpu/parallel.h"
#include "ember/ops/autocast.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// How a 2-D operand is handed to BLAS without copying, if it can be.
struct BlasMatrix {
  Tensor t;  // the data actually used (possibly a contiguous copy)
  CBLAS_TRANSPOSE trans;
  int64_t ld;
};

BlasMatrix as_blas(const Tensor& m) {
  const int64_t r = m.sizes()[0], c = m.sizes()[1];
  const int64_t s0 = m.strides()[0], s1 = m.strides()[1];
  if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(c, 1)) return {m, CblasNoTrans, s0};
  if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(r, 1)) return {m, CblasTrans, s1};
  Tensor cm = contiguous(m);
  return {cm, CblasNoTrans, std::max<int64_t>(c, 1)};
}

// out (m x n, contiguous) = a (m x k) @ b (k x n)
void gemm(const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t m = a.sizes()[0], k = a.sizes()[1], n = b.sizes()[1];
  if (out.numel() == 0) return;
  if (k == 0) {
    Tensor o = out;
    zero_(o);
    return;
  }
  // Tiny products (a Linear(1, 1) on a few samples) cost less than a BLAS call's setup.
  const bool tiny = m * n * k <= 512;
  if (is_floating(a.dtype()) && !tiny) {
    BlasMatrix A = as_blas(a), B = as_blas(b);
    std::optional<GilRelease> no_gil;
    if (m * n * k >= (int64_t(1) << 18)) no_gil.emplace();  // long GEMMs let other Python threads run
    if (a.dtype() == ScalarType::Float32)
      scipy_cblas_sgemm(CblasRowMajor, A.trans, B.trans, int(m), int(n), int(k), 1.0f,
                        static_cast<const float*>(A.t.raw_data()), int(A.ld),
                        static_cast<const float*>(B.t.raw_data()), int(B.ld), 0.0f,
                        static_cast<float*>(out.raw_data()), int(n));
    else
      scipy_cblas_dgemm(CblasRowMajor, A.trans, B.trans, int(m), int(n), int(k), 1.0,
                        static_cast<const double*>(A.t.raw_data()), int(A.ld),
                        static_cast<const double*>(B.t.raw_data()), int(B.ld), 0.0,
                        static_cast<double*>(out.raw_data()), int(n));
    return;
  }
  EMBER_DISPATCH_ALL(a.dtype(), "matmul", [&] {
    using T = scalar_t;
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    const int64_t a0 = a.strides()[0], a1 = a.strides()[1], b0 = b.strides()[0], b1 = b.strides()[1];
    T* po = static_cast<T*>(out.raw_data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        T acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += pa[i * a0 + p * a1] * pb[p * b0 + j * b1];
        po[i * n + j] = acc;
      }
  });
}

// The CPU slot of gemm_stub: 2-D, or 3-D as one GEMM per batch entry.
void cpu_gemm(const Tensor& a, const Tensor& b, const Tensor& out) {
  if (is_reduced_float(a.dtype()))  // a float32 GEMM rounded once (PyTorch's CPU float16/bfloat16 GEMMs sum in float)
    return write_via_float32(out, [&](const Tensor& o) { cpu_gemm(float32_of(a), float32_of(b), o); });
  if (a.dim() == 2) return gemm(a, b, out);
  for (int64_t i = 0; i < a.sizes()[0]; ++i) gemm(select(a, 0, i), select(b, 0, i), select(out, 0, i));
}

}  // namespace
DispatchStub<GemmFn> gemm_stub("mm/bmm");
namespace {
const bool registered = (gemm_stub.set(DeviceType::CPU, cpu_gemm), true);

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ", dtype_name(a.dtype()),
              " != ", dtype_name(b.dtype()), " (in ", op, ")");
  check_same_device(op, {&a, &b});
  EMBER_CHECK_KIND(NotImplemented, a.dtype() != ScalarType::Bool, "\"", op, "\" not implemented for 'Bool'");
}

std::string matrix_shape(const Tensor& t) {
  std::string s;
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "x" : "") + std::to_string(t.sizes()[i]);
  return s;
}

Tensor finish(const Tensor& result, const OptTensor& out, const char* op) {
  return out ? write_out(result, *out, op) : result;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b, const OptTensor& out) {
  if (__builtin_expect(autocast::any_enabled(), 0) && !out)  // autocast: a lower-precision op
    return autocast::run_lower([](const Tensor& x, const Tensor& y) { return mm(x, y); }, a, b);
  EMBER_CHECK(a.dim() == 2, "self must be a matrix");
  EMBER_CHECK(b.dim() == 2, "mat2 must be a matrix");
  check_same_dtype(a, b, "mm");
  EMBER_CHECK(a.sizes()[1] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", matrix_shape(a),
              " and ", matrix_shape(b), ")");
  Tensor result = empty({a.sizes()[0], b.sizes()[1]}, a.dtype(), a.device());
  {
    GradModeGuard no_grad(false);
    gemm_stub[a.device()](a, b, result);
  }
  if (grad_enabled() && any_requires_grad({&a, &b})) {
    EMBER_CHECK(!out, "mm(): functions with out=... arguments don't support automatic differentiation, but one of "
                "the arguments requires grad.");
    record("MmBackward0", {&a, &b}, result,
           [A = SavedTensor(requires_grad(b) ? a : Tensor(), false), B = SavedTensor(requires_grad(a) ? b : Tensor(), false)](
               Node* n, const std::vector<Tensor>& g) {
             Tensor av = A.unpack(n), bv = B.unpack(n);
             return std::vector<Tensor>{bv.defined() ? mm(g[0], t(bv)) : Tensor(), av.defined() ? mm(t(av), g[0]) : Tensor()};
           });
  }
  return finish(result, out, "mm");
}

Tensor bmm(const Tensor& a, const Tensor& b, const OptTensor& out) {
  if (__builtin_expect(autocast::any_enabled(), 0) && !out)
    return autocast::run_lower([](const Tensor& x, const Tensor& y) { return bmm(x, y); }, a, b);
  EMBER_CHECK(a.dim() == 3, "batch1 must be a 3D tensor");
  EMBER_CHECK(b.dim() == 3, "batch2 must be a 3D tensor");
  check_same_dtype(a, b, "bmm");
  const int64_t bs = a.sizes()[0], m = a.sizes()[1], k = a.sizes()[2], n = b.sizes()[2];
  EMBER_CHECK(b.sizes()[0] == bs && b.sizes()[1] == k, "Expected size for first two dimensions of batch2 tensor "
              "to be: [", bs, ", ", k, "] but got: [", b.sizes()[0], ", ", b.sizes()[1], "].");
  Tensor result = empty({bs, m, n}, a.dtype(), a.device());
  {
    GradModeGuard no_grad(false);
    gemm_stub[a.device()](a, b, result);
  }
  if (grad_enabled() && any_requires_grad({&a, &b})) {
    record("BmmBackward0", {&a, &b}, result,
           [A = SavedTensor(requires_grad(b) ? a : Tensor(), false), B = SavedTensor(requires_grad(a) ? b : Tensor(), false)](
               Node* n, const std::vector<Tensor>& g) {
             Tensor av = A.unpack(n), bv = B.unpack(n);
             return std::vector<Tensor>{bv.defined() ? bmm(g[0], mT(bv)) : Tensor(),
                                        av.defined() ? bmm(mT(av), g[0]) : Tensor()};
           });
  }
  return finish(result, out, "bmm");
}

Tensor dot(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
              "D tensors");
  EMBER_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ",
              dtype_short_name(a.dtype()), " and ", dtype_short_name(b.dtype()));
  EMBER_CHECK(a.numel() == b.numel(), "inconsistent tensor size, expected tensor [", a.numel(), "] and src [",
              b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
              " elements respectively");
  Tensor r;
  {
    GradModeGuard no_grad(false);
    r = reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), {});
  }
  if (grad_enabled() && any_requires_grad({&a, &b}))
    record("DotBackward0", {&a, &b}, r, [A = SavedTensor(a, false), B = SavedTensor(b, false)](Node* n, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{mul(g[0], B.unpack(n)), mul(g[0], A.unpack(n))};
    });
  return r;
}

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1, "outer: Expected 1-D argument self, but got ", a.dim(), "-D");
  EMBER_CHECK(b.dim() == 1, "outer: Expected 1-D argument vec2, but got ", b.dim(), "-D");
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

Tensor matmul(const Tensor& a, const Tensor& b, const OptTensor& out) {
  if (__builtin_expect(autocast::any_enabled(), 0) && !out)
    return autocast::run_lower([](const Tensor& x, const Tensor& y) { return matmul(x, y); }, a, b);
  const int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da > 0 && db > 0, "both arguments to matmul need to be at least 1D, but they are ", da, "D and ",
              db, "D");
  check_same_dtype(a, b, "matmul");
  if (da == 1 && db == 1) return finish(dot(a, b), out, "matmul");
  if (da == 2 && db == 1) {
    EMBER_CHECK(a.sizes()[1] == b.sizes()[0], "size mismatch, got input (", a.sizes()[0], "), mat (", a.sizes()[0],
                "x", a.sizes()[1], "), vec (", b.sizes()[0], ")");
    Tensor r;
    {
      GradModeGuard no_grad(false);
      r = reshape(mm(a, unsqueeze(b, 1)), {a.sizes()[0]});
    }
    if (grad_enabled() && any_requires_grad({&a, &b}))
      record("MvBackward0", {&a, &b}, r, [A = SavedTensor(a, false), B = SavedTensor(b, false)](Node* n, const std::vector<Tensor>& g) {
        return std::vector<Tensor>{outer(g[0], B.unpack(n)), matmul(t(A.unpack(n)), g[0])};
      });
    return finish(r, out, "matmul");
  }
  if (da == 1 && db == 2) {
    EMBER_CHECK(a.sizes()[0] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (1x", a.sizes()[0],
                " and ", matrix_shape(b), ")");
    return finish(reshape(mm(unsqueeze(a, 0), b), {b.sizes()[1]}), out, "matmul");
  }
  if (da == 2 && db == 2) return mm(a, b, out);
  if (da >= 3 && db <= 2) {
    // (..., m, k) @ (k, n): one GEMM over the folded batch, no copies of b.
    Tensor B = db == 1 ? unsqueeze(b, 1) : b;
    EMBER_CHECK(a.sizes()[da - 1] == B.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (",
                shape_numel(a.sizes()) / std::max<int64_t>(a.sizes()[da - 1], 1), "x", a.sizes()[da - 1], " and ",
                matrix_shape(B), ")");
    Tensor r = mm(reshape(a, {-1, a.sizes()[da - 1]}), B);
    Dims rshape(a.sizes().begin(), a.sizes().end() - 1);
    if (db == 2) rshape.push_back(B.sizes()[1]);
    return finish(unsafe_view(r, rshape), out, "matmul");
  }
  // Batched: broadcast the batch dims, then one GEMM per matrix.
  Tensor A = da == 1 ? unsqueeze(a, 0) : a;
  Tensor B = db == 1 ? unsqueeze(b, 1) : b;
  const int64_t m = A.sizes()[A.dim() - 2], k = A.sizes()[A.dim() - 1];
  const int64_t k2 = B.sizes()[B.dim() - 2], n = B.sizes()[B.dim() - 1];
  EMBER_CHECK(k == k2, "Expected size for first two dimensions of batch2 tensor to be: [",
              shape_numel(DimVector(A.sizes().begin(), A.sizes().end() - 2)), ", ", k, "] but got: [",
              shape_numel(DimVector(B.sizes().begin(), B.sizes().end() - 2)), ", ", k2, "].");
  DimVector ba(A.sizes().begin(), A.sizes().end() - 2), bb(B.sizes().begin(), B.sizes().end() - 2);
  DimVector batch = broadcast_shapes(ba, bb);
  Dims ea = batch.vec(), eb = batch.vec();
  ea.push_back(m); ea.push_back(k);
  eb.push_back(k); eb.push_back(n);
  const int64_t nb = shape_numel(batch);
  Tensor A3 = reshape(expand(A, ea), {nb, m, k});
  Tensor B3 = reshape(expand(B, eb), {nb, k, n});
  Tensor r = bmm(A3, B3);
  Dims rshape = batch.vec();
  if (da > 1) rshape.push_back(m);
  if (db > 1) rshape.push_back(n);
  return finish(unsafe_view(r, rshape), out, "matmul");
}

void set_blas_num_threads(int n) { scipy_openblas_set_num_threads(n); }
int get_blas_num_threads() { return scipy_openblas_get_num_threads(); }

}  // namespace ember
