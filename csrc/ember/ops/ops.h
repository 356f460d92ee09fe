#pragma once
// The op library's public C++ API: every op ember has, callable from C++
// (ember's bindings and users' extensions alike). Each family's file holds
// the shape/dtype rules, the kernels and (with autograd) the backward.
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/mem_overlap.h"
#include "ember/core/promotion.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

using OptTensor = std::optional<Tensor>;
using Dims = std::vector<int64_t>;

// ---- factory.cpp ----------------------------------------------------------------------
EMBER_API Tensor zeros(const DimVector& sizes, ScalarType dtype, Device device = {});
EMBER_API Tensor ones(const DimVector& sizes, ScalarType dtype, Device device = {});
EMBER_API Tensor full(const DimVector& sizes, Scalar value, ScalarType dtype, Device device = {});
// A 0-d tensor of `value` for an op's scalar operand, range-checked as check_assignable.
EMBER_API Tensor scalar_tensor(Scalar value, ScalarType dtype, Device device = {});
EMBER_API Tensor arange(Scalar start, Scalar end, Scalar step, ScalarType dtype, Device device = {});
EMBER_API Tensor linspace(double start, double end, int64_t steps, ScalarType dtype, Device device = {});
EMBER_API Tensor eye(int64_t n, int64_t m, ScalarType dtype, Device device = {});
EMBER_API Tensor& fill_(Tensor& self, Scalar value);
// self[...] = value: fill_ with check_assignable's range check instead of check_convertible's.
EMBER_API Tensor& assign_scalar_(Tensor& self, Scalar value);
EMBER_API Tensor& zero_(Tensor& self);
// dst[...] = src, broadcasting src and converting its dtype.
EMBER_API Tensor& copy_(Tensor& dst, const Tensor& src);
EMBER_API Tensor to_dtype(const Tensor& self, ScalarType dtype, bool copy = false);
// self on `device` (index -1: the current one) in `dtype`; self when nothing changes and !copy.
EMBER_API Tensor to_device(const Tensor& self, Device device, ScalarType dtype, bool copy = false);
EMBER_API Tensor contiguous(const Tensor& self);
EMBER_API Tensor clone(const Tensor& self);

// ---- elementwise.cpp ------------------------------------------------------------------
enum class UnaryOp {
  Neg, Abs, Exp, Log, Log2, Log10, Log1p, Expm1, Sqrt, Rsqrt, Sin, Cos, Tan, Tanh, Sigmoid,
  Relu, Sign, Floor, Ceil, Round, Trunc, Reciprocal, Square, LogicalNot, Asin, Acos, Atan,
  Sinh, Cosh, Erf, Frac, NumOps
};
enum class BinaryOp {
  Add, Sub, Mul, Div, FloorDiv, TruncDiv, Remainder, Fmod, Pow, Maximum, Minimum, Atan2,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, BitAnd, BitOr, BitXor, NumOps
};
EMBER_API const char* op_name(UnaryOp op);
EMBER_API const char* op_name(BinaryOp op);

// An operand that is either a tensor or a Python number.
struct Operand {
  Operand(const Tensor& t) : tensor(t) {}
  Operand(Scalar s) : scalar(s), is_scalar(true) {}
  Tensor tensor;
  Scalar scalar;
  bool is_scalar = false;
};

EMBER_API Tensor unary(UnaryOp op, const Tensor& self, const OptTensor& out = std::nullopt);
EMBER_API Tensor& unary_(UnaryOp op, Tensor& self);
EMBER_API Tensor binary(BinaryOp op, const Operand& a, const Operand& b, const OptTensor& out = std::nullopt);
EMBER_API Tensor& binary_(BinaryOp op, Tensor& self, const Operand& other);

