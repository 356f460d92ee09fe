// Sorting and selection along a dim: sort/argsort, topk, kthvalue, median,
// unique and unique_consecutive.
//
// Ties. PyTorch's CPU kernels sort each row as (value, index) pairs with the
// C++ standard library (std::sort, std::stable_sort, std::nth_element,
// std::partial_sort) under comparators that put NaN above every number. The
// library's algorithms make the same moves for the same comparisons, so ember
// calls the same algorithms on the same pairs and returns, for equal values,
// the indices torch 2.13 returns (tests/record_torch_sort.py records them).
// kthvalue is a quickselect (median-of-three pivot, Sedgewick's partition)
// followed step by step, as its tie order depends on every swap.
//
// Every op works on the rows of a contiguous (rows, n) copy with `dim` moved
// last; the CPU kernels sit behind sort_stub/topk_stub/select_stub (stubs.h).
// A device with no kernel of its own (CUDA, for now) has its rows sorted on the
// CPU and the results copied back (run_rows), so a script that takes the top-k
// of CUDA logits still runs, at the price of two copies and a wait.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

#include "ember/autograd/autograd.h"
#include "ember/cpu/parallel.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// The type rows are compared in: float16/bfloat16 as float32 (the same order).
template <typename T>
using key_type = std::conditional_t<is_reduced_float_v<T>, float, T>;
template <typename K>
using Entry = std::pair<K, int64_t>;

template <typename K>
inline bool is_nan(K v) {
  if constexpr (std::is_floating_point_v<K>) return v != v;
  else return false;
}
// PyTorch's orders: NaN is larger than every number (and equal to NaN).
template <typename K>
struct Ascending {
  bool operator()(const Entry<K>& a, const Entry<K>& b) const {
    return (!is_nan(a.first) && is_nan(b.first)) || a.first < b.first;
  }
};
template <typename K>
struct Descending {
  bool operator()(const Entry<K>& a, const Entry<K>& b) const {
    return (is_nan(a.first) && !is_nan(b.first)) || a.first > b.first;
  }
};

template <typename T>
void load_row(const T* row, int64_t n, std::vector<Entry<key_type<T>>>& q) {
  q.resize(size_t(n));
  for (int64_t j = 0; j < n; ++j) q[size_t(j)] = {key_type<T>(row[j]), j};
}

int64_t rows_grain(int64_t n) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)); }

// The row loop of sort and topk: each row of x (n entries) is loaded as (key, index) entries, put in
// order by order(q), and its first m entries are written to the row of values and indices.
template <typename T, typename Order>
void order_rows(const Tensor& x, int64_t rows, int64_t n, int64_t m, const Tensor& values, const Tensor& indices,
                Order order) {
  const T* px = x.data_ptr<T>();
  T* pv = values.data_ptr<T>();
  int64_t* pi = indices.data_ptr<int64_t>();
  parallel_for(0, rows, rows_grain(n), [&](int64_t r0, int64_t r1) {
    std::vector<Entry<key_type<T>>> q;
    for (int64_t r = r0; r < r1; ++r) {
      load_row(px + r * n, n, q);
      order(q);
      for (int64_t j = 0; j < m; ++j) {
        pv[r * m + j] = T(q[size_t(j)].first);
        pi[r * m + j] = q[size_t(j)].second;
      }
    }
  });
}

void cpu_sort(const Tensor& x, int64_t rows, int64_t n, bool descending, bool stable, const Tensor& values,
              const Tensor& indices) {
  EMBER_DISPATCH_ALL_AND_HALF(x.dtype(), "sort", [&] {
    using K = key_type<scalar_t>;
    order_rows<scalar_t>(x, rows, n, n, values, indices, [&](std::vector<Entry<K>>& q) {
      if (descending) {
        if (stable) std::stable_sort(q.begin(), q.end(), Descending<K>());
        else std::sort(q.begin(), q.end(), Descending<K>());
      } else {
        if (stable) std::stable_sort(q.begin(), q.end(), Ascending<K>());
        else std::sort(q.begin(), q.end(), Ascending<K>());
      }
    });
  });
}

