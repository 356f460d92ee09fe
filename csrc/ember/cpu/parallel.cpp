#include "ember/cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <immintrin.h>
#include <sched.h>
#include <strings.h>

namespace ember {
namespace {

thread_local bool t_in_parallel = false;

// One parallel job. Each job has its own counters, so a worker that wakes
// late and still holds an older job can only find that job's chunks all
// taken; it can never run or count a chunk of the next one.
struct Job {
  const std::function<void(int64_t, int64_t)>* fn;
  int64_t begin, end;
  int nchunks;
  std::atomic<int> next{0}, done{0};
  std::mutex error_mutex;
  std::exception_ptr error;

  void work() {
    t_in_parallel = true;
    for (;;) {
      const int c = next.fetch_add(1);
      if (c >= nchunks) break;
      const int64_t n = end - begin;
      try {
        (*fn)(begin + n * c / nchunks, begin + n * (c + 1) / nchunks);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_release);
    }
    t_in_parallel = false;
  }
};

class ThreadPool {
 public:
  explicit ThreadPool(int nthreads) { resize(nthreads); }
  ~ThreadPool() { stop(); }

  int size() const { return int(workers_.size()) + 1; }

  void resize(int nthreads) {
    stop();
    stopping_ = false;
    for (int i = 1; i < nthreads; ++i) workers_.emplace_back([this] { work(); });
  }

  // Runs fn over nchunks chunks of [begin, end), the calling thread included.
  void run(int64_t begin, int64_t end, int nchunks, const std::function<void(int64_t, int64_t)>& fn) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one parallel job at a time
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->begin = begin;
    job->end = end;
    job->nchunks = nchunks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    job->work();
    while (job->done.load(std::memory_order_acquire) < nchunks) _mm_pause();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.reset();
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void work() {
    uint64_t seen = generation_.load();
    for (;;) {
      // Spin briefly (a job often follows another), then sleep.
      for (int i = 0; i < 4000 && generation_.load(std::memory_order_acquire) == seen; ++i) _mm_pause();
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || generation_.load() != seen; });
        if (stopping_) return;
        seen = generation_.load();
        job = job_;
      }
      if (job) job->work();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_, run_mutex_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::shared_ptr<Job> job_;
  bool stopping_ = false;
};

// PyTorch's default intra-op thread count, which ember follows because the
// way a sum or an arange is split changes its last bits. torch's x86 wheel
// asks MKL: the physical cores (not hyper-threads) among the CPUs this process
// may run on; MKL_NUM_THREADS (else OMP_NUM_THREADS) lowers it, and raises it
// only with MKL_DYNAMIC=false (measured with torch 2.13, taskset included).
int positive_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  // "4" or a nested list "4,2" (its first level counts)
  return end != v && (*end == '\0' || *end == ',') && n > 0 && n < 1 << 20 ? int(n) : 0;
}

bool mkl_dynamic_off() {
  const char* v = std::getenv("MKL_DYNAMIC");
  return v && strcasecmp(v, "false") == 0;
}

// Distinct (package, core) pairs of the CPUs in this process's affinity mask.
int physical_cores_available() {
  cpu_set_t mask;
  const bool have_mask = sched_getaffinity(0, sizeof(mask), &mask) == 0;
  std::set<std::pair<int, int>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (have_mask && !CPU_ISSET(cpu, &mask)) continue;
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream package(dir + "physical_package_id"), core(dir + "core_id");
    int p, c;
    if (!(package >> p) || !(core >> c)) {
      if (!have_mask) break;  // past the last CPU
      continue;
    }
    cores.emplace(p, c);
  }
  if (!cores.empty()) return int(cores.size());
  if (have_mask) return std::max(1, CPU_COUNT(&mask));  // no topology in /sys
  return std::max(1, int(std::thread::hardware_concurrency()));
}

int default_threads() {
  const int cores = physical_cores_available();
  int requested = positive_env("MKL_NUM_THREADS");
  if (!requested) requested = positive_env("OMP_NUM_THREADS");
  if (!requested) return cores;
  return mkl_dynamic_off() ? requested : std::min(requested, cores);
}

ThreadPool& pool() {
  static auto* p = new ThreadPool(default_threads());  // leaked: workers must outlive statics
  return *p;
}

GilReleaseFn g_gil_release = nullptr;
GilAcquireFn g_gil_acquire = nullptr;

}  // namespace

void set_gil_hooks(GilReleaseFn release, GilAcquireFn acquire) {
  g_gil_release = release;
  g_gil_acquire = acquire;
}
GilRelease::GilRelease() : state(g_gil_release && !t_in_parallel ? g_gil_release() : nullptr) {}
GilRelease::~GilRelease() {
  if (state) g_gil_acquire(state);
}

int get_num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(std::max(1, n)); }
bool in_parallel_region() { return t_in_parallel; }

namespace detail {
void parallel_run(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  int64_t max_chunks = std::max<int64_t>(1, (end - begin) / std::max<int64_t>(grain, 1));
  int nchunks = int(std::min<int64_t>(pool().size(), max_chunks));
  if (nchunks <= 1) { fn(begin, end); return; }
  GilRelease no_gil;
  pool().run(begin, end, nchunks, fn);
}
}  // namespace detail

}  // namespace ember