EMBER_API Tensor add(const Operand& a, const Operand& b, Scalar alpha = Scalar(int64_t(1)));
EMBER_API Tensor sub(const Operand& a, const Operand& b, Scalar alpha = Scalar(int64_t(1)));
EMBER_API Tensor& add_(Tensor& self, const Operand& b, Scalar alpha = Scalar(int64_t(1)));
EMBER_API Tensor& sub_(Tensor& self, const Operand& b, Scalar alpha = Scalar(int64_t(1)));
EMBER_API Tensor mul(const Operand& a, const Operand& b);
EMBER_API Tensor div(const Operand& a, const Operand& b);
EMBER_API Tensor pow(const Operand& a, const Operand& b);
EMBER_API Tensor relu(const Tensor& self);
EMBER_API Tensor sigmoid(const Tensor& self);
EMBER_API Tensor exp(const Tensor& self);
EMBER_API Tensor log(const Tensor& self);
EMBER_API Tensor neg(const Tensor& self);
EMBER_API Tensor where(const Tensor& cond, const Operand& a, const Operand& b);
// `grad_name` overrides the node name (clamp_min / clamp_max record ClampMin/MaxBackward0).
EMBER_API Tensor clamp(const Tensor& self, const std::optional<Operand>& min, const std::optional<Operand>& max,
                       const OptTensor& out = std::nullopt, const char* grad_name = nullptr);
EMBER_API Tensor& clamp_(Tensor& self, const std::optional<Operand>& min, const std::optional<Operand>& max);

// ---- reduce.cpp -----------------------------------------------------------------------
// `dims` empty means all dims.
EMBER_API Tensor sum(const Tensor& self, const Dims& dims = {}, bool keepdim = false,
                     std::optional<ScalarType> dtype = std::nullopt);
EMBER_API Tensor mean(const Tensor& self, const Dims& dims = {}, bool keepdim = false,
                      std::optional<ScalarType> dtype = std::nullopt);
EMBER_API Tensor prod(const Tensor& self, const Dims& dims = {}, bool keepdim = false,
                      std::optional<ScalarType> dtype = std::nullopt);
EMBER_API Tensor amax(const Tensor& self, const Dims& dims = {}, bool keepdim = false);
EMBER_API Tensor amin(const Tensor& self, const Dims& dims = {}, bool keepdim = false);
// max/min along one dim: (values, indices)
EMBER_API std::pair<Tensor, Tensor> max_dim(const Tensor& self, int64_t dim, bool keepdim = false);
EMBER_API std::pair<Tensor, Tensor> min_dim(const Tensor& self, int64_t dim, bool keepdim = false);
// max()/min() over all elements (PyTorch's MaxBackward1/MinBackward1).
EMBER_API Tensor max_all(const Tensor& self, bool is_max);
EMBER_API Tensor argmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
EMBER_API Tensor argmin(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
EMBER_API Tensor all(const Tensor& self, const Dims& dims = {}, bool keepdim = false);
EMBER_API Tensor any(const Tensor& self, const Dims& dims = {}, bool keepdim = false);
EMBER_API Tensor var(const Tensor& self, const Dims& dims = {}, double correction = 1, bool keepdim = false);
EMBER_API Tensor std_(const Tensor& self, const Dims& dims = {}, double correction = 1, bool keepdim = false);
EMBER_API Tensor norm(const Tensor& self, double p = 2, const Dims& dims = {}, bool keepdim = false);
EMBER_API Tensor logsumexp(const Tensor& self, const Dims& dims, bool keepdim = false);
EMBER_API Tensor cumsum(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

// ---- shape.cpp ------------------------------------------------------------------------
EMBER_API int64_t wrap_dim(int64_t dim, int64_t ndim);
EMBER_API DimVector broadcast_shapes(const DimVector& a, const DimVector& b);
EMBER_API Tensor view(const Tensor& self, const Dims& shape);
EMBER_API Tensor alias(const Tensor& self);
// view() of a fresh result, named as PyTorch names the reshape that ends a batched matmul
EMBER_API Tensor unsafe_view(const Tensor& self, const Dims& shape);  // a new tensor object viewing all of self (t[...])
EMBER_API Tensor reshape(const Tensor& self, const Dims& shape);
EMBER_API Tensor flatten(const Tensor& self, int64_t start_dim = 0, int64_t end_dim = -1);
EMBER_API Tensor unflatten(const Tensor& self, int64_t dim, const Dims& sizes);
EMBER_API Tensor squeeze(const Tensor& self, const std::optional<Dims>& dims = std::nullopt);
EMBER_API Tensor unsqueeze(const Tensor& self, int64_t dim);
EMBER_API Tensor transpose(const Tensor& self, int64_t d0, int64_t d1);
EMBER_API Tensor permute(const Tensor& self, const Dims& dims);
EMBER_API Tensor t(const Tensor& self);         // 2-D transpose (0-D/1-D returned as is)
EMBER_API Tensor mT(const Tensor& self);        // transpose of the last two dims
EMBER_API Tensor expand(const Tensor& self, const Dims& sizes);
EMBER_API Tensor broadcast_to(const Tensor& self, const DimVector& shape);
EMBER_API Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length);
EMBER_API Tensor select(const Tensor& self, int64_t dim, int64_t index);
EMBER_API Tensor slice(const Tensor& self, int64_t dim, std::optional<int64_t> start,
                       std::optional<int64_t> end, int64_t step);
EMBER_API std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim = 0);
EMBER_API std::vector<Tensor> split_with_sizes(const Tensor& self, const Dims& sizes, int64_t dim = 0);
EMBER_API std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim = 0);
EMBER_API std::vector<Tensor> unbind(const Tensor& self, int64_t dim = 0);
EMBER_API Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
EMBER_API Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
EMBER_API Tensor repeat(const Tensor& self, const Dims& repeats);
EMBER_API Tensor flip(const Tensor& self, const Dims& dims);
EMBER_API Tensor tril(const Tensor& self, int64_t diagonal = 0);
EMBER_API Tensor triu(const Tensor& self, int64_t diagonal = 0);
// A view with arbitrary geometry over self's storage (as_strided).
EMBER_API Tensor as_strided(const Tensor& self, const Dims& sizes, const Dims& strides,
                            std::optional<int64_t> offset = std::nullopt);