// PyTorch's topk: a partial sort when k is small next to n, else nth_element and (if sorted) a sort of the k - 1
// entries before the k-th.
template <typename K, typename Cmp>
void select_k(std::vector<Entry<K>>& q, int64_t k, bool sorted, Cmp cmp) {
  if (k * 64 <= int64_t(q.size())) {
    std::partial_sort(q.begin(), q.begin() + k, q.end(), cmp);
  } else {
    std::nth_element(q.begin(), q.begin() + (k - 1), q.end(), cmp);
    if (sorted) std::sort(q.begin(), q.begin() + (k - 1), cmp);
  }
}

void cpu_topk(const Tensor& x, int64_t rows, int64_t n, int64_t k, bool largest, bool sorted, const Tensor& values,
              const Tensor& indices) {
  if (k == 0) return;
  EMBER_DISPATCH_NUMERIC_AND_HALF(x.dtype(), "topk", [&] {
    using K = key_type<scalar_t>;
    order_rows<scalar_t>(x, rows, n, k, values, indices, [&](std::vector<Entry<K>>& q) {
      if (largest) select_k(q, k, sorted, Descending<K>());
      else select_k(q, k, sorted, Ascending<K>());
    });
  });
}

// The k-th smallest (0-based) of v by quickselect: median of three of the ends and the middle as pivot, then
// Sedgewick's partition scanning from both ends (PyTorch's kthvalue; its tie order is this algorithm's).
template <typename K>
void quickselect(std::vector<Entry<K>>& v, int64_t k) {
  auto gt = [](K a, K b) { return (is_nan(a) && !is_nan(b)) || a > b; };
  auto swap = [&](int64_t a, int64_t b) { std::swap(v[size_t(a)], v[size_t(b)]); };
  auto at = [&](int64_t i) { return v[size_t(i)].first; };
  int64_t lo = 0, hi = int64_t(v.size()) - 1;
  while (hi > lo) {
    if (hi == lo + 1) {
      if (gt(at(lo), at(hi))) swap(lo, hi);
      return;
    }
    swap((lo + hi) >> 1, lo + 1);  // order v[lo+1] <= v[lo] <= v[hi]: v[lo] is the pivot and both ends sentinels
    if (gt(at(lo + 1), at(hi))) swap(lo + 1, hi);
    if (gt(at(lo), at(hi))) swap(lo, hi);
    if (gt(at(lo + 1), at(lo))) swap(lo + 1, lo);
    const K pivot = at(lo);
    int64_t i = lo + 1, j = hi;
    for (;;) {
      do ++i; while (gt(pivot, at(i)));
      do --j; while (gt(at(j), pivot));
      if (j < i) break;
      swap(i, j);
    }
    swap(lo, j);
    if (j <= k) lo = i;
    if (j >= k) hi = j - 1;
  }
}

