#pragma once
// The strided-loop machinery behind every elementwise kernel.
//
// A StridedLoop holds an output and up to three inputs that already have the
// output's shape (broadcast inputs carry stride 0). Dimensions are ordered by
// the output's strides and merged where every operand is linear across them,
// so a contiguous tensor becomes a single run. Kernels are written as a scalar
// lambda; the inner loop has a contiguous form the compiler vectorizes, a form
// for a broadcast (stride 0) input, and a generic strided form.
#include <array>
#include <cstdint>
#include <type_traits>

#include "ember/core/dim_vector.h"
#include "ember/core/tensor.h"
#include "ember/cpu/parallel.h"

namespace ember {

struct StridedLoop {
  static constexpr int kMaxOperands = 4;
  int noperands = 0;
  DimVector shape;                                      // innermost dim last
  std::array<DimVector, kMaxOperands> strides;          // in bytes
  std::array<char*, kMaxOperands> data{};
  int64_t numel = 1;
  // Where the tensor operands live. Device kernels read the same plan; bit k of
  // host_scalars marks operand k as a scalar in host memory (add_scalar_operand),
  // which a device kernel must take by value.
  Device device;
  uint8_t host_scalars = 0;

  // operands[0] is the output; inputs are broadcast to its shape.
  static StridedLoop make(const Tensor& out, std::initializer_list<const Tensor*> inputs);
  // Adds a scalar operand (stride 0 everywhere).
  void add_scalar_operand(void* ptr);
  void swap_operands(int i, int j);

  // Calls fn(ptrs, inner_strides, n) over runs of the innermost dimension for
  // the linear element range [begin, end).
  template <typename F>
  void run_range(int64_t begin, int64_t end, const F& fn) const;
  // Whole loop, split over threads when large.
  template <typename F>
  void run(const F& fn, int64_t grain = kGrainSize) const {
    if (numel == 0) return;
    if (__builtin_expect(!device.is_cpu(), 0)) TensorImpl::throw_not_on_cpu(device);
    parallel_for(0, numel, grain, [&](int64_t b, int64_t e) { run_range(b, e, fn); });
  }

