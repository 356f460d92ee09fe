// check_rng: drives ember's generator and random kernels for comparison with
// PyTorch (tests/rng/compare.py feeds it the cases of tests/data/torch_rng.json).
//
// Build (from the repo root; -ffp-contract=off is required, see random_kernels.cpp):
//   g++ -O2 -std=c++17 -ffp-contract=off -Icsrc tests/rng/check_rng.cpp
//       csrc/ember/core/generator.cpp csrc/ember/ops/random_kernels.cpp -o /tmp/check_rng
//
// Usage:
//   check_rng --selftest      check the test vectors of RNG-NOTES section 11
//   check_rng                 read commands from stdin, one per line, and print
//                             one result line per command
//
// Commands (all use ember::default_generator()):
//   seed S                          manual_seed(S), S an unsigned 64-bit decimal
//   fresh                           manual_seed(kDefaultSeed), as a new Generator()
//   initial_seed                    -> S
//   raw32 N | raw64 N               -> N raw words
//   uniform f32|f64 N FROM TO       (FROM, TO: C floats, hex floats accepted)
//   normal f32|f64 N MEAN STD CONTIGUOUS(0|1)
//   randint i64|i32|f32|f64 N FROM RANGE
//   random_full_range N             random_(-2**63, None) on int64
//   random_full i64|i32|f32|f64 N
//   randperm N
//   bernoulli_scalar N P
//   bernoulli_f32 N P1 .. PN | bernoulli_f64 N P1 .. PN
//   get_state                       -> 5056 bytes as lowercase hex
//   set_state HEX
// Floats are printed with %a (exact; float32 values widened to double),
// integers in decimal. A failing command prints "error MESSAGE".
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/core/generator.h"
#include "ember/ops/random_kernels.h"

namespace er = ember::random;

namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}
std::string fmt(float v) { return fmt(static_cast<double>(v)); }
std::string fmt(int64_t v) { return std::to_string(v); }
std::string fmt(int32_t v) { return std::to_string(v); }
std::string fmt(uint64_t v) { return std::to_string(v); }
std::string fmt(uint8_t v) { return std::to_string(static_cast<int>(v)); }

template <typename T>
std::string join(const std::vector<T>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += fmt(v[i]);
  }
  return s;
}

double parse_double(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end) throw std::runtime_error("bad float: " + s);
  return v;
}
uint64_t parse_u64(const std::string& s) { return std::stoull(s); }
int64_t parse_i64(const std::string& s) { return std::stoll(s); }

std::string to_hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}
std::vector<uint8_t> from_hex(const std::string& s) {
  if (s.size() % 2) throw std::runtime_error("odd hex length");
  std::vector<uint8_t> b(s.size() / 2);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(std::stoi(s.substr(2 * i, 2), nullptr, 16));
  return b;
}

