#pragma once
// Sizes and strides: a small vector of int64 stored inline for up to 6 dims,
// so that making a tensor of ordinary rank allocates nothing for its shape.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <ostream>
#include <type_traits>
#include <vector>

namespace ember {

class DimVector {
 public:
  static constexpr int kInline = 6;
  DimVector() = default;
  explicit DimVector(size_t n, int64_t v = 0) { resize(n, v); }
  DimVector(std::initializer_list<int64_t> il) { assign(il.begin(), il.end()); }
  DimVector(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  DimVector(It b, It e) { assign(b, e); }
  DimVector(const DimVector& o) { assign(o.begin(), o.end()); }
  DimVector& operator=(const DimVector& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  DimVector(DimVector&& o) noexcept { steal(o); }
  DimVector& operator=(DimVector&& o) noexcept {
    if (this != &o) { release(); steal(o); }
    return *this;
  }
  ~DimVector() { release(); }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t* data() { return heap_ ? heap_ : inline_; }
  const int64_t* data() const { return heap_ ? heap_ : inline_; }
  int64_t* begin() { return data(); }
  int64_t* end() { return data() + n_; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + n_; }
  int64_t& operator[](size_t i) { return data()[i]; }
  int64_t operator[](size_t i) const { return data()[i]; }
  int64_t& back() { return data()[n_ - 1]; }
  int64_t back() const { return data()[n_ - 1]; }

  void reserve(size_t n) {
    if (n <= cap()) return;
    int64_t* p = new int64_t[n];
    std::memcpy(p, data(), n_ * sizeof(int64_t));
    delete[] heap_;
    heap_ = p;
    heap_cap_ = n;
  }
  void resize(size_t n, int64_t v = 0) {
    reserve(n);
    for (size_t i = n_; i < n; ++i) data()[i] = v;
    n_ = n;
  }
  void push_back(int64_t v) {
    if (n_ == cap()) reserve(std::max<size_t>(2 * cap(), 8));
    data()[n_++] = v;
  }
  void insert(size_t pos, int64_t v) {
    push_back(0);
    int64_t* d = data();
    std::memmove(d + pos + 1, d + pos, (n_ - 1 - pos) * sizeof(int64_t));
    d[pos] = v;
  }
  void erase(size_t pos) {
    int64_t* d = data();
    std::memmove(d + pos, d + pos + 1, (n_ - 1 - pos) * sizeof(int64_t));
    --n_;
  }
  void pop_back() { --n_; }
  void clear() { n_ = 0; }
  template <typename It>
  void assign(It b, It e) {
    size_t n = static_cast<size_t>(std::distance(b, e));
    reserve(n);
    int64_t* d = data();
    for (size_t i = 0; i < n; ++i, ++b) d[i] = static_cast<int64_t>(*b);
    n_ = n;
  }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }
  bool operator==(const DimVector& o) const { return n_ == o.n_ && std::equal(begin(), end(), o.begin()); }
  bool operator!=(const DimVector& o) const { return !(*this == o); }

 private:
  size_t cap() const { return heap_ ? heap_cap_ : kInline; }
  void release() { delete[] heap_; heap_ = nullptr; n_ = 0; }
  void steal(DimVector& o) {
    n_ = o.n_;
    if (o.heap_) { heap_ = o.heap_; heap_cap_ = o.heap_cap_; o.heap_ = nullptr; }
    else std::memcpy(inline_, o.inline_, n_ * sizeof(int64_t));
    o.n_ = 0;
  }
  size_t n_ = 0;
  int64_t* heap_ = nullptr;
  size_t heap_cap_ = 0;
  int64_t inline_[kInline];
};

// "[2, 3]" — the form PyTorch's messages use for shapes
inline std::ostream& operator<<(std::ostream& os, const DimVector& v) {
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os << "]";
}

}  // namespace ember
