// The server's event loops without sockets (no listener configured): post()
// runs work on the right loop's thread in order and refuses it after stop;
// a committed change reaches watchers on every loop, each on its own thread;
// stop() ends every loop.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "base/config.h"
#include "server/loop.h"
#include "server/server.h"
#include "storage/store.h"

namespace server_loop_test {

using namespace loft;
using namespace loft::server;

namespace {

struct Fixture {
  std::string dir;
  Config config;
  std::unique_ptr<storage::Store> store;
  uv_loop_t loop0{};
  Fixture() {
    char tmpl[] = "/tmp/loft-loops-XXXXXX";
    dir = mkdtemp(tmpl);
    config.data_dir = dir;
    config.loops = 2;
    auto s = storage::Store::open({.path = dir + "/store", .sync = false});
    REQUIRE(s.ok());
    store = std::move(*s);
    uv_loop_init(&loop0);
  }
  ~Fixture() {
    store.reset();
    uv_loop_close(&loop0);
    std::filesystem::remove_all(dir);
  }
};

// Stops the server after `ms` if the test has not (a failing test must not
// hang); does not keep loop 0 alive by itself.
struct Deadline {
  uv_timer_t timer{};
  explicit Deadline(uv_loop_t* loop, Server* srv, uint64_t ms = 10000) {
    uv_timer_init(loop, &timer);
    timer.data = srv;
    uv_timer_start(&timer, [](uv_timer_t* t) { static_cast<Server*>(t->data)->stop(); }, ms, 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&timer));
  }
  // After uv_run returned: closes the timer and runs its close callback.
  void close(uv_loop_t* loop) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    uv_run(loop, UV_RUN_DEFAULT);
  }
};

}  // namespace

TEST_CASE("post() runs work on the target loop's own thread, in order; refused once stopped") {
  Fixture f;
  Server srv(&f.loop0, f.config, *f.store, nullptr);
  REQUIRE(srv.loop_count() == 2);
  REQUIRE(srv.start().ok());
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> wrong_loop{0};
  std::thread::id loop1_thread;
  std::thread poster([&] {
    for (int i = 0; i < 200; ++i) {
      CHECK(srv.loop(1).post([&, i] {
        if (Loop::current() != &srv.loop(1)) ++wrong_loop;
        std::lock_guard lock(mu);
        loop1_thread = std::this_thread::get_id();
        order.push_back(i);
      }));
    }
    // After loop 1 ran everything, ask loop 0 (the main thread) to stop the server.
    CHECK(srv.loop(1).post([&] { CHECK(srv.loop(0).post([&] { srv.stop(); })); }));
  });
  Deadline deadline(&f.loop0, &srv);
  uv_run(&f.loop0, UV_RUN_DEFAULT);  // returns once loop 0 has stopped
  deadline.close(&f.loop0);
  poster.join();
  srv.join();
  CHECK(wrong_loop == 0);
  REQUIRE(order.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(order[static_cast<size_t>(i)] == i);
  CHECK(loop1_thread != std::this_thread::get_id());
  CHECK_FALSE(srv.loop(1).post([] {}));
  CHECK_FALSE(srv.loop(0).post([] {}));
}

TEST_CASE("a committed change reaches the watchers of every loop, each on its own loop") {
  Fixture f;
  auto account = f.store->create_account("alice", "x");
  REQUIRE(account.ok());
  auto inbox = f.store->find_mailbox(account->id, "INBOX");
  REQUIRE(inbox.ok());
  Server srv(&f.loop0, f.config, *f.store, nullptr);
  REQUIRE(srv.start().ok());
  std::atomic<int> seen_on[2] = {0, 0};
  std::atomic<int> watching{0};
  for (unsigned i = 0; i < 2; ++i) {
    Loop* l = &srv.loop(i);
    REQUIRE(l->post([&, l, i] {
      // Server::watch_mailbox picks the calling thread's loop.
      srv.watch_mailbox(inbox->id, [&, l, i](const storage::MailboxChange&) {
        if (Loop::current() == l) ++seen_on[i];
        if (seen_on[0] > 0 && seen_on[1] > 0) srv.loop(0).post([&] { srv.stop(); });  // false if already stopping
      });
      ++watching;
    }));
  }
  std::thread deliverer([&] {
    for (int i = 0; i < 2000 && watching < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(watching == 2);
    storage::AccountId ids[] = {account->id};
    CHECK(f.store->deliver("Subject: x\r\n\r\nbody\r\n", ids, 0).ok());
  });
  Deadline deadline(&f.loop0, &srv);
  uv_run(&f.loop0, UV_RUN_DEFAULT);
  deadline.close(&f.loop0);
  deliverer.join();
  srv.join();
  CHECK(seen_on[0] >= 1);
  CHECK(seen_on[1] >= 1);
}

}  // namespace server_loop_test