 private:
  void finish();  // reorder + coalesce dims
};

template <typename F>
void StridedLoop::run_range(int64_t begin, int64_t end, const F& fn) const {
  const int nd = int(shape.size());
  std::array<char*, kMaxOperands> ptrs;
  std::array<int64_t, kMaxOperands> inner;
  if (nd == 0) {
    for (int k = 0; k < noperands; ++k) { ptrs[k] = data[k]; inner[k] = 0; }
    fn(ptrs.data(), inner.data(), int64_t(1));
    return;
  }
  const int64_t inner_size = shape[nd - 1];
  for (int k = 0; k < noperands; ++k) inner[k] = strides[k][nd - 1];
  // Coordinates of `begin` in the outer dims.
  int64_t idx[16] = {0};
  int64_t rem = begin / inner_size;
  int64_t pos = begin % inner_size;
  for (int d = nd - 2; d >= 0; --d) { idx[d] = rem % shape[d]; rem /= shape[d]; }
  int64_t i = begin;
  while (i < end) {
    for (int k = 0; k < noperands; ++k) {
      char* p = data[k] + pos * inner[k];
      for (int d = 0; d < nd - 1; ++d) p += idx[d] * strides[k][d];
      ptrs[k] = p;
    }
    int64_t n = std::min(inner_size - pos, end - i);
    fn(ptrs.data(), inner.data(), n);
    i += n;
    pos = 0;
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// ---- typed kernels over a loop --------------------------------------------------------
// Kernels read and write bool through uint8_t: GCC will not vectorize a load
// of `bool` (it has no vector type for it), and where(mask, ...) or a logical
// op would fall back to one branch per element.
namespace detail {
template <typename T>
using Elem = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
template <typename T>
inline T load(const char* p) {
  return T(*reinterpret_cast<const Elem<T>*>(p));
}
template <typename T>
inline const Elem<T>* in(char* p) {
  return reinterpret_cast<const Elem<T>*>(p);
}
template <typename T>
inline Elem<T>* out(char* p) {
  return reinterpret_cast<Elem<T>*>(p);
}
}  // namespace detail

// out = op(a)
template <typename Out, typename A, typename Op>
void unary_kernel(const StridedLoop& L, Op op) {
  using namespace detail;
  L.run([&](char** p, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(Out) && s[1] == sizeof(A)) {
      Elem<Out>* o = out<Out>(p[0]);
      const Elem<A>* a = in<A>(p[1]);
      for (int64_t i = 0; i < n; ++i) o[i] = Elem<Out>(op(A(a[i])));
    } else {
      for (int64_t i = 0; i < n; ++i) *out<Out>(p[0] + i * s[0]) = Elem<Out>(op(load<A>(p[1] + i * s[1])));
    }
  });
}

// out = op(a, b)
template <typename Out, typename A, typename B, typename Op>
void binary_kernel(const StridedLoop& L, Op op) {
  using namespace detail;
  L.run([&](char** p, const int64_t* s, int64_t n) {
    Elem<Out>* o = out<Out>(p[0]);
    const Elem<A>* a = in<A>(p[1]);
    const Elem<B>* b = in<B>(p[2]);
    if (s[0] == sizeof(Out) && s[1] == sizeof(A) && s[2] == sizeof(B)) {
      for (int64_t i = 0; i < n; ++i) o[i] = Elem<Out>(op(A(a[i]), B(b[i])));
    } else if (s[0] == sizeof(Out) && s[1] == sizeof(A) && s[2] == 0) {
      const B bv = B(*b);
      for (int64_t i = 0; i < n; ++i) o[i] = Elem<Out>(op(A(a[i]), bv));
    } else if (s[0] == sizeof(Out) && s[1] == 0 && s[2] == sizeof(B)) {
      const A av = A(*a);
      for (int64_t i = 0; i < n; ++i) o[i] = Elem<Out>(op(av, B(b[i])));
    } else {
      for (int64_t i = 0; i < n; ++i)
        *out<Out>(p[0] + i * s[0]) = Elem<Out>(op(load<A>(p[1] + i * s[1]), load<B>(p[2] + i * s[2])));
    }
  });
}

// out = op(a, b, c)
namespace detail {
// A contiguous run where each input is either contiguous or one broadcast
// scalar (where(mask, g, 0), clamp(x, lo, hi)): the flags are compile-time,
// so every combination gets its own vectorizable loop.
template <bool SA, bool SB, bool SC, typename Out, typename A, typename B, typename C, typename Op>
void ternary_run(char** p, int64_t n, const Op& op) {
  Elem<Out>* o = out<Out>(p[0]);
  const Elem<A>* a = in<A>(p[1]);
  const Elem<B>* b = in<B>(p[2]);
  const Elem<C>* c = in<C>(p[3]);
  for (int64_t i = 0; i < n; ++i) o[i] = Elem<Out>(op(A(a[SA ? 0 : i]), B(b[SB ? 0 : i]), C(c[SC ? 0 : i])));
}
}  // namespace detail

template <typename Out, typename A, typename B, typename C, typename Op>
void ternary_kernel(const StridedLoop& L, Op op) {
  using namespace detail;
  L.run([&](char** p, const int64_t* s, int64_t n) {
    const bool flat_or_scalar = s[0] == sizeof(Out) && (s[1] == sizeof(A) || s[1] == 0) &&
                                (s[2] == sizeof(B) || s[2] == 0) && (s[3] == sizeof(C) || s[3] == 0);
    if (flat_or_scalar) {
      switch ((s[1] == 0) | (s[2] == 0) << 1 | (s[3] == 0) << 2) {
        case 0: return ternary_run<false, false, false, Out, A, B, C>(p, n, op);
        case 1: return ternary_run<true, false, false, Out, A, B, C>(p, n, op);
        case 2: return ternary_run<false, true, false, Out, A, B, C>(p, n, op);
        case 3: return ternary_run<true, true, false, Out, A, B, C>(p, n, op);
        case 4: return ternary_run<false, false, true, Out, A, B, C>(p, n, op);
        case 5: return ternary_run<true, false, true, Out, A, B, C>(p, n, op);
        case 6: return ternary_run<false, true, true, Out, A, B, C>(p, n, op);
        default: return ternary_run<true, true, true, Out, A, B, C>(p, n, op);
      }
    }
    for (int64_t i = 0; i < n; ++i)
      *out<Out>(p[0] + i * s[0]) =
          Elem<Out>(op(load<A>(p[1] + i * s[1]), load<B>(p[2] + i * s[2]), load<C>(p[3] + i * s[3])));
  });
}

}  // namespace ember