// Runs one command line, returns its result line.
std::string run_command(const std::string& line) {
  ember::Generator& g = ember::default_generator();
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  std::vector<std::string> a;
  for (std::string t; in >> t;) a.push_back(t);
  auto need = [&](size_t k) {
    if (a.size() < k) throw std::runtime_error("too few arguments for " + cmd);
  };
  std::lock_guard<std::mutex> lock(g.mutex());

  if (cmd == "seed") { need(1); g.manual_seed(parse_u64(a[0])); return "ok"; }
  if (cmd == "fresh") { g.manual_seed(ember::Generator::kDefaultSeed); return "ok"; }
  if (cmd == "initial_seed") return fmt(g.initial_seed());
  if (cmd == "raw32" || cmd == "raw64") {
    need(1);
    int64_t n = parse_i64(a[0]);
    std::vector<uint64_t> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(cmd == "raw32" ? g.random() : g.random64());
    return join(v);
  }
  if (cmd == "uniform" || cmd == "normal") {
    need(cmd == "uniform" ? 4 : 5);
    const std::string& dt = a[0];
    int64_t n = parse_i64(a[1]);
    double x = parse_double(a[2]), y = parse_double(a[3]);
    bool contiguous = cmd == "normal" ? a[4] != "0" : true;
    if (dt == "f32") {
      std::vector<float> v(n);
      if (cmd == "uniform") er::uniform_f32(g, v.data(), n, x, y);
      else er::normal_f32(g, v.data(), n, x, y, contiguous);
      return join(v);
    }
    if (dt == "f64") {
      std::vector<double> v(n);
      if (cmd == "uniform") er::uniform_f64(g, v.data(), n, x, y);
      else er::normal_f64(g, v.data(), n, x, y, contiguous);
      return join(v);
    }
    throw std::runtime_error("bad dtype " + dt);
  }
  if (cmd == "randint") {
    need(4);
    const std::string& dt = a[0];
    int64_t n = parse_i64(a[1]);
    int64_t from = parse_i64(a[2]);
    uint64_t range = parse_u64(a[3]);
    if (range == 0) throw std::runtime_error("range must be >= 1");
    if (dt == "i64") { std::vector<int64_t> v(n); er::random_range_i64(g, v.data(), n, from, range); return join(v); }
    if (dt == "i32") { std::vector<int32_t> v(n); er::random_range_i32(g, v.data(), n, from, range); return join(v); }
    if (dt == "f32") { std::vector<float> v(n); er::random_range_f32(g, v.data(), n, from, range); return join(v); }
    if (dt == "f64") { std::vector<double> v(n); er::random_range_f64(g, v.data(), n, from, range); return join(v); }
    throw std::runtime_error("bad dtype " + dt);
  }
  if (cmd == "random_full_range") {
    need(1);
    int64_t n = parse_i64(a[0]);
    std::vector<int64_t> v(n);
    er::random_full_range_i64(g, v.data(), n);
    return join(v);
  }
  if (cmd == "random_full") {
    need(2);
    const std::string& dt = a[0];
    int64_t n = parse_i64(a[1]);
    if (dt == "i64") { std::vector<int64_t> v(n); er::random_full_i64(g, v.data(), n); return join(v); }
    if (dt == "i32") { std::vector<int32_t> v(n); er::random_full_i32(g, v.data(), n); return join(v); }
    if (dt == "f32") { std::vector<float> v(n); er::random_full_f32(g, v.data(), n); return join(v); }
    if (dt == "f64") { std::vector<double> v(n); er::random_full_f64(g, v.data(), n); return join(v); }
    throw std::runtime_error("bad dtype " + dt);
  }
  if (cmd == "randperm") {
    need(1);
    int64_t n = parse_i64(a[0]);
    std::vector<int64_t> v(n > 0 ? n : 0);
    er::randperm_i64(g, v.data(), n);
    return join(v);
  }
  if (cmd == "bernoulli_scalar") {
    need(2);
    int64_t n = parse_i64(a[0]);
    std::vector<uint8_t> v(n);
    er::bernoulli_scalar(g, n, parse_double(a[1]), v.data());
    return join(v);
  }
  if (cmd == "bernoulli_f32" || cmd == "bernoulli_f64") {
    need(1);
    int64_t n = parse_i64(a[0]);
    need(1 + n);
    std::vector<uint8_t> v(n);
    if (cmd == "bernoulli_f32") {
      std::vector<float> p(n);
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(parse_double(a[1 + i]));
      er::bernoulli_tensor_f32(g, p.data(), v.data(), n);
    } else {
      std::vector<double> p(n);
      for (int64_t i = 0; i < n; ++i) p[i] = parse_double(a[1 + i]);
      er::bernoulli_tensor_f64(g, p.data(), v.data(), n);
    }
    return join(v);
  }
  if (cmd == "get_state") return to_hex(g.get_state());
  if (cmd == "set_state") {
    need(1);
    std::vector<uint8_t> b = from_hex(a[0]);
    g.set_state(b.data(), b.size());
    return "ok";
  }
  throw std::runtime_error("unknown command '" + cmd + "'");
}

// ---------------------------------------------------------------------------
// Self-test: the vectors of RNG-NOTES section 11.
// ---------------------------------------------------------------------------

int g_failures = 0;

void expect(const std::string& what, const std::string& got, const std::string& want) {
  bool ok = got == want;
  if (!ok) ++g_failures;
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  if (!ok) std::printf("   got:  %s\n   want: %s\n", got.c_str(), want.c_str());
}

// Runs a sequence of commands after seeding, returns the last command's output.
std::string after_seed(uint64_t seed, std::vector<std::string> cmds) {
  run_command("seed " + std::to_string(seed));
  std::string out;
  for (const std::string& c : cmds) out = run_command(c);
  return out;
}

// Formats decimal float32 literals the way check_rng prints float32 values.
std::string f32s(std::vector<float> v) { return join(v); }
std::string first_k(const std::string& line, int k) {
  std::istringstream in(line);
  std::string t, s;
  for (int i = 0; i < k && in >> t; ++i) s += (i ? " " : "") + t;
  return s;
}
std::string last_k(const std::string& line, int k) {
  std::istringstream in(line);
  std::vector<std::string> all;
  for (std::string t; in >> t;) all.push_back(t);
  std::string s;
  for (size_t i = all.size() - k; i < all.size(); ++i) s += (i + k == all.size() ? "" : " ") + all[i];
  return s;
}