// One value and index per row: the k-th smallest (kthvalue), or the lower median with ties in index order and
// the first NaN, if any, winning (median(dim)).
void cpu_select(const Tensor& x, int64_t rows, int64_t n, int64_t k, bool median, const Tensor& values,
                const Tensor& indices) {
  EMBER_DISPATCH_NUMERIC_AND_HALF(x.dtype(), median ? "median" : "kthvalue", [&] {
    using T = scalar_t;
    using K = key_type<T>;
    const T* px = x.data_ptr<T>();
    T* pv = values.data_ptr<T>();
    int64_t* pi = indices.data_ptr<int64_t>();
    parallel_for(0, rows, rows_grain(n), [&](int64_t r0, int64_t r1) {
      std::vector<Entry<K>> q;
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = px + r * n;
        int64_t pick = -1;
        if (median) {
          for (int64_t j = 0; j < n && pick < 0; ++j)
            if (is_nan(K(row[j]))) pick = j;
          if (pick < 0) {
            load_row(row, n, q);
            auto value_then_index = [](const Entry<K>& a, const Entry<K>& b) {
              return a.first < b.first || (a.first == b.first && a.second < b.second);
            };
            std::nth_element(q.begin(), q.begin() + (n - 1) / 2, q.end(), value_then_index);
            pick = q[size_t((n - 1) / 2)].second;
          }
        } else {
          load_row(row, n, q);
          quickselect(q, k);
          pick = q[size_t(k)].second;
        }
        pv[r] = row[pick];
        pi[r] = pick;
      }
    });
  });
}

}  // namespace
DispatchStub<SortFn> sort_stub("sort");
DispatchStub<TopkFn> topk_stub("topk");
DispatchStub<SelectFn> select_stub("kthvalue/median");
namespace {
const bool sort_registered = [] {
  sort_stub.set(DeviceType::CPU, cpu_sort);
  topk_stub.set(DeviceType::CPU, cpu_topk);
  select_stub.set(DeviceType::CPU, cpu_select);
  return true;
}();

// Runs kernel(x, values, indices) from `stub` for x's device; a device without one runs the CPU kernel on copies.
template <typename Fn, typename Call>
void run_rows(const DispatchStub<Fn>& stub, const Tensor& x, Tensor& values, Tensor& indices, Call call) {
  if (x.device().is_cpu() || stub.table[int(x.device().type)]) return call(stub[x.device()], x, values, indices);
  Tensor v = empty(values.sizes(), values.dtype()), i = empty(indices.sizes(), ScalarType::Int64);
  call(stub[Device{}], to_device(x, Device{}, x.dtype()), v, i);
  values = to_device(v, x.device(), v.dtype());
  indices = to_device(i, x.device(), ScalarType::Int64);
}

// self with `dim` moved last, as a contiguous (rows, n) tensor; `moved` gets its shape before flattening.
Tensor rows_of(const Tensor& self, int64_t dim, DimVector& moved) {
  Dims perm;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (d != dim) perm.push_back(d);
  if (self.dim() > 0) perm.push_back(dim);
  Tensor x = contiguous(permute(self, perm));
  moved = x.sizes();
  return x;
}

// A result of rows_of's rows, m values each, back in self's layout: the shape `moved` with its last size m,
// then `dim` moved back.
Tensor unrows(const Tensor& r, DimVector moved, int64_t dim) {
  if (moved.empty()) return view(r, {});
  moved[moved.size() - 1] = r.sizes()[r.dim() - 1];
  Tensor t = view(r, moved.vec());
  Dims perm;
  const int64_t nd = int64_t(moved.size());
  for (int64_t d = 0; d < nd; ++d) perm.push_back(d < dim ? d : d == dim ? nd - 1 : d - 1);
  return contiguous(permute(t, perm));
}

// The gradient of an op whose outputs pick input elements (values = self.gather(dim, indices)).
void record_pick(const char* name, const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim,
                 bool keepdim) {
  if (!(grad_enabled() && requires_grad(self))) return;
  DimVector in = self.sizes();
  record(name, {&self}, values, [in, dim, keepdim, I = SavedTensor(indices, false)](Node* n,
                                                                                     const std::vector<Tensor>& g) {
    if (in.empty()) return std::vector<Tensor>{g[0]};
    Tensor idx = I.unpack(n), gv = g[0];
    if (!keepdim) {
      idx = unsqueeze(idx, dim);
      gv = unsqueeze(gv, dim);
    }
    return std::vector<Tensor>{scatter(zeros(in, gv.dtype(), gv.device()), dim, idx, Operand(gv))};
  });
}

std::pair<Tensor, Tensor> sort_impl(const Tensor& self, int64_t dim, bool descending, bool stable) {
  dim = wrap_dim(dim, self.dim());
  const int64_t n = self.dim() == 0 ? 1 : self.sizes()[dim];
  DimVector moved;
  Tensor x = rows_of(self, dim, moved);
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  Tensor values = empty(x.sizes(), x.dtype(), x.device()), indices = empty(x.sizes(), ScalarType::Int64, x.device());
  if (x.numel() == 0) return {unrows(values, moved, dim), unrows(indices, moved, dim)};
  if (self.dim() > 0 && self.strides()[dim] == 0) {
    // PyTorch leaves an expanded dim (all values equal) as it is: indices 0..n-1, not the sort's tie order
    copy_(values, x);
    copy_(indices, expand(arange(Scalar(int64_t(0)), Scalar(n), Scalar(int64_t(1)), ScalarType::Int64, x.device()),
                          x.sizes().vec()));
  } else {
    // PyTorch sorts a long 1-D integer tensor in ascending order with a radix sort, which is stable
    const bool radix = self.dim() == 1 && !descending && n >= kGrainSize &&
                       (self.dtype() == ScalarType::Int64 || self.dtype() == ScalarType::Int32);
    run_rows(sort_stub, x, values, indices, [&](SortFn f, const Tensor& xs, const Tensor& v, const Tensor& i) {
      f(xs, rows, n, descending, stable || radix, v, i);
    });
  }
  return {unrows(values, moved, dim), unrows(indices, moved, dim)};
}

}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending, bool stable) {
  std::pair<Tensor, Tensor> r;
  {
    GradModeGuard no_grad(false);
    r = sort_impl(self, dim, descending, stable);
  }
  record_pick(stable ? "SortBackward1" : "SortBackward0", self, r.first, r.second, wrap_dim(dim, self.dim()), true);
  return r;
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending, bool stable) {
  GradModeGuard no_grad(false);
  return sort_impl(self, dim, descending, stable).second;
}

