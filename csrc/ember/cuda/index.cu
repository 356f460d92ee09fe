// The CUDA kernels of advanced indexing's element offsets (index_offsets_stub) and
// nonzero (nonzero_stub); the elements then move with the gather/scatter kernel
// (nn_kernels.cu). See ops/index.cpp.
#include <vector>

#include "ember/cuda/loop.cuh"

namespace ember::cuda {
namespace {

// ---- advanced indexing: element offsets -------------------------------------------------------
// The index tensors by value, for the kernel's parameters.
struct IndexTable {
  int k = 0;
  const int64_t* idx[kMaxDims];
  int64_t size[kMaxDims], stride[kMaxDims];
};

// out[i] = sum_j wrap(idx_j[i]) * stride_j. status (nullptr: indices known to be in range): the first thread to
// find an index out of range claims status[0] and records the index and j in status[1], status[2].
__global__ void index_offsets_k(IndexTable t, int64_t n, int64_t* out, unsigned long long* status) {
  EMBER_GRID_LOOP(i, n) {
    int64_t off = 0;
    for (int j = 0; j < t.k; ++j) {
      const int64_t v = t.idx[j][i];
      if (status && (v < -t.size[j] || v >= t.size[j])) {
        if (atomicCAS(&status[0], 0ull, 1ull) == 0ull) {
          status[1] = static_cast<unsigned long long>(v);
          status[2] = static_cast<unsigned long long>(j);
        }
        off = 0;
        break;
      }
      off += (v < 0 ? v + t.size[j] : v) * t.stride[j];
    }
    out[i] = off;
  }
}

void cuda_index_offsets(const std::vector<Tensor>& indices, const std::vector<IndexDim>& dims, bool in_range,
                        const Tensor& offsets) {
  const int64_t n = offsets.numel();
  if (n == 0) return;
  EMBER_CHECK(int(indices.size()) <= kMaxDims, "indexing with more than ", kMaxDims,
              " tensor indices is not supported");
  IndexTable t;
  t.k = int(indices.size());
  for (int j = 0; j < t.k; ++j) {
    t.idx[j] = in_ptr<int64_t>(indices[j]);
    t.size[j] = dims[j].size;
    t.stride[j] = dims[j].stride;
  }
  const Device d = offsets.device();
  Tensor status = in_range ? Tensor() : empty({3}, ScalarType::Int64, d);
  auto* ps = out_ptr<unsigned long long>(status);
  DeviceGuard guard(d.index);
  cudaStream_t s = current_stream(d.index);
  if (ps) EMBER_CUDA_CHECK(cudaMemsetAsync(ps, 0, 3 * sizeof(int64_t), s));
  index_offsets_k<<<blocks_for(n), kThreads, 0, s>>>(t, n, out_ptr<int64_t>(offsets), ps);
  check_launch();
  if (in_range) return;
  // An index out of range raises as on the CPU (PyTorch's CUDA kernel asserts), at the cost of waiting here.
  int64_t host[3];
  read_back(host, ps, sizeof(host), d.index);
  if (host[0] == 0) return;
  const IndexDim& bad = dims[size_t(host[2])];
  throw_error(ErrorKind::Index, str("index ", host[1], " is out of bounds for dimension ", bad.dim, " with size ",
                                    bad.size));
}

// ---- nonzero: per-chunk counts, their running sum on the host, then each chunk's coordinates -----------
constexpr int64_t kNonzeroChunk = 4096;  // mask elements per block

__global__ void nonzero_count_k(const bool* mask, int64_t n, int64_t* counts) {
  __shared__ int64_t shared[kThreads];
  const int64_t lo = int64_t(blockIdx.x) * kNonzeroChunk, hi = min(n, lo + kNonzeroChunk);
  int64_t c = 0;
  for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) c += mask[i];
  c = block_reduce(c, shared, [](int64_t a, int64_t b) { return a + b; });
  if (threadIdx.x == 0) counts[blockIdx.x] = c;
}

struct Shape {
  int nd = 0;
  int64_t size[kMaxDims];
};

// Block b writes the coordinates of chunk b's true elements, in order, into rows starts[b]... of out (count, nd):
// the chunk in tiles of blockDim.x elements, each tile's true elements numbered by a scan across the block.
__global__ void nonzero_write_k(const bool* mask, int64_t n, const int64_t* starts, Shape s, int64_t* out) {
  __shared__ int64_t scan[kThreads];
  const int64_t lo = int64_t(blockIdx.x) * kNonzeroChunk, hi = min(n, lo + kNonzeroChunk);
  int64_t row = starts[blockIdx.x];
  for (int64_t tile = lo; tile < hi; tile += blockDim.x) {
    const int64_t i = tile + threadIdx.x;
    const bool hit = i < hi && mask[i];
    scan[threadIdx.x] = hit;
    __syncthreads();
    for (unsigned step = 1; step < blockDim.x; step <<= 1) {  // inclusive scan (Hillis-Steele)
      const int64_t before = threadIdx.x >= step ? scan[threadIdx.x - step] : 0;
      __syncthreads();
      scan[threadIdx.x] += before;
      __syncthreads();
    }
    if (hit) {
      int64_t* o = out + (row + scan[threadIdx.x] - 1) * s.nd;
      int64_t rem = i;
      for (int d = s.nd - 1; d >= 0; --d) {
        o[d] = rem % s.size[d];
        rem /= s.size[d];
      }
    }
    row += scan[blockDim.x - 1];
    __syncthreads();  // every thread has read the scan before the next tile overwrites it
  }
}

Tensor cuda_nonzero(const Tensor& mask) {
  const Device d = mask.device();
  const int64_t n = mask.numel(), nd = mask.dim();
  if (n == 0) return empty({0, nd}, ScalarType::Int64, d);
  EMBER_CHECK(nd <= kMaxDims, "nonzero: tensors with more than ", kMaxDims, " dimensions are not supported");
  const int64_t chunks = (n + kNonzeroChunk - 1) / kNonzeroChunk;
  Tensor starts = empty({chunks}, ScalarType::Int64, d);
  const bool* pm = in_ptr<bool>(mask);
  int64_t* ps = out_ptr<int64_t>(starts);
  DeviceGuard guard(d.index);
  cudaStream_t s = current_stream(d.index);
  nonzero_count_k<<<unsigned(chunks), kThreads, 0, s>>>(pm, n, ps);
  check_launch();
  // The output's size depends on the data: wait for the counts (PyTorch's nonzero synchronizes too).
  std::vector<int64_t> host(chunks);
  read_back(host.data(), ps, chunks * sizeof(int64_t), d.index);
  int64_t total = 0;
  for (int64_t& c : host) {  // counts -> each chunk's first row
    const int64_t count = c;
    c = total;
    total += count;
  }
  Tensor out = empty({total, nd}, ScalarType::Int64, d);
  if (total == 0 || nd == 0) return out;
  // From pageable memory the copy returns once the bytes are staged, so `host` may go when this returns.
  EMBER_CUDA_CHECK(cudaMemcpyAsync(ps, host.data(), chunks * sizeof(int64_t), cudaMemcpyHostToDevice, s));
  Shape shape;
  shape.nd = int(nd);
  for (int64_t k = 0; k < nd; ++k) shape.size[k] = mask.sizes()[k];
  nonzero_write_k<<<unsigned(chunks), kThreads, 0, s>>>(pm, n, ps, shape, out_ptr<int64_t>(out));
  check_launch();
  return out;
}

}  // namespace

void register_index_kernels() {
  index_offsets_stub.set(DeviceType::CUDA, cuda_index_offsets);
  nonzero_stub.set(DeviceType::CUDA, cuda_nonzero);
}

}  // namespace ember::cuda
