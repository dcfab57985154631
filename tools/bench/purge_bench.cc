// purge_bench: delivery latency while a large account is deleted.
// Fills an account with N messages, then delivers to another account from
// two threads (synced, as loftd does) while delete_account removes the large
// one, and prints the latency of the deliveries made meanwhile. With
// --slice 0 the purge runs as one commit, as deletion did before purge.h.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "storage/rocks/rocks_store.h"

using namespace loft;
using namespace loft::storage;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int messages = 50000;
  uint32_t slice = 250;  // 0: everything in one commit
  std::string dir;
};

std::unique_ptr<rocks::RocksStore> open(const Args& a, bool sync) {
  rocks::Tuning t;
  if (a.slice == 0) t.purge_slice_messages = t.purge_slice_chunks = UINT32_MAX;
  else t.purge_slice_messages = a.slice;
  auto s = rocks::RocksStore::open(Options{a.dir, sync, 512, 64 * 1024}, t);
  if (!s) {
    std::fprintf(stderr, "open: %s\n", s.error().message.c_str());
    std::exit(1);
  }
  return std::move(*s);
}

void fill(const Args& a) {
  auto store = open(a, /*sync=*/false);
  const AccountId big = store->create_account("big", "h")->id;
  (void)store->create_account("other", "h");
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i; (i = next++) < a.messages;) {
        std::string body = "Subject: message " + std::to_string(i) + "\r\n\r\n" + std::string(2000, 'a' + i % 26);
        if (!store->deliver(body, std::vector<AccountId>{big}, 0)) std::exit(1);
      }
    });
  for (auto& t : threads) t.join();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--messages") a.messages = std::atoi(argv[i + 1]);
    else if (k == "--slice") a.slice = static_cast<uint32_t>(std::atoi(argv[i + 1]));
    else if (k == "--dir") a.dir = argv[i + 1];
  }
  const bool temp = a.dir.empty();
  if (temp) a.dir = (std::filesystem::temp_directory_path() / ("loft-purge-bench-" + std::to_string(getpid()))).string();
  auto t0 = Clock::now();
  fill(a);
  std::printf("filled %d messages in %.1f s\n", a.messages, std::chrono::duration<double>(Clock::now() - t0).count());

  auto store = open(a, /*sync=*/true);
  const AccountId other = store->find_account("other")->id;
  std::atomic<bool> deleting{false}, stop{false};
  std::mutex mu;
  std::vector<double> during, before;  // milliseconds
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t)
    senders.emplace_back([&] {
      for (int i = 0; !stop; ++i) {
        const bool in_delete = deleting.load();
        auto s = Clock::now();
        if (!store->deliver("Subject: x\r\n\r\nbody\r\n", std::vector<AccountId>{other}, 0)) std::exit(1);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
        std::lock_guard lock(mu);
        (in_delete || deleting.load() ? during : before).push_back(ms);
      }
    });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  deleting = true;
  auto d0 = Clock::now();
  if (!store->delete_account("big")) return 1;
  const double delete_s = std::chrono::duration<double>(Clock::now() - d0).count();
  deleting = false;
  stop = true;
  for (auto& t : senders) t.join();

  std::printf("slice %s: delete_account of %d messages took %.2f s in %llu slices\n",
              a.slice == 0 ? "unbounded" : std::to_string(a.slice).c_str(), a.messages, delete_s,
              static_cast<unsigned long long>(store->purge_slices()));
  std::printf("deliveries before: n=%zu p50=%.2f ms p99=%.2f ms max=%.2f ms\n", before.size(),
              percentile(before, 0.5), percentile(before, 0.99), percentile(before, 1.0));
  std::printf("deliveries during: n=%zu p50=%.2f ms p99=%.2f ms max=%.2f ms\n", during.size(),
              percentile(during, 0.5), percentile(during, 0.99), percentile(during, 1.0));
  store.reset();
  if (temp) std::filesystem::remove_all(a.dir);
  return 0;
}