std::pair<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  dim = wrap_dim(dim, self.dim());
  const int64_t n = self.dim() == 0 ? 1 : self.sizes()[dim];
  EMBER_CHECK(k >= 0 && k <= n, "selected index k out of range");
  EMBER_CHECK(self.dtype() != ScalarType::Bool || !self.device().is_cpu(), "topk does not support bool dtypes on CPU");
  std::pair<Tensor, Tensor> r;
  {
    GradModeGuard no_grad(false);
    DimVector moved;
    Tensor x = rows_of(self, dim, moved);
    const int64_t rows = n == 0 ? 0 : x.numel() / n;
    DimVector out = x.sizes();
    if (!out.empty()) out[out.size() - 1] = k;
    Tensor values = empty(out, x.dtype(), x.device()), indices = empty(out, ScalarType::Int64, x.device());
    if (self.dim() == 0) {  // PyTorch returns the element itself for k = 0 too
      copy_(values, x);
      zero_(indices);
    } else if (rows > 0 && k > 0) {
      run_rows(topk_stub, x, values, indices, [&](TopkFn f, const Tensor& xs, const Tensor& v, const Tensor& i) {
        f(xs, rows, n, k, largest, sorted, v, i);
      });
    }
    r = {unrows(values, moved, dim), unrows(indices, moved, dim)};
  }
  record_pick("TopkBackward0", self, r.first, r.second, dim, true);
  return r;
}

namespace {
std::pair<Tensor, Tensor> select_dim(const Tensor& self, int64_t k, int64_t dim, bool keepdim, bool median,
                                     const char* grad_name) {
  dim = wrap_dim(dim, self.dim());
  const char* name = median ? "median" : "kthvalue";
  EMBER_CHECK_KIND(NotImplemented, self.dtype() != ScalarType::Bool, "\"", name, "_cpu\" not implemented for 'Bool'");
  const int64_t n = self.dim() == 0 ? 1 : self.sizes()[dim];
  EMBER_CHECK_INDEX(n > 0, name, "(): Expected reduction dim ", dim, " to have non-zero size.");
  EMBER_CHECK(median || (k >= 1 && k <= n), "kthvalue(): selected number k out of range for dimension ", dim);
  std::pair<Tensor, Tensor> r;
  {
    GradModeGuard no_grad(false);
    DimVector moved;
    Tensor x = rows_of(self, dim, moved);
    const int64_t rows = n == 0 ? 0 : x.numel() / n;
    DimVector out = x.sizes();
    if (!out.empty()) out[out.size() - 1] = 1;
    Tensor values = empty(out, x.dtype(), x.device()), indices = empty(out, ScalarType::Int64, x.device());
    if (rows > 0)
      run_rows(select_stub, x, values, indices, [&](SelectFn f, const Tensor& xs, const Tensor& v, const Tensor& i) {
        f(xs, rows, n, k - 1, median, v, i);
      });
    r = {unrows(values, moved, dim), unrows(indices, moved, dim)};
    if (!keepdim && self.dim() > 0) r = {squeeze(r.first, Dims{dim}), squeeze(r.second, Dims{dim})};
  }
  record_pick(grad_name, self, r.first, r.second, dim, keepdim);
  return r;
}
}  // namespace

std::pair<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  return select_dim(self, k, dim, keepdim, false, "KthvalueBackward0");
}

