// Where log lines go: stderr, written by the caller until start_log_thread(),
// then by one writer thread fed through a bounded queue, so that an event
// loop never waits on a slow terminal, pipe or journal.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"

namespace loft {

namespace {

struct Sink {
  std::mutex mu;  // guards everything below; held only to move strings
  std::condition_variable wake;
  std::vector<std::string> queue;
  size_t capacity = 0;
  bool async = false;
  bool stopping = false;
  std::thread writer;
  std::atomic<uint64_t> dropped{0};
  uint64_t reported_dropped = 0;  // writer thread only
};

Sink& sink() {
  static Sink s;
  return s;
}

std::string stamp_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

void write_batch(const std::vector<std::string>& lines) {
  for (const auto& l : lines) std::fwrite(l.data(), 1, l.size(), stderr);
  std::fflush(stderr);
}

// Reports lines lost to a full queue, once per batch that saw new losses.
void report_drops(Sink& s) {
  uint64_t now = s.dropped.load();
  if (now == s.reported_dropped) return;
  std::string line = "time=" + stamp_now() + " level=warn component=log event=log_dropped";
  append_log_field(&line, "count", std::to_string(now - s.reported_dropped));
  line.push_back('\n');
  s.reported_dropped = now;
  write_batch({line});
}

void writer_main(Sink* s) {
  std::vector<std::string> batch;
  for (;;) {
    {
      std::unique_lock lock(s->mu);
      s->wake.wait(lock, [s] { return !s->queue.empty() || s->stopping; });
      batch.swap(s->queue);
      if (batch.empty() && s->stopping) return;
    }
    write_batch(batch);
    batch.clear();
    report_drops(*s);
  }
}
}  // namespace

void write_log_record(LogLevel level, std::string_view body) {
  std::string line;
  line.reserve(body.size() + 48);
  line.append("time=").append(stamp_now()).append(" level=").append(log_level_name(level));
  line.push_back(' ');
  line.append(body);
  line.push_back('\n');
  Sink& s = sink();
  std::unique_lock lock(s.mu);
  if (!s.async) {  // before the writer starts (tools, tests): write in place, in order
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
    return;
  }
  if (s.queue.size() >= s.capacity) {  // never wait for the writer: drop and count
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  s.queue.push_back(std::move(line));
  if (s.queue.size() == 1) {
    lock.unlock();
    s.wake.notify_one();
  }
}

void start_log_thread(size_t capacity) {
  Sink& s = sink();
  std::lock_guard lock(s.mu);
  if (s.async) return;
  s.capacity = capacity > 0 ? capacity : 1;
  s.async = true;
  s.stopping = false;
  s.writer = std::thread(writer_main, &s);
  static bool registered = false;  // under s.mu
  if (!registered) {
    registered = true;
    std::atexit(stop_log_thread);  // an exit() anywhere still flushes
  }
}

void stop_log_thread() {
  Sink& s = sink();
  {
    std::lock_guard lock(s.mu);
    if (!s.async) return;
    s.stopping = true;
  }
  s.wake.notify_one();
  s.writer.join();  // the writer empties the queue before it returns
  std::lock_guard lock(s.mu);
  report_drops(s);
  s.async = false;
}

uint64_t log_dropped_count() { return sink().dropped.load(); }

}  // namespace loft
