// Pointer-level random kernels, bit-identical to PyTorch 2.13's CPU kernels
// (the AVX2 kernel set that x86-64 CPUs with AVX2+FMA run). See RNG-NOTES.md.
//
// Every kernel fills a contiguous buffer of n elements *in draw order*. For a
// strided output the caller passes a scratch buffer and scatters it in memory
// order (increasing storage offset), which is the order PyTorch draws in.
// n <= 0 draws nothing.
//
// Locking: kernels do not lock; callers hold gen.mutex() around a whole op.
//
// Build note: random_kernels.cpp must be compiled with -ffp-contract=off.
#pragma once

#include <cstdint>

#include "ember/core/generator.h"

namespace ember {
namespace random {

// uniform_(from, to) / rand (from=0, to=1). One 32-bit draw per float32,
// one random64() per float64 (RNG-NOTES 3).
EMBER_API void uniform_f32(Generator& gen, float* out, int64_t n, double from, double to);
EMBER_API void uniform_f64(Generator& gen, double* out, int64_t n, double from, double to);

// normal_(mean, std) / randn (RNG-NOTES 4). out_is_contiguous tells whether
// the *real* output tensor is contiguous: PyTorch takes the 16-wide block path
// only for contiguous outputs with n >= 16, the scalar path (which uses and
// refills the generator's spare normal) otherwise.
EMBER_API void normal_f32(Generator& gen, float* out, int64_t n, double mean, double stddev,
                          bool out_is_contiguous);
EMBER_API void normal_f64(Generator& gen, double* out, int64_t n, double mean, double stddev,
                          bool out_is_contiguous);

// random_(from, to) / randint(from, to), `to` exclusive, range = to - from
// (>= 1). value = from + (r mod range), where r is random64() when
// range >= 2**28 and random() otherwise (RNG-NOTES 5). For float outputs the
// caller first pulls out-of-range bounds inward, as PyTorch does.
EMBER_API void random_range_i64(Generator& gen, int64_t* out, int64_t n, int64_t from, uint64_t range);
EMBER_API void random_range_i32(Generator& gen, int32_t* out, int64_t n, int64_t from, uint64_t range);
EMBER_API void random_range_f32(Generator& gen, float* out, int64_t n, int64_t from, uint64_t range);
EMBER_API void random_range_f64(Generator& gen, double* out, int64_t n, int64_t from, uint64_t range);
EMBER_API void random_range_bool(Generator& gen, bool* out, int64_t n, int64_t from, uint64_t range);

// random_(-2**63, None) on int64: the range 2**64 does not fit in uint64_t,
// PyTorch returns random64() reinterpreted as signed.
EMBER_API void random_full_range_i64(Generator& gen, int64_t* out, int64_t n);

// random_() with no bounds: int64 random64() mod 2**63, int32 random() mod 2**31,
// float64 random64() mod (2**53 + 1), float32 random() mod (2**digits + 1)
// (digits: 24, or 11 / 8 for float16 / bfloat16 values made in float32),
// bool random() & 1.
EMBER_API void random_full_i64(Generator& gen, int64_t* out, int64_t n);
EMBER_API void random_full_i32(Generator& gen, int32_t* out, int64_t n);
EMBER_API void random_full_f32(Generator& gen, float* out, int64_t n, int digits = 24);
EMBER_API void random_full_f64(Generator& gen, double* out, int64_t n);
EMBER_API void random_full_bool(Generator& gen, bool* out, int64_t n);

// randperm(n): writes a permutation of 0..n-1 (RNG-NOTES 6, both regimes).
EMBER_API void randperm_i64(Generator& gen, int64_t* out, int64_t n);

// bernoulli_(p) with a scalar p: out[i] = (u53(random64()) < p), 0 or 1.
EMBER_API void bernoulli_scalar(Generator& gen, int64_t n, double p, uint8_t* out_bool);

// bernoulli with a per-element probability tensor (already broadcast to the
// output, contiguous, n elements). float32 p: u24(random()) < p;
// float64 p: u53(random64()) < p. Writes 0 or 1.
EMBER_API void bernoulli_tensor_f32(Generator& gen, const float* p, uint8_t* out, int64_t n);
EMBER_API void bernoulli_tensor_f64(Generator& gen, const double* p, uint8_t* out, int64_t n);

// exponential_(lambda): out[i] = -1 / lambda * log1p(-u53(random64())) computed in double (float32: that value
// rounded); one random64() per element.
EMBER_API void exponential_f64(Generator& gen, double* out, int64_t n, double lambda);
EMBER_API void exponential_f32(Generator& gen, float* out, int64_t n, double lambda);

// multinomial with replacement, one distribution: cdf holds the normalized running sums of its n_categories
// probabilities (the kernel sets the last to 1). Each sample draws u = u53(random64()) and takes the first
// category whose cdf value is >= u (a binary search, as PyTorch's). float32 cdf for float32/float16/bfloat16.
EMBER_API void multinomial_search_f32(Generator& gen, float* cdf, int64_t n_categories, int64_t* out, int64_t n_sample);
EMBER_API void multinomial_search_f64(Generator& gen, double* cdf, int64_t n_categories, int64_t* out,
                                      int64_t n_sample);

}  // namespace random
}  // namespace ember