std::pair<Tensor, Tensor> median_dim(const Tensor& self, int64_t dim, bool keepdim) {
  return select_dim(self, 0, dim, keepdim, true, "MedianBackward1");
}

Tensor median(const Tensor& self) {
  EMBER_CHECK_KIND(NotImplemented, self.dtype() != ScalarType::Bool, "\"median_cpu\" not implemented for 'Bool'");
  Tensor out;
  {
    GradModeGuard no_grad(false);
    if (self.numel() == 0) {  // NaN; as an integer, what x86 makes of NaN: the type's lowest value
      const Scalar nan = is_floating(self.dtype()) ? Scalar(double(NAN))
                         : Scalar(self.dtype() == ScalarType::Int32 ? int64_t(INT32_MIN) : INT64_MIN);
      return full({}, nan, self.dtype(), self.device());
    }
    out = view(select_dim(reshape(self, {-1}), 0, 0, false, true, "").first, {});
  }
  if (grad_enabled() && requires_grad(self)) {
    // As PyTorch: the gradient is shared evenly by the elements equal to the median (the NaNs if it is NaN).
    record("MedianBackward0", {&self}, out,
           [X = SavedTensor(self, false), Y = SavedTensor(out, true)](Node* n, const std::vector<Tensor>& g) {
             Tensor x = X.unpack(n), y = Y.unpack(n);
             Tensor both_nan = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Ne, x, Operand(x)),
                                      binary(BinaryOp::Ne, y, Operand(y)));
             Tensor hit = binary(BinaryOp::LogicalOr, binary(BinaryOp::Eq, x, Operand(y)), both_nan);
             Tensor mask = to_dtype(hit, g[0].dtype());
             return std::vector<Tensor>{mul(mask, div(g[0], sum(mask)))};
           });
  }
  return out;
}

// ---- unique ------------------------------------------------------------------------
namespace {

// The groups of equal consecutive rows of a contiguous (m, w) tensor taken in `order` (m row numbers): for each
// row its group, and each group's first row in `order` and its size. Equal means every element ==, so a NaN is
// never equal to anything.
struct Groups {
  std::vector<int64_t> group_of, first, count;
};
Groups group_rows(const Tensor& x, int64_t m, int64_t w, const std::vector<int64_t>& order) {
  Groups gr;
  gr.group_of.resize(size_t(m));
  EMBER_DISPATCH_ALL_AND_HALF(x.dtype(), "unique", [&] {
    using K = key_type<scalar_t>;
    const scalar_t* p = x.data_ptr<scalar_t>();
    auto same = [&](int64_t a, int64_t b) {
      for (int64_t c = 0; c < w; ++c)
        if (!(K(p[a * w + c]) == K(p[b * w + c]))) return false;
      return true;
    };
    for (int64_t i = 0; i < m; ++i) {
      const int64_t row = order[size_t(i)];
      if (i == 0 || !same(order[size_t(i - 1)], row)) {
        gr.first.push_back(row);
        gr.count.push_back(0);
      }
      gr.group_of[size_t(row)] = int64_t(gr.first.size()) - 1;
      ++gr.count.back();
    }
  });
  return gr;
}

// The rows of a contiguous (m, w) tensor in ascending lexicographic order (NaN above every number), ties in
// row order.
std::vector<int64_t> sorted_rows(const Tensor& x, int64_t m, int64_t w) {
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  EMBER_DISPATCH_ALL_AND_HALF(x.dtype(), "unique", [&] {
    using K = key_type<scalar_t>;
    const scalar_t* p = x.data_ptr<scalar_t>();
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      for (int64_t c = 0; c < w; ++c) {
        const Entry<K> u{K(p[a * w + c]), 0}, v{K(p[b * w + c]), 0};
        if (Ascending<K>()(u, v)) return true;
        if (Ascending<K>()(v, u)) return false;
      }
      return false;
    });
  });
  return order;
}

Tensor int64_tensor(const std::vector<int64_t>& v, const DimVector& shape) {
  Tensor t = empty(shape, ScalarType::Int64);
  std::copy(v.begin(), v.end(), t.data_ptr<int64_t>());
  return t;
}