// ---- index.cpp ------------------------------------------------------------------------
struct TensorIndex {
  enum class Kind { Int, Slice, None, Ellipsis, Bool, Tensor } kind;
  int64_t integer = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  bool boolean = false;
  Tensor tensor;
};
EMBER_API Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices);
// self[indices] = value, or += value with accumulate (repeated positions add up).
EMBER_API void index_put_(Tensor& self, const std::vector<TensorIndex>& indices, const Operand& value,
                          bool accumulate = false);
// Tensor.index_put_(indices, values, accumulate) and index_put: tensor indices only, values in self's dtype.
EMBER_API Tensor& index_put_(Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);
EMBER_API Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                           bool accumulate);
EMBER_API Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
EMBER_API Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
EMBER_API Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Operand& src,
                         const std::string& reduce = "");
EMBER_API Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Operand& src,
                           const std::string& reduce = "");
EMBER_API Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
EMBER_API Tensor masked_fill(const Tensor& self, const Tensor& mask, const Operand& value);
EMBER_API Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Operand& value);
EMBER_API Tensor nonzero(const Tensor& self);
// nonzero(as_tuple=True) (and where(cond)): one index tensor per dim; a 0-d tensor counts as 1-d, as in PyTorch.
EMBER_API std::vector<Tensor> nonzero_tuple(const Tensor& self);
EMBER_API Tensor masked_select(const Tensor& self, const Tensor& mask);

// ---- sort.cpp: along one dim (-1 the last); ties, NaN (above every number) and indices as PyTorch's CPU ops ----
// (values, indices); stable keeps equal values in index order.
EMBER_API std::pair<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1, bool descending = false,
                                         bool stable = false);
EMBER_API Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) along dim, in order when `sorted`: (values, indices).
EMBER_API std::pair<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1, bool largest = true,
                                         bool sorted = true);
