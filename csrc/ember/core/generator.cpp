// MT19937 engine and PyTorch-compatible generator state (RNG-NOTES 1, 10).
#include "ember/core/generator.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace ember {

namespace {

constexpr int kN = Generator::kStateWords;
constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908B0DFu;
constexpr uint32_t kUpperMask = 0x80000000u;
constexpr uint32_t kLowerMask = 0x7FFFFFFFu;

// Byte offsets of torch's CPUGeneratorImplState (a POD, little-endian).
constexpr size_t kOffSeed = 0;          // u64 seed
constexpr size_t kOffLeft = 8;          // i32 left
constexpr size_t kOffSeeded = 12;       // i32 seeded flag
constexpr size_t kOffNext = 16;         // u64 next
constexpr size_t kOffWords = 24;        // 624 x u64 state words
constexpr size_t kOffNormalX = 5016;    // double, always 0.0
constexpr size_t kOffNormalY = 5024;    // double, the spare normal
constexpr size_t kOffNormalRho = 5032;  // double, always 0.0
constexpr size_t kOffNormalValid = 5040;  // i32
constexpr size_t kOffFloatSpare = 5048;       // float
constexpr size_t kOffFloatSpareValid = 5052;  // bool

// Little-endian field access; memcpy keeps this free of aliasing and
// alignment problems (the project only targets little-endian hosts).
template <typename T>
void put(uint8_t* buf, size_t off, T v) {
  std::memcpy(buf + off, &v, sizeof(T));
}
template <typename T>
T get(const uint8_t* buf, size_t off) {
  T v;
  std::memcpy(&v, buf + off, sizeof(T));
  return v;
}

}  // namespace

Generator::Generator(uint64_t seed) { manual_seed(seed); }

void Generator::manual_seed(uint64_t seed) {
  // init_genrand: only the low 32 bits of the seed feed the engine.
  seed_ = seed;
  state_[0] = static_cast<uint32_t>(seed & 0xFFFFFFFFu);
  for (int i = 1; i < kN; ++i) {
    uint32_t prev = state_[i - 1];
    state_[i] = 1812433253u * (prev ^ (prev >> 30)) + static_cast<uint32_t>(i);
  }
  // left = 1 makes the very first draw twist the freshly seeded words.
  left_ = 1;
  next_ = 0;
  has_spare_normal_ = false;
  spare_normal_ = 0.0;
  has_spare_float_ = false;
  spare_float_ = 0.0f;
}

// The standard in-place MT19937 regeneration of all 624 words.
void Generator::twist() {
  for (int i = 0; i < kN; ++i) {
    uint32_t y = (state_[i] & kUpperMask) | (state_[(i + 1) % kN] & kLowerMask);
    state_[i] = state_[(i + kM) % kN] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  left_ = kN;
  next_ = 0;
}

uint32_t Generator::random() {
  if (--left_ == 0) twist();
  uint32_t y = state_[next_++];
  // Tempering.
  y ^= y >> 11;
  y ^= (y << 7) & 0x9D2C5680u;
  y ^= (y << 15) & 0xEFC60000u;
  y ^= y >> 18;
  return y;
}

uint64_t Generator::random64() {
  // Two separate statements: the order of the draws is the point.
  uint64_t hi = random();
  uint64_t lo = random();
  return (hi << 32) | lo;
}

double Generator::take_spare_normal() {
  has_spare_normal_ = false;
  return spare_normal_;
}

void Generator::set_spare_normal(double v) {
  spare_normal_ = v;
  has_spare_normal_ = true;
}

std::vector<uint8_t> Generator::get_state() const {
  std::vector<uint8_t> out(kStateBytes, 0);  // padding and unused fields are 0
  uint8_t* b = out.data();
  put<uint64_t>(b, kOffSeed, seed_);
  put<int32_t>(b, kOffLeft, left_);
  put<int32_t>(b, kOffSeeded, 1);
  put<uint64_t>(b, kOffNext, next_);
  for (int i = 0; i < kN; ++i) put<uint64_t>(b, kOffWords + 8 * i, state_[i]);
  put<double>(b, kOffNormalX, 0.0);
  put<double>(b, kOffNormalY, has_spare_normal_ ? spare_normal_ : 0.0);
  put<double>(b, kOffNormalRho, 0.0);
  put<int32_t>(b, kOffNormalValid, has_spare_normal_ ? 1 : 0);
  put<float>(b, kOffFloatSpare, has_spare_float_ ? spare_float_ : 0.0f);
  b[kOffFloatSpareValid] = has_spare_float_ ? 1 : 0;
  return out;
}

void Generator::set_state(const uint8_t* data, size_t n) {
  // Only the current layout: PyTorch 2.13 rejects its older 5048-byte one too.
  if (n != kStateBytes) {
    throw std::invalid_argument("Expected a CPUGeneratorImplState of size " + std::to_string(kStateBytes) +
                                " but found the input RNG state size to be " + std::to_string(n));
  }
  int32_t left = get<int32_t>(data, kOffLeft);
  int32_t seeded = get<int32_t>(data, kOffSeeded);
  // torch narrows `next` to 32 bits before validating it.
  uint32_t next = static_cast<uint32_t>(get<uint64_t>(data, kOffNext));
  if (seeded == 0 || left <= 0 || left > kN || next > static_cast<uint32_t>(kN)) {
    throw std::invalid_argument("Generator::set_state: invalid mt19937 state");
  }
  // torch's check lets through states whose next `left - 1` draws would read
  // past word 623 (undefined behaviour there); refuse them instead. Every
  // state torch itself produces has left + next == 625.
  if (static_cast<uint32_t>(left) + next > static_cast<uint32_t>(kN) + 1) {
    throw std::invalid_argument("Generator::set_state: inconsistent left/next");
  }

  // The spare normal is stored as is in normal_y (normal_x and normal_rho
  // are always written as 0 and ignored on reading).
  bool has_spare = get<int32_t>(data, kOffNormalValid) != 0;
  double spare = get<double>(data, kOffNormalY);
  bool has_float = data[kOffFloatSpareValid] != 0;
  float spare_float = has_float ? get<float>(data, kOffFloatSpare) : 0.0f;

  // Validated: now commit everything at once.
  seed_ = get<uint64_t>(data, kOffSeed);
  left_ = left;
  next_ = next;
  for (int i = 0; i < kN; ++i) {
    state_[i] = static_cast<uint32_t>(get<uint64_t>(data, kOffWords + 8 * i));
  }
  has_spare_normal_ = has_spare;
  spare_normal_ = has_spare ? spare : 0.0;
  has_spare_float_ = has_float;
  spare_float_ = spare_float;
}

Generator& default_generator() {
  // Function-local static: thread-safe initialisation, one per process.
  static Generator gen(Generator::kDefaultSeed);
  return gen;
}

}  // namespace ember
