// mm/bmm on CUDA through cuBLAS, opened at run time: libcublas.so.13 from the
// nvidia-cublas wheel beside ember (site-packages/nvidia/cu13/lib), else from
// the loader's search path. Nothing of cuBLAS is needed to build ember.
#include <dlfcn.h>

#include <array>
#include <climits>
#include <mutex>
#include <string>

#include "ember/cuda/cublas_api.h"
#include "ember/cuda/cuda_common.h"
#include "ember/ops/stubs.h"

namespace ember::cuda {
namespace {

struct Cublas {
  cublas::CreateFn create = nullptr;
  cublas::SetStreamFn set_stream = nullptr;
  cublas::SetMathModeFn set_math_mode = nullptr;
  cublas::GemmStridedBatchedExFn gemm = nullptr;
};

std::string module_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&module_dir), &info) && info.dli_fname) {
    std::string path = info.dli_fname;
    auto slash = path.rfind('/');
    if (slash != std::string::npos) return path.substr(0, slash);
  }
  return ".";
}

const Cublas& api() {
  static Cublas c;
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    const std::string wheel = module_dir() + "/../nvidia/cu13/lib/libcublas.so.13";
    void* lib = dlopen(wheel.c_str(), RTLD_NOW | RTLD_LOCAL);
    std::string tried = wheel;
    if (!lib) {
      lib = dlopen("libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
      const char* why = lib ? nullptr : dlerror();
      tried += ", libcublas.so.13 (" + std::string(why ? why : "not found") + ")";
    }
    if (!lib) {
      error = "matmul on CUDA needs cuBLAS, and libcublas.so.13 could not be opened (tried " + tried +
              "). Install it with: pip install nvidia-cublas (or ember[cuda])";
      return;
    }
    c.create = reinterpret_cast<cublas::CreateFn>(dlsym(lib, "cublasCreate_v2"));
    c.set_stream = reinterpret_cast<cublas::SetStreamFn>(dlsym(lib, "cublasSetStream_v2"));
    c.set_math_mode = reinterpret_cast<cublas::SetMathModeFn>(dlsym(lib, "cublasSetMathMode"));
    c.gemm = reinterpret_cast<cublas::GemmStridedBatchedExFn>(dlsym(lib, "cublasGemmStridedBatchedEx"));
    if (!c.create || !c.set_stream || !c.set_math_mode || !c.gemm) {
      error = "libcublas.so.13 lacks an expected entry point (cublasCreate_v2, cublasSetStream_v2, "
              "cublasSetMathMode or cublasGemmStridedBatchedEx)";
      c = Cublas{};
    }
  });
  EMBER_CHECK(c.gemm != nullptr, error);
  return c;
}

void check(cublas::Status s, const char* what) {
  EMBER_CHECK(s == 0, "CUDA error: cuBLAS ", what, " failed with status ", s);
}

// cuBLAS allocates its handles and workspaces itself, outside ember's cache; when it
// runs out of memory (CUBLAS_STATUS_ALLOC_FAILED) the cache is released and the call tried once more.
constexpr cublas::Status kAllocFailed = 3;
template <typename Call>
void with_memory_retry(const Call& call, const char* what) {
  cublas::Status s = call();
  if (s == kAllocFailed) {
    empty_cache();
    s = call();
  }
  check(s, what);
}

// One handle per thread and device (cuBLAS handles are not for concurrent use), never destroyed.
cublas::Handle handle(int device) {
  thread_local std::array<cublas::Handle, 64> handles{};
  cublas::Handle& h = handles[size_t(device)];
  if (!h) {
    with_memory_retry([&] { return api().create(&h); }, "cublasCreate");
    // Full float32 precision, as PyTorch's default (no TF32).
    check(api().set_math_mode(h, cublas::DEFAULT_MATH), "cublasSetMathMode");
  }
  check(api().set_stream(h, current_stream(device)), "cublasSetStream");
  return h;
}

// How a (batch of) matrices is handed to cuBLAS without copying, if it can be.
struct Mat {
  Tensor t;
  int op;  // for the row-major -> column-major swap: row-major data is OP_N
  int64_t ld, batch_stride;
};

Mat as_cublas(const Tensor& x) {
  const int64_t nd = x.dim();
  const int64_t r = x.sizes()[nd - 2], c = x.sizes()[nd - 1];
  const int64_t s0 = x.strides()[nd - 2], s1 = x.strides()[nd - 1];
  const int64_t bs = nd == 3 ? x.strides()[0] : 0;
  if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(c, 1)) return {x, cublas::OP_N, s0, bs};
  if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(r, 1)) return {x, cublas::OP_T, s1, bs};
  Tensor cm = contiguous(x);
  return {cm, cublas::OP_N, std::max<int64_t>(c, 1), r * c};
}