// The k-th smallest (k from 1) along dim: (values, indices).
EMBER_API std::pair<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim = -1, bool keepdim = false);
// The lower median along dim (NaN if the slice holds one): (values, indices).
EMBER_API std::pair<Tensor, Tensor> median_dim(const Tensor& self, int64_t dim, bool keepdim = false);
// The lower median of all elements (NaN if any is NaN, or if there are none).
EMBER_API Tensor median(const Tensor& self);
// (sorted unique values, inverse, counts), the last two undefined unless asked for; with `dim`, unique slices
// along it. CPU only; the values always come sorted, as on PyTorch's CPU.
EMBER_API std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool sorted = true, bool return_inverse = false,
                                                    bool return_counts = false,
                                                    std::optional<int64_t> dim = std::nullopt);
EMBER_API std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse = false,
                                                                bool return_counts = false,
                                                                std::optional<int64_t> dim = std::nullopt);

// ---- linalg.cpp -----------------------------------------------------------------------
EMBER_API Tensor matmul(const Tensor& a, const Tensor& b, const OptTensor& out = std::nullopt);
EMBER_API Tensor mm(const Tensor& a, const Tensor& b, const OptTensor& out = std::nullopt);
EMBER_API Tensor bmm(const Tensor& a, const Tensor& b, const OptTensor& out = std::nullopt);
EMBER_API Tensor dot(const Tensor& a, const Tensor& b);
EMBER_API Tensor outer(const Tensor& a, const Tensor& b);
EMBER_API void set_blas_num_threads(int n);
EMBER_API int get_blas_num_threads();

// ---- nn.cpp ---------------------------------------------------------------------------
EMBER_API Tensor softmax(const Tensor& self, int64_t dim);
EMBER_API Tensor log_softmax(const Tensor& self, int64_t dim);
// reduction: "none" | "mean" | "sum"
EMBER_API Tensor nll_loss(const Tensor& input, const Tensor& target, const OptTensor& weight,
                          const std::string& reduction, int64_t ignore_index);
EMBER_API Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b);
// beta * bias + alpha * (a @ b); beta = 0 ignores the bias's values (a NaN there does not propagate).
EMBER_API Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
EMBER_API Tensor linear(const Tensor& input, const Tensor& weight, const OptTensor& bias = std::nullopt);

// ---- pool.cpp: over the last two dims of (N, C, H, W) or (C, H, W) --------------------------
// kernel/stride/padding/dilation: one value or two (H, W); an empty stride means the kernel.
// Max ops return (values, int64 indices into each H*W plane).
EMBER_API std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Dims& kernel, const Dims& stride,
                                                            const Dims& padding, const Dims& dilation, bool ceil_mode);
EMBER_API Tensor avg_pool2d(const Tensor& input, const Dims& kernel, const Dims& stride, const Dims& padding,
                            bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override);
EMBER_API Tensor adaptive_avg_pool2d(const Tensor& input, const Dims& output_size);
EMBER_API std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Dims& output_size);
// (N, C, H, W) -> (N, C, *output_size); scales are the user's scale factors (PyTorch's source index formulas).
EMBER_API Tensor upsample_nearest2d(const Tensor& input, const Dims& output_size, std::optional<double> scale_h,
                                    std::optional<double> scale_w);
EMBER_API Tensor upsample_bilinear2d(const Tensor& input, const Dims& output_size, bool align_corners,
                                     std::optional<double> scale_h, std::optional<double> scale_w);

// ---- conv.cpp ---------------------------------------------------------------------------
// NCHW convolution via im2col + GEMM. stride/padding/dilation/output_padding take 1 or 2 values.
// input (N, C, H, W) or unbatched (C, H, W); weight (O, C/groups, kH, kW).
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight, const OptTensor& bias, const Dims& stride,
                        const Dims& padding, const Dims& dilation, int64_t groups);
// The input-gradient of conv2d: weight (C_in, C_out/groups, kH, kW).
EMBER_API Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const OptTensor& bias, const Dims& stride,
                                  const Dims& padding, const Dims& output_padding, int64_t groups,
                                  const Dims& dilation);

