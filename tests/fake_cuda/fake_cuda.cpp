// A fake "cuda" device backed by host memory, for test_cuda_plumbing.py: the CPU
// kernels fill the CUDA slots of the dispatch tables and see the device's memory
// as CPU tensors, so the device plumbing (allocator slot, cross-device copies,
// device checks, autograd device moves, ops without a CUDA kernel) runs without
// a GPU. Test scaffolding only.
#include <ember/extension.h>
#include <ember/ops/stubs.h>
#include <ember/optim/multi_tensor.h>
#include <cstring>
#include <cstdlib>

using namespace ember;

namespace {
struct FakeAlloc : Allocator {
  int64_t live = 0;
  void* allocate(size_t n) override { live += n; return n ? std::malloc(n) : nullptr; }
  void deallocate(void* p, size_t n) override { live -= n; std::free(p); }
  void* allocate_on(size_t n, Device& d) override { if (d.index < 0) d.index = 0; return allocate(n); }
  Device resolve(Device d) const override { if (d.index < 0) d.index = 0; return d; }
};
FakeAlloc g_alloc;

void noop(void*) {}
// The same memory seen as a CPU tensor.
Tensor as_cpu(const Tensor& t) {
  if (!t.defined()) return t;
  auto s = make_intrusive<Storage>(t.impl()->storage()->data(), t.impl()->storage()->nbytes(), Device{}, noop, nullptr);
  return Tensor(make_intrusive<TensorImpl>(s, t.dtype(), t.sizes(), t.strides(), t.storage_offset()));
}
StridedLoop cpu_loop(const StridedLoop& L) { StridedLoop c = L; c.device = Device{}; return c; }

UnaryFn cpu_unary; BinaryFn cpu_binary; WhereFn cpu_where; ClampFn cpu_clamp; CopyFn cpu_copy; FillFn cpu_fill;
ArangeFn cpu_arange; SumFn cpu_sum, cpu_prod; CumsumFn cpu_cumsum; TriangleFn cpu_triangle; GemmFn cpu_gemm; SoftmaxFn cpu_softmax; NllFn cpu_nll; ExtremeFn cpu_extreme;
GatherScatterFn cpu_gather_scatter; IndexOffsetsFn cpu_index_offsets; NonzeroFn cpu_nonzero; ConvFn cpu_conv, cpu_conv_input, cpu_conv_weight;
MaxPoolFn cpu_max_pool; BnStatsFn cpu_bn_stats; BnNormalizeFn cpu_bn_normalize; BnBackwardFn cpu_bn_backward; optim::SgdStepFn cpu_sgd; optim::AdamStepFn cpu_adam;

void f_unary(UnaryOp op, const StridedLoop& L, ScalarType t) { cpu_unary(op, cpu_loop(L), t); }
void f_binary(BinaryOp op, const StridedLoop& L, ScalarType t) { cpu_binary(op, cpu_loop(L), t); }
void f_where(const StridedLoop& L, ScalarType t) { cpu_where(cpu_loop(L), t); }
void f_clamp(const StridedLoop& L, ScalarType t, bool a, bool b) { cpu_clamp(cpu_loop(L), t, a, b); }
void f_copy(const Tensor& d, const Tensor& s) { cpu_copy(as_cpu(d), as_cpu(s)); }
void f_fill(const Tensor& t, Scalar v) { cpu_fill(as_cpu(t), v); }
void f_arange(const Tensor& t, Scalar a, Scalar b) { cpu_arange(as_cpu(t), a, b); }
void f_sum(const Tensor& x, bool o, int64_t M, int64_t R, const Tensor& out) { cpu_sum(as_cpu(x), o, M, R, as_cpu(out)); }
void f_prod(const Tensor& x, bool o, int64_t M, int64_t R, const Tensor& out) { cpu_prod(as_cpu(x), o, M, R, as_cpu(out)); }
void f_cumsum(const Tensor& x, int64_t o, int64_t n, int64_t i) { cpu_cumsum(as_cpu(x), o, n, i); }
void f_triangle(const Tensor& x, int64_t r, int64_t c, int64_t d, bool lower) { cpu_triangle(as_cpu(x), r, c, d, lower); }
void f_gemm(const Tensor& a, const Tensor& b, const Tensor& o) {
  EMBER_CHECK_KIND(NotImplemented, is_floating(a.dtype()), "\"mm_cuda\" not implemented for '", dtype_short_name(a.dtype()), "'");
  cpu_gemm(as_cpu(a), as_cpu(b), as_cpu(o));
}
void f_softmax(const Tensor& x, const Tensor& o, int64_t r, int64_t n, bool log) { cpu_softmax(as_cpu(x), as_cpu(o), r, n, log); }
double f_nll(const Tensor& in, const Tensor& t, const Tensor& w, int64_t ig, const Tensor& l) {
  return cpu_nll(as_cpu(in), as_cpu(t), as_cpu(w), ig, as_cpu(l));
}
void f_extreme(const Tensor& x, bool o, int64_t M, int64_t R, bool mx, const Tensor& v, const Tensor& i) {
  cpu_extreme(as_cpu(x), o, M, R, mx, as_cpu(v), as_cpu(i));
}
void f_gather_scatter(IndexMode m, const StridedLoop& L, ScalarType t, int64_t d, int64_t n, int64_t s) {
  cpu_gather_scatter(m, cpu_loop(L), t, d, n, s);
}
void f_index_offsets(const std::vector<Tensor>& idx, const std::vector<IndexDim>& dims, bool in_range,
                     const Tensor& offsets) {
  std::vector<Tensor> c;
  for (const Tensor& t : idx) c.push_back(as_cpu(t));
  cpu_index_offsets(c, dims, in_range, as_cpu(offsets));
}
// A CPU kernel's result copied into fake-device memory.
Tensor on_device(const Tensor& r, Device d) {
  Tensor out = empty(r.sizes(), r.dtype(), d);
  cpu_copy(as_cpu(out), r);
  return out;
}
Tensor f_nonzero(const Tensor& mask) { return on_device(cpu_nonzero(as_cpu(mask)), mask.device()); }
Tensor f_conv(const Tensor& a, const Tensor& b, const Tensor& bias, const ConvGeom& g) {
  return on_device(cpu_conv(as_cpu(a), as_cpu(b), as_cpu(bias), g), a.device());
}
Tensor f_conv_input(const Tensor& a, const Tensor& b, const Tensor& bias, const ConvGeom& g) {
  return on_device(cpu_conv_input(as_cpu(a), as_cpu(b), as_cpu(bias), g), a.device());
}
Tensor f_conv_weight(const Tensor& a, const Tensor& b, const Tensor& bias, const ConvGeom& g) {
  return on_device(cpu_conv_weight(as_cpu(a), as_cpu(b), as_cpu(bias), g), a.device());
}
void f_max_pool(const Tensor& x, const Pool2dGeom& g, int64_t planes, const Tensor& o, const Tensor& i) {
  cpu_max_pool(as_cpu(x), g, planes, as_cpu(o), as_cpu(i));
}
void f_bn_stats(const Tensor& x, int64_t N, int64_t C, int64_t S, double eps, const Tensor& m, const Tensor& i,
                const Tensor& m64, const Tensor& v64) {
  cpu_bn_stats(as_cpu(x), N, C, S, eps, as_cpu(m), as_cpu(i), as_cpu(m64), as_cpu(v64));
}
void f_bn_normalize(const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& m, const Tensor& i,
                    const Tensor& w, const Tensor& b, const Tensor& o) {
  cpu_bn_normalize(as_cpu(x), N, C, S, as_cpu(m), as_cpu(i), as_cpu(w), as_cpu(b), as_cpu(o));
}
void f_bn_backward(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& m,
                   const Tensor& i, const Tensor& w, bool training, const Tensor& dx, const Tensor& dw,
                   const Tensor& db) {
  cpu_bn_backward(as_cpu(gy), as_cpu(x), N, C, S, as_cpu(m), as_cpu(i), as_cpu(w), training, as_cpu(dx), as_cpu(dw),
                  as_cpu(db));
}
// GroupData holds the device's (host) pointers; the CPU step kernels read them directly.
void f_sgd(const optim::GroupData& g, const SgdOptions& o, const std::vector<char>& f) { cpu_sgd(g, o, f); }
void f_adam(const optim::GroupData& g, const AdamOptions& o, const std::vector<double>& s) { cpu_adam(g, o, s); }
// The CPU generator stands in for the device's (the routing is what is tested).
void f_random(RandomOp op, const Tensor& t, double a, double b) {
  Tensor c = as_cpu(t);
  if (op == RandomOp::Uniform) uniform_(c, a, b, nullptr);
  else if (op == RandomOp::Normal) normal_(c, a, b, nullptr);
  else bernoulli_(c, a, nullptr);
}
void f_memcpy(void* d, Device, const void* s, Device, size_t n) { std::memcpy(d, s, n); }

void install() {
  set_allocator(DeviceType::CUDA, &g_alloc);
  Device c{};
  cpu_unary = unary_stub[c]; cpu_binary = binary_stub[c]; cpu_where = where_stub[c]; cpu_clamp = clamp_stub[c];
  cpu_copy = copy_stub[c]; cpu_fill = fill_stub[c]; cpu_arange = arange_stub[c]; cpu_sum = sum_stub[c]; cpu_prod = prod_stub[c];
  cpu_cumsum = cumsum_stub[c]; cpu_triangle = triangle_stub[c]; cpu_gemm = gemm_stub[c];
  cpu_softmax = softmax_stub[c]; cpu_nll = nll_stub[c]; cpu_extreme = extreme_stub[c];
  cpu_gather_scatter = gather_scatter_stub[c]; cpu_index_offsets = index_offsets_stub[c]; cpu_nonzero = nonzero_stub[c];
  cpu_conv = conv_stub[c]; cpu_conv_input = conv_input_stub[c]; cpu_conv_weight = conv_weight_stub[c];
  cpu_max_pool = max_pool_stub[c];
  cpu_bn_stats = bn_stats_stub[c]; cpu_bn_normalize = bn_normalize_stub[c]; cpu_bn_backward = bn_backward_stub[c]; cpu_sgd = optim::sgd_stub[c]; cpu_adam = optim::adam_stub[c];
  unary_stub.set(DeviceType::CUDA, f_unary); binary_stub.set(DeviceType::CUDA, f_binary);
  where_stub.set(DeviceType::CUDA, f_where); clamp_stub.set(DeviceType::CUDA, f_clamp);
  copy_stub.set(DeviceType::CUDA, f_copy); fill_stub.set(DeviceType::CUDA, f_fill);
  arange_stub.set(DeviceType::CUDA, f_arange); sum_stub.set(DeviceType::CUDA, f_sum);
  prod_stub.set(DeviceType::CUDA, f_prod); cumsum_stub.set(DeviceType::CUDA, f_cumsum);
  triangle_stub.set(DeviceType::CUDA, f_triangle); gemm_stub.set(DeviceType::CUDA, f_gemm);
  softmax_stub.set(DeviceType::CUDA, f_softmax); nll_stub.set(DeviceType::CUDA, f_nll);
  extreme_stub.set(DeviceType::CUDA, f_extreme); gather_scatter_stub.set(DeviceType::CUDA, f_gather_scatter);
  index_offsets_stub.set(DeviceType::CUDA, f_index_offsets); nonzero_stub.set(DeviceType::CUDA, f_nonzero);
  random_stub.set(DeviceType::CUDA, f_random);
  conv_stub.set(DeviceType::CUDA, f_conv); conv_input_stub.set(DeviceType::CUDA, f_conv_input);
  conv_weight_stub.set(DeviceType::CUDA, f_conv_weight); max_pool_stub.set(DeviceType::CUDA, f_max_pool);
  bn_stats_stub.set(DeviceType::CUDA, f_bn_stats); bn_normalize_stub.set(DeviceType::CUDA, f_bn_normalize);
  bn_backward_stub.set(DeviceType::CUDA, f_bn_backward);
  optim::sgd_stub.set(DeviceType::CUDA, f_sgd); optim::adam_stub.set(DeviceType::CUDA, f_adam);
  set_device_memcpy(f_memcpy);
}
int64_t live() { return g_alloc.live; }
}  // namespace

EMBER_EXTENSION(EMBER_EXTENSION_NAME, m) {
  m.def("install", &install);
  m.def("live", &live);
}
