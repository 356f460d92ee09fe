#include "ember/cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <immintrin.h>

namespace ember {
namespace {

thread_local bool t_in_parallel = false;

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
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      begin_ = begin;
      end_ = end;
      nchunks_ = nchunks;
      next_chunk_.store(0);
      done_chunks_.store(0);
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    take_chunks();
    while (done_chunks_.load(std::memory_order_acquire) < nchunks_) _mm_pause();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void take_chunks() {
    t_in_parallel = true;
    for (;;) {
      int c = next_chunk_.fetch_add(1);
      if (c >= nchunks_) break;
      int64_t n = end_ - begin_;
      int64_t lo = begin_ + n * c / nchunks_, hi = begin_ + n * (c + 1) / nchunks_;
      try {
        (*fn_)(lo, hi);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      done_chunks_.fetch_add(1, std::memory_order_release);
    }
    t_in_parallel = false;
  }

  void work() {
    uint64_t seen = generation_.load();
    for (;;) {
      // Spin briefly (a job often follows another), then sleep.
      for (int i = 0; i < 4000 && generation_.load(std::memory_order_acquire) == seen; ++i) _mm_pause();
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || generation_.load() != seen; });
      }
      if (stopping_) return;
      seen = generation_.load(std::memory_order_acquire);
      take_chunks();
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
  std::atomic<int> next_chunk_{0}, done_chunks_{0};
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0;
  int nchunks_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
};

int default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

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