// ---- norm.cpp ---------------------------------------------------------------------------
// Batch normalization of (N, C, *) per channel; training uses (and moves the
// running stats by momentum towards) the batch statistics, else the running ones.
EMBER_API Tensor batch_norm(const Tensor& input, const OptTensor& weight, const OptTensor& bias,
                            const OptTensor& running_mean, const OptTensor& running_var, bool training,
                            double momentum, double eps);
// Group normalization of (N, C, *): each sample's G groups of C/G channels normalized over
// those channels and the other dims, then weight * . + bias per channel.
EMBER_API Tensor group_norm(const Tensor& input, int64_t num_groups, const OptTensor& weight, const OptTensor& bias,
                            double eps);

// ---- random.cpp -----------------------------------------------------------------------
EMBER_API Tensor& uniform_(Tensor& self, double from, double to, Generator* gen = nullptr);
EMBER_API Tensor& normal_(Tensor& self, double mean, double std, Generator* gen = nullptr);
EMBER_API Tensor& random_(Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to,
                          Generator* gen = nullptr);
EMBER_API Tensor& bernoulli_(Tensor& self, double p, Generator* gen = nullptr);
EMBER_API Tensor& exponential_(Tensor& self, double lambd = 1.0, Generator* gen = nullptr);
// num_samples category indices per row of a 1-D or 2-D tensor of (unnormalized) probabilities, int64.
EMBER_API Tensor multinomial(const Tensor& self, int64_t num_samples, bool replacement = false,
                             Generator* gen = nullptr);
EMBER_API Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
EMBER_API Tensor randperm(int64_t n, ScalarType dtype, Generator* gen = nullptr, Device device = {});

// ---- rearrange.cpp: element moves built from views and copies -------------------------
// dims nullopt (or empty): self flattened, rolled, and given its shape back.
EMBER_API Tensor roll(const Tensor& self, const Dims& shifts, const std::optional<Dims>& dims = std::nullopt);
EMBER_API Tensor diagonal(const Tensor& self, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);  // a view
EMBER_API Tensor diag(const Tensor& self, int64_t diagonal = 0);
// repeat_interleave(repeats): each index i repeated repeats[i] times.
EMBER_API Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size = std::nullopt);
EMBER_API Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim,
                                   std::optional<int64_t> output_size = std::nullopt);
EMBER_API Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim,
                                   std::optional<int64_t> output_size = std::nullopt);
EMBER_API Tensor diff(const Tensor& self, int64_t n = 1, int64_t dim = -1, const OptTensor& prepend = std::nullopt,
                      const OptTensor& append = std::nullopt);
// In-place view ops: self's own sizes/strides change (its version too).
EMBER_API Tensor& squeeze_(Tensor& self, const std::optional<Dims>& dims = std::nullopt);
EMBER_API Tensor& unsqueeze_(Tensor& self, int64_t dim);
EMBER_API Tensor& t_(Tensor& self);
EMBER_API Tensor& transpose_(Tensor& self, int64_t d0, int64_t d1);
EMBER_API Tensor& resize_(Tensor& self, const Dims& sizes);

// ---- nonfinite.cpp -----------------------------------------------------------------------
EMBER_API Tensor isnan(const Tensor& self);
EMBER_API Tensor isinf(const Tensor& self);
EMBER_API Tensor isposinf(const Tensor& self);
EMBER_API Tensor isneginf(const Tensor& self);
EMBER_API Tensor isfinite(const Tensor& self);
EMBER_API Tensor nan_to_num(const Tensor& self, std::optional<double> nan = std::nullopt,
                            std::optional<double> posinf = std::nullopt, std::optional<double> neginf = std::nullopt);
EMBER_API Tensor& nan_to_num_(Tensor& self, std::optional<double> nan = std::nullopt,
                              std::optional<double> posinf = std::nullopt,
                              std::optional<double> neginf = std::nullopt);

// ---- range.cpp (with arange, linspace above) -----------------------------------------------
EMBER_API Tensor logspace(double start, double end, int64_t steps, double base, ScalarType dtype, Device device = {});

}  // namespace ember
