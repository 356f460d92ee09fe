// ember::Generator: a CPU random generator whose streams are bit-identical to
// PyTorch 2.13's CPU generator (see RNG-NOTES.md, sections 1 and 10).
//
// The engine is the reference 32-bit Mersenne Twister (MT19937, init_genrand
// seeding) with PyTorch's bookkeeping: a `left` counter that triggers the
// twist lazily on the first draw, and a `next` index. On top of it the
// generator keeps one spare double normal for the scalar Box-Muller path.
#pragma once

#ifndef EMBER_API
#define EMBER_API __attribute__((visibility("default")))
#endif

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace ember {

class EMBER_API Generator {
 public:
  // torch.Generator() starts with this seed (and so does the default one).
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;
  static constexpr int kStateWords = 624;
  // Size of the byte blob returned by get_state(), as torch.get_rng_state().
  static constexpr size_t kStateBytes = 5056;

  explicit Generator(uint64_t seed = kDefaultSeed);
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Rebuilds the engine from the low 32 bits of `seed` (the full 64-bit value
  // is remembered for initial_seed()) and clears the spare normal.
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return seed_; }

  // One tempered 32-bit word.
  uint32_t random();
  // Two words, the first one drawn is the high half: (r1 << 32) | r2.
  uint64_t random64();

  // The spare normal of the scalar Box-Muller path (RNG-NOTES 4.2). It is a
  // double shared by float32 and float64 calls.
  bool has_spare_normal() const { return has_spare_normal_; }
  double take_spare_normal();  // returns the spare and clears it
  void set_spare_normal(double v);

  // 5056 bytes, little-endian, the layout of torch.get_rng_state().
  std::vector<uint8_t> get_state() const;
  // Accepts exactly the bytes get_state() produces (n == 5056). Throws
  // std::invalid_argument on a wrong size or an impossible engine state
  // (left outside 1..624, next > 624, seeded flag 0), as torch rejects them;
  // the generator is left unchanged then.
  void set_state(const uint8_t* data, size_t n);

  // Callers lock this around a whole op, as PyTorch does, so concurrent ops
  // on one generator do not interleave their draws.
  std::mutex& mutex() { return mutex_; }

 private:
  void twist();

  uint32_t state_[kStateWords];
  int32_t left_ = 1;    // draws until the next twist, plus one
  uint32_t next_ = 0;   // index of the next state word to temper
  uint64_t seed_ = kDefaultSeed;

  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;

  // PyTorch's state blob also carries a float spare normal. No op here uses
  // it; it is only kept so that set_state()/get_state() round-trip the bytes.
  bool has_spare_float_ = false;
  float spare_float_ = 0.0f;

  std::mutex mutex_;
};

// The process-wide generator (torch.default_generator), created on first use
// with kDefaultSeed.
EMBER_API Generator& default_generator();

}  // namespace ember
