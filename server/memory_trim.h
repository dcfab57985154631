// Gives the memory of a burst of connections back to the kernel once the burst
// is over. glibc keeps freed heap in its arenas (one per thread that
// allocates): after 1,000 connections close, their buffers and sessions stay
// resident as free chunks in the middle of the heap, which only malloc_trim
// returns (MADV_DONTNEED on whole free pages). Loftd trims when its connection
// count has dropped well below its recent peak, on a worker thread.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace loft::server {

class MemoryTrim {
 public:
  // A connection was accepted; `open` is the count after it (any thread).
  void opened(size_t open);
  // Loop 0, once a second: with `open` connections now, queues one
  // malloc_trim on loop's worker pool when the count fell by kMinDrop or more
  // from its peak and the last trim is kMinIntervalMs old.
  void tick(uv_loop_t* loop, size_t open, uint64_t now_ms);
  // Trims done so far (tests and logs).
  uint64_t trims() const { return trims_.load(std::memory_order_relaxed); }

  // A drop smaller than this is the ordinary coming and going of clients,
  // whose freed blocks malloc reuses: trimming them would only cost faults.
  static constexpr size_t kMinDrop = 256;
  static constexpr uint64_t kMinIntervalMs = 5000;

 private:
  static void work(uv_work_t* req);
  static void after(uv_work_t* req, int status);

  std::atomic<size_t> peak_{0};
  std::atomic<uint64_t> trims_{0};
  uint64_t last_ms_ = 0;  // loop 0 only, as are busy_ and req_
  bool busy_ = false;
  bool trimmed_ = false;  // the last trim released memory
  size_t drop_ = 0;       // the drop that started the trim in flight
  uv_work_t req_{};
};

}  // namespace loft::server