void cuda_gemm(const Tensor& a, const Tensor& b, const Tensor& out) {
  const ScalarType t = a.dtype();
  EMBER_CHECK_KIND(NotImplemented, is_floating(t), "\"", a.dim() == 3 ? "bmm" : "mm", "_cuda\" not implemented for '",
                   dtype_short_name(t), "'");
  const bool batched = a.dim() == 3;
  const int64_t bs = batched ? a.sizes()[0] : 1;
  const int64_t m = a.sizes()[a.dim() - 2], k = a.sizes()[a.dim() - 1], n = b.sizes()[b.dim() - 1];
  if (out.numel() == 0) return;
  if (k == 0) {
    Tensor o = out;
    zero_(o);
    return;
  }
  Mat A = as_cublas(a), B = as_cublas(b);
  for (int64_t v : {m, n, k, A.ld, B.ld, bs})
    EMBER_CHECK(v <= INT_MAX, "mm on CUDA: a size or stride above 2^31-1 is not supported");
  const int dev = out.device().index;
  DeviceGuard guard(dev);
  const float alpha_f = 1.f, beta_f = 0.f;
  const double alpha_d = 1.0, beta_d = 0.0;
  // float16/bfloat16 operands are multiplied with float32 sums and float scalars (cuBLAS's COMPUTE_32F), as PyTorch
  const bool f32 = t != ScalarType::Float64;
  const void* alpha = f32 ? static_cast<const void*>(&alpha_f) : &alpha_d;
  const void* beta = f32 ? static_cast<const void*>(&beta_f) : &beta_d;
  const int dt = t == ScalarType::Float32   ? cublas::R_32F
                 : t == ScalarType::Float16 ? cublas::R_16F
                 : t == ScalarType::BFloat16 ? cublas::R_16BF
                                             : cublas::R_64F;
  const int ct = f32 ? cublas::COMPUTE_32F : cublas::COMPUTE_64F;
  // Row-major C = A @ B is column-major C^T = B^T @ A^T: swap the operands.
  with_memory_retry([&] {
    return api().gemm(handle(dev), B.op, A.op, int(n), int(m), int(k), alpha, B.t.device_data(), dt, int(B.ld),
                      B.batch_stride, A.t.device_data(), dt, int(A.ld), A.batch_stride, beta, out.device_data(), dt,
                      int(n), m * n, int(bs), ct, cublas::GEMM_DEFAULT);
  }, "cublasGemmStridedBatchedEx");
}

}  // namespace

void gemm_batched(ScalarType t, int device, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void* a,
                  int64_t lda, int64_t sa, const void* b, int64_t ldb, int64_t sb, double beta, void* c, int64_t ldc,
                  int64_t sc, int64_t batch) {
  EMBER_CHECK(t == ScalarType::Float32 || t == ScalarType::Float64, "gemm on CUDA: float32 or float64 only");
  for (int64_t v : {m, n, k, lda, ldb, ldc, batch})
    EMBER_CHECK(v <= INT_MAX, "gemm on CUDA: a size or stride above 2^31-1 is not supported");
  DeviceGuard guard(device);
  const bool f32 = t == ScalarType::Float32;
  const float alpha_f = 1.f, beta_f = float(beta);
  const double alpha_d = 1.0;
  const void* alpha = f32 ? static_cast<const void*>(&alpha_f) : &alpha_d;
  const void* bp = f32 ? static_cast<const void*>(&beta_f) : &beta;
  const int dt = f32 ? cublas::R_32F : cublas::R_64F;
  const int ct = f32 ? cublas::COMPUTE_32F : cublas::COMPUTE_64F;
  // Row-major C = op(A) @ op(B) is column-major C^T = op(B)^T @ op(A)^T.
  with_memory_retry([&] {
    return api().gemm(handle(device), tb ? cublas::OP_T : cublas::OP_N, ta ? cublas::OP_T : cublas::OP_N, int(n),
                      int(m), int(k), alpha, b, dt, int(ldb), sb, a, dt, int(lda), sa, bp, c, dt, int(ldc), sc,
                      int(batch), ct, cublas::GEMM_DEFAULT);
  }, "cublasGemmStridedBatchedEx");
}

void register_blas() { gemm_stub.set(DeviceType::CUDA, cuda_gemm); }

}  // namespace ember::cuda
