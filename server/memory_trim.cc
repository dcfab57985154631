#include "server/memory_trim.h"

#include <malloc.h>

#include "base/log.h"

namespace loft::server {

void MemoryTrim::opened(size_t open) {
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (open > peak && !peak_.compare_exchange_weak(peak, open, std::memory_order_relaxed)) {
  }
}

void MemoryTrim::tick(uv_loop_t* loop, size_t open, uint64_t now_ms) {
  if (busy_) return;
  size_t peak = peak_.load(std::memory_order_relaxed);
  if (peak < open + kMinDrop) return;
  if (last_ms_ != 0 && now_ms - last_ms_ < kMinIntervalMs) return;
  // The next burst is measured from here.
  peak_.store(open, std::memory_order_relaxed);
  last_ms_ = now_ms;
  drop_ = peak - open;
  req_.data = this;
  // malloc_trim walks every arena's free lists under the arena's lock: a few
  // milliseconds that belong on a worker, not on an event loop.
  if (uv_queue_work(loop, &req_, work, after) == 0) busy_ = true;
}

void MemoryTrim::work(uv_work_t* req) {
  auto* self = static_cast<MemoryTrim*>(req->data);
  self->trimmed_ = malloc_trim(0) != 0;
}

void MemoryTrim::after(uv_work_t* req, int /*status*/) {
  auto* self = static_cast<MemoryTrim*>(req->data);
  self->busy_ = false;
  self->trims_.fetch_add(1, std::memory_order_relaxed);
  log_debug("memory: trimmed after ", self->drop_, " connections closed",
            self->trimmed_ ? "" : " (nothing to release)");
}

}  // namespace loft::server
