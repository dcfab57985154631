// MemoryTrim: when a trim is queued (a drop of kMinDrop below the peak, at
// most once per kMinIntervalMs, one at a time) and that it runs on the pool.
#include <doctest/doctest.h>

#include <uv.h>

#include "server/memory_trim.h"

namespace server_memory_trim_test {

using loft::server::MemoryTrim;

namespace {
struct UvLoop {
  uv_loop_t loop;
  UvLoop() { uv_loop_init(&loop); }
  ~UvLoop() { uv_loop_close(&loop); }
  void run() { uv_run(&loop, UV_RUN_DEFAULT); }
};
}  // namespace

TEST_CASE("a drop of kMinDrop connections below the peak is trimmed once") {
  UvLoop l;
  MemoryTrim t;
  for (size_t n = 1; n <= 1000; ++n) t.opened(n);
  t.tick(&l.loop, 1000 - MemoryTrim::kMinDrop + 1, 1000);  // not enough yet
  l.run();
  CHECK(t.trims() == 0);
  t.tick(&l.loop, 10, 2000);
  t.tick(&l.loop, 5, 2500);  // one in flight: not queued twice
  l.run();
  CHECK(t.trims() == 1);
  // The peak restarted at 10: closing those few again is no burst.
  t.tick(&l.loop, 0, 9000);
  l.run();
  CHECK(t.trims() == 1);
}

TEST_CASE("trims are at least kMinIntervalMs apart") {
  UvLoop l;
  MemoryTrim t;
  t.opened(600);
  t.tick(&l.loop, 0, 1000);
  l.run();
  CHECK(t.trims() == 1);
  t.opened(600);
  t.tick(&l.loop, 0, 1000 + MemoryTrim::kMinIntervalMs - 1);
  l.run();
  CHECK(t.trims() == 1);
  t.tick(&l.loop, 0, 1000 + MemoryTrim::kMinIntervalMs);
  l.run();
  CHECK(t.trims() == 2);
}

TEST_CASE("ordinary coming and going never trims") {
  UvLoop l;
  MemoryTrim t;
  uint64_t now = 1000;
  for (int i = 0; i < 100; ++i, now += 1000) {
    t.opened(200 + i % 7);
    t.tick(&l.loop, 150 + i % 5, now);
  }
  l.run();
  CHECK(t.trims() == 0);
}

}  // namespace server_memory_trim_test