// unique / unique_consecutive over whole slices along `dim` (all elements, flattened, when dim is none).
std::tuple<Tensor, Tensor, Tensor> unique_impl(const Tensor& self, bool consecutive, std::optional<int64_t> dim) {
  GradModeGuard no_grad(false);
  if (!self.device().is_cpu()) {  // found on the CPU (the output's size needs the values there anyway)
    auto [u, i, c] = unique_impl(to_device(self, Device{}, self.dtype()), consecutive, dim);
    const Device d = self.device();
    return {to_device(u, d, u.dtype()), to_device(i, d, i.dtype()), to_device(c, d, c.dtype())};
  }
  Tensor out, inverse, counts;
  if (!dim) {
    Tensor flat = contiguous(reshape(self, {-1}));
    const int64_t m = flat.numel();
    std::vector<int64_t> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), 0);
    if (!consecutive && m > 0) {
      Tensor idx = sort_impl(flat, 0, false, true).second;
      std::copy_n(idx.data_ptr<int64_t>(), m, order.begin());
    }
    Groups gr = group_rows(flat, m, 1, order);
    out = index_select(flat, 0, int64_tensor(gr.first, {int64_t(gr.first.size())}));
    inverse = int64_tensor(gr.group_of, self.sizes());
    counts = int64_tensor(gr.count, {int64_t(gr.count.size())});
  } else {
    EMBER_CHECK_INDEX(self.dim() > 0, "Dimension specified as ", *dim, " but tensor has no dimensions");
    const int64_t d = wrap_dim(*dim, self.dim());
    if (self.numel() == 0) {
      int64_t zero_dims = 0;
      for (int64_t s : self.sizes()) zero_dims += s == 0;
      EMBER_CHECK(zero_dims == 1, "Number of zero sized dimensions is more than one, so unique cannot be applied ");
      EMBER_CHECK(self.sizes()[d] == 0, "There are 0 sized dimensions, and they aren't selected, so unique cannot "
                  "be applied");
      return {empty(self.sizes(), self.dtype()), empty({0}, ScalarType::Int64), empty({0}, ScalarType::Int64)};
    }
    const int64_t m = self.sizes()[d];
    Dims front{d};
    for (int64_t k = 0; k < self.dim(); ++k)
      if (k != d) front.push_back(k);
    Tensor slices = contiguous(reshape(permute(self, front), {m, -1}));
    const int64_t w = slices.numel() / m;
    std::vector<int64_t> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), 0);
    if (!consecutive) order = sorted_rows(slices, m, w);
    Groups gr = group_rows(slices, m, w, order);
    Tensor firsts = int64_tensor(gr.first, {int64_t(gr.first.size())});
    out = contiguous(index_select(self, d, firsts));
    inverse = int64_tensor(gr.group_of, {m});
    counts = int64_tensor(gr.count, {int64_t(gr.count.size())});
  }
  return {out, inverse, counts};
}

// unique has no derivative in PyTorch: its output requires grad, and backward through it raises.
void record_no_derivative(const char* node, const char* op, const Tensor& self, const Tensor& out) {
  if (!(grad_enabled() && requires_grad(self) && is_floating(out.dtype()))) return;
  record(node, {&self}, out, [op](Node*, const std::vector<Tensor>&) -> std::vector<Tensor> {
    throw_error(ErrorKind::NotImplemented, str("the derivative for '", op, "' is not implemented."));
  }, false);
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool sorted, bool return_inverse, bool return_counts,
                                          std::optional<int64_t> dim) {
  (void)sorted;  // PyTorch's CPU unique sorts either way
  auto r = unique_impl(self, false, dim);
  record_no_derivative(dim ? "UniqueDimBackward0" : "Unique2Backward0", dim ? "unique_dim" : "_unique2", self,
                       std::get<0>(r));
  return {std::get<0>(r), return_inverse ? std::get<1>(r) : Tensor(), return_counts ? std::get<2>(r) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse, bool return_counts,
                                                      std::optional<int64_t> dim) {
  auto r = unique_impl(self, true, dim);
  record_no_derivative("UniqueConsecutiveBackward0", "unique_consecutive", self, std::get<0>(r));
  return {std::get<0>(r), return_inverse ? std::get<1>(r) : Tensor(), return_counts ? std::get<2>(r) : Tensor()};
}

}  // namespace ember