int selftest() {
  expect("seed 0 raw random() x4", after_seed(0, {"raw32 4"}),
         "2357136044 2546248239 3071714933 3626093760");
  expect("seed 2**32+5 raw random() x4", after_seed((uint64_t{1} << 32) + 5, {"raw32 4"}),
         "953453411 236996814 3739766767 3570525885");
  expect("seed 0xDEADBEEFCAFEF00D raw random() x4", after_seed(0xDEADBEEFCAFEF00DULL, {"raw32 4"}),
         "3064114318 4128846693 3837868903 3435793583");
  expect("seed 0 rand(3)", after_seed(0, {"uniform f32 3 0 1"}),
         f32s({0x1.fc2ab0p-2f, 0x1.89545ep-1f, 0x1.6a6750p-4f}));
  expect("seed 42 rand(4)", after_seed(42, {"uniform f32 4 0 1"}),
         f32s({0.88226926f, 0.91500396f, 0.38286376f, 0.95930564f}));
  expect("seed 42 rand(3, float64)", after_seed(42, {"uniform f64 3 0 1"}),
         join(std::vector<double>{0x1.dc66cbea3db30p-5, 0.06291016742457756, 0.12358607277440903}));
  expect("seed 0 randn(3)", after_seed(0, {"normal f32 3 0 1 1"}),
         f32s({0x1.8a7eb8p+0f, -0x1.2c78a0p-2f, -0x1.16e292p+1f}));
  expect("seed 0 randn(3), randn(20), randn(1) = spare",
         after_seed(0, {"normal f32 3 0 1 1", "normal f32 20 0 1 1", "normal f32 1 0 1 1"}),
         f32s({0x1.23096cp-1f}));
  expect("seed 42 randn(4)", after_seed(42, {"normal f32 4 0 1 1"}),
         f32s({0.33669037f, 0.1288094f, 0.23446237f, 0.23033303f}));
  expect("seed 0 randn(16)[:2]", first_k(after_seed(0, {"normal f32 16 0 1 1"}), 2),
         f32s({-0x1.20370ap+0f, -0x1.270114p+0f}));
  expect("seed 42 randn(16)[:4]", first_k(after_seed(42, {"normal f32 16 0 1 1"}), 4),
         f32s({0x1.ed4a52p+0f, 1.4872841f, 0.9007172f, -0x1.0d81b6p+1f}));
  expect("seed 42 randn(17)[-4:]", last_k(after_seed(42, {"normal f32 17 0 1 1"}), 4),
         f32s({0x1.5618p-5f, -0.2515753f, 0.8598585f, -0.30972677f}));
  expect("seed 0 empty(16).normal_(0.25, 3.1)[:2]",
         first_k(after_seed(0, {"normal f32 16 0.25 3.1 1"}), 2),
         f32s({-0x1.9ebbb4p+1f, -0x1.a941aap+1f}));
  expect("seed 0 randn(16, float64)[:2]", first_k(after_seed(0, {"normal f64 16 0 1 1"}), 2),
         join(std::vector<double>{-0x1.27bb92e9262dcp+1, -0.3732508612577643}));
  expect("seed 0 randint(0, 10, (8,))", after_seed(0, {"randint i64 8 0 10"}), "4 9 3 0 3 9 7 3");
  expect("seed 0 randint(0, 2**28, (3,))", after_seed(0, {"randint i64 3 0 268435456"}),
         "130329135 136432832 195187451");
  expect("seed 0 empty(2, int64).random_()", after_seed(0, {"random_full i64 2"}),
         "900450186894289455 3969543146641149120");
  expect("seed 0 randperm(10)", after_seed(0, {"randperm 10"}), "4 1 7 5 3 9 0 8 6 2");
  expect("seed 0 empty(8).bernoulli_(0.5)", after_seed(0, {"bernoulli_scalar 8 0.5"}),
         "0 0 1 0 0 0 1 1");
  expect("seed 0 bernoulli(full((8,), 0.5)) float32 p",
         after_seed(0, {"bernoulli_f32 8 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5"}), "1 0 1 1 1 0 1 0");

  // nn.Linear(in, out): weight kaiming_uniform_(a=sqrt(5)), then bias.
  auto linear_bounds = [](double fan_in, double* w_bound, double* b_bound) {
    double a = std::sqrt(5.0);
    double gain = std::sqrt(2.0 / (1 + a * a));
    double std_ = gain / std::sqrt(fan_in);
    *w_bound = std::sqrt(3.0) * std_;
    *b_bound = 1 / std::sqrt(fan_in);
  };
  double wb, bb;
  linear_bounds(1, &wb, &bb);
  // Weight before bias: two statements, since the operands of + are unsequenced.
  std::string weight = after_seed(0, {"uniform f32 1 " + fmt(-wb) + " " + fmt(wb)});
  std::string bias = run_command("uniform f32 1 " + fmt(-bb) + " " + fmt(bb));
  expect("seed 0 nn.Linear(1, 1) weight, bias", weight + " " + bias,
         f32s({-0x1.eaa8p-8f, 0x1.12a8bcp-1f}));
  linear_bounds(784, &wb, &bb);
  expect("seed 0 nn.Linear(784, 128).weight[0, :2]",
         first_k(after_seed(0, {"uniform f32 100352 " + fmt(-wb) + " " + fmt(wb)}), 2),
         f32s({-0.00026738644f, 0x1.39e56ap-6f}));

  // RandomSampler: seed = random64() mod 2**63, then randperm on a fresh generator.
  std::string s = after_seed(0, {"random_full i64 1"});
  std::string order = after_seed(std::stoull(s), {"randperm 10"});
  expect("seed 0 RandomSampler(range(10))", s + " / " + order,
         "900450186894289455 / 6 9 0 7 3 5 4 2 1 8");

  std::printf("%d failure(s)\n", g_failures);
  return g_failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--selftest") return selftest();
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::string out;
    try {
      out = run_command(line);
    } catch (const std::exception& e) {
      out = std::string("error ") + e.what();
    }
    std::cout << out << '\n';
  }
  return 0;
}
