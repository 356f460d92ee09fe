// ember._C_cuda: the CUDA backend as a Python extension module. Importing it
// (ember.cuda does, on first use) loads libcudart; `_init()` fills the core's
// CUDA slots: allocator, kernels, cuBLAS GEMM, cross-device copies. The rest
// is the runtime's device/stream/event API for ember.cuda, bindings only.
#include <pybind11/pybind11.h>

#include <array>

#include "ember/cuda/cuda_common.h"
#include "ember/cuda/pinned.h"
#include "ember/ops/stubs.h"
#include "ember/python/pyutils.h"

namespace py = pybind11;

namespace ember::cuda {

void throw_cuda_error(cudaError_t err, const char* what) {
  (void)cudaGetLastError();  // leave no sticky error for the next call
  throw_error(ErrorKind::Runtime, str("CUDA error: ", cudaGetErrorString(err), " (", cudaGetErrorName(err), " from ",
                                      what, ")"));
}

namespace {
cudaError_t g_count_error = cudaSuccess;
}

int device_count() {
  static int count = [] {
    int n = 0;
    g_count_error = cudaGetDeviceCount(&n);
    if (g_count_error != cudaSuccess) {
      (void)cudaGetLastError();
      n = 0;
    }
    return n;
  }();
  return count;
}

int current_device() {
  int d = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

void set_device(int index) { EMBER_CUDA_CHECK(cudaSetDevice(index)); }

namespace {
thread_local std::array<cudaStream_t, 64> t_streams{};  // nullptr: the legacy default stream
}
cudaStream_t current_stream(int device) { return t_streams[size_t(device)]; }
void set_current_stream(int device, cudaStream_t s) { t_streams[size_t(device)] = s; }

DeviceGuard::DeviceGuard(int index) {
  int cur = current_device();
  if (cur != index) {
    set_device(index);
    prev_ = cur;
  }
}
DeviceGuard::~DeviceGuard() {
  if (prev_ >= 0) (void)cudaSetDevice(prev_);
}

namespace {

// copy_'s byte transport between devices; returns once the bytes have arrived.
void device_memcpy(void* dst, Device dd, const void* src, Device sd, size_t n) {
  if (n == 0) return;
  if (dd.is_cpu() || sd.is_cpu()) {
    const int dev = dd.is_cpu() ? sd.index : dd.index;
    DeviceGuard guard(dev);
    cudaStream_t s = current_stream(dev);
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, dd.is_cpu() ? cudaMemcpyDeviceToHost : cudaMemcpyHostToDevice, s));
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s));
  } else {
    {  // The copy runs on the source's stream: the destination's queued work (kernels still
       // reading or writing dst, or a block just reused from its free list) must finish first.
      DeviceGuard guard(dd.index);
      EMBER_CUDA_CHECK(cudaStreamSynchronize(current_stream(dd.index)));
    }
    DeviceGuard guard(sd.index);
    cudaStream_t s = current_stream(sd.index);
    EMBER_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dd.index, src, sd.index, n, s));
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s));
  }
}

std::string no_device_reason() {
  device_count();
  if (g_count_error == cudaSuccess) return "";
  return str(cudaGetErrorName(g_count_error), ": ", cudaGetErrorString(g_count_error));
}

bool g_initialized = false;

void init() {
  if (g_initialized) return;
  register_allocator();
  register_kernels();
  register_nn_kernels();
  register_index_kernels();
  register_reduce_kernels();
  register_optim_kernels();
  register_random_kernels();
  register_blas();
  register_conv_kernels();
  set_device_memcpy(device_memcpy);
  g_initialized = true;
}

uintptr_t handle_of(cudaStream_t s) { return reinterpret_cast<uintptr_t>(s); }
cudaStream_t stream_of(uintptr_t h) { return reinterpret_cast<cudaStream_t>(h); }
cudaEvent_t event_of(uintptr_t h) { return reinterpret_cast<cudaEvent_t>(h); }

}  // namespace
}  // namespace ember::cuda

PYBIND11_MODULE(_C_cuda, m) {
  using namespace ember;
  using namespace ember::cuda;
  m.doc() = "ember's CUDA backend";
#ifdef EMBER_CUDA_ARCHS
  m.attr("archs") = EMBER_CUDA_ARCHS;
#endif
  int rt = 0;
  (void)cudaRuntimeGetVersion(&rt);
  m.attr("runtime_version") = rt;
  m.def("driver_version", [] {
    int v = 0;
    (void)cudaDriverGetVersion(&v);
    return v;
  });
  // Errors from this module reach Python through _C's translator (same ember::Error type).
  m.def("_init", &init);
  m.def("device_count", &device_count);
  m.def("no_device_reason", &no_device_reason);
  m.def("current_device", &current_device);
  m.def("set_device", &set_device);
  m.def("synchronize", [](int device) {
    py::gil_scoped_release no_gil;
    DeviceGuard guard(device);
    EMBER_CUDA_CHECK(cudaDeviceSynchronize());
  });
  m.def("get_device_name", [](int device) {
    cudaDeviceProp p;
    EMBER_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
    return std::string(p.name);
  });
  m.def("get_device_capability", [](int device) {
    cudaDeviceProp p;
    EMBER_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
    return py::make_tuple(p.major, p.minor);
  });
  m.def("mem_get_info", [](int device) {
    DeviceGuard guard(device);
    size_t free_b = 0, total = 0;
    EMBER_CUDA_CHECK(cudaMemGetInfo(&free_b, &total));
    return py::make_tuple(free_b, total);
  });
  m.def("pin_memory", &pin_memory);
  m.def("is_pinned", &is_pinned);
  m.def("manual_seed", &manual_seed);
  m.def("initial_seed", &initial_seed);
  m.def("memory_allocated", &memory_allocated);
  m.def("max_memory_allocated", &max_memory_allocated);
  m.def("memory_reserved", &memory_reserved);
  m.def("reset_peak_memory_stats", &reset_peak_memory_stats);
  m.def("empty_cache", &empty_cache);

  // Streams and events as raw handles; python/ember/cuda wraps them in classes.
  m.def("stream_create", [](int device, int priority) {
    DeviceGuard guard(device);
    cudaStream_t s;
    EMBER_CUDA_CHECK(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, priority));
    return handle_of(s);
  });
  m.def("stream_destroy", [](int device, uintptr_t s) {
    if (!s) return;
    release_stream(device, stream_of(s));
    (void)cudaStreamDestroy(stream_of(s));
  });
  m.def("record_stream", [](const Tensor& t, uintptr_t s) {
    EMBER_CHECK(t.device().type == DeviceType::CUDA, "record_stream: expected a CUDA tensor, got one on ", t.device().str());
    if (t.impl()->storage()) record_stream(t.impl()->storage()->data(), stream_of(s));
  });
  // Stream and event calls name their device: handle 0 is the legacy default
  // stream of whichever device is current, and events belong to one device.
  m.def("stream_synchronize", [](int device, uintptr_t s) {
    py::gil_scoped_release no_gil;
    DeviceGuard guard(device);
    EMBER_CUDA_CHECK(cudaStreamSynchronize(stream_of(s)));
  });
  m.def("stream_query", [](int device, uintptr_t s) {
    DeviceGuard guard(device);
    cudaError_t e = cudaStreamQuery(stream_of(s));
    if (e == cudaErrorNotReady) { (void)cudaGetLastError(); return false; }
    EMBER_CUDA_CHECK(e);
    return true;
  });
  m.def("current_stream", [](int device) { return handle_of(current_stream(device)); });
  m.def("set_current_stream", [](int device, uintptr_t s) { set_current_stream(device, stream_of(s)); });
  m.def("event_create", [](int device, bool enable_timing) {
    DeviceGuard guard(device);
    cudaEvent_t e;
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&e, enable_timing ? cudaEventDefault : cudaEventDisableTiming));
    return reinterpret_cast<uintptr_t>(e);
  });
  m.def("event_destroy", [](uintptr_t e) { if (e) (void)cudaEventDestroy(event_of(e)); });
  m.def("event_record", [](int device, uintptr_t e, uintptr_t s) {
    DeviceGuard guard(device);
    EMBER_CUDA_CHECK(cudaEventRecord(event_of(e), stream_of(s)));
  });
  m.def("event_synchronize", [](uintptr_t e) {
    py::gil_scoped_release no_gil;
    EMBER_CUDA_CHECK(cudaEventSynchronize(event_of(e)));
  });
  m.def("event_query", [](uintptr_t e) {
    cudaError_t r = cudaEventQuery(event_of(e));
    if (r == cudaErrorNotReady) { (void)cudaGetLastError(); return false; }
    EMBER_CUDA_CHECK(r);
    return true;
  });
  m.def("event_elapsed_time", [](uintptr_t start, uintptr_t end) {
    float ms = 0;
    EMBER_CUDA_CHECK(cudaEventElapsedTime(&ms, event_of(start), event_of(end)));
    return ms;
  });
  m.def("stream_wait_event", [](int device, uintptr_t s, uintptr_t e) {
    DeviceGuard guard(device);
    EMBER_CUDA_CHECK(cudaStreamWaitEvent(stream_of(s), event_of(e), 0));
  });
}
