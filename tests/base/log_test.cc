// Structured logging: key=value quoting, per-component levels, and the
// writer thread that never makes a caller wait (drop-and-count, flush at stop).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "base/log.h"

namespace base_log_test {

using namespace loft;

TEST_CASE("log fields are key=value, quoted and escaped when the value needs it") {
  std::string line;
  append_log_field(&line, "user", "alice");
  append_log_field(&line, "msg", "two words");
  append_log_field(&line, "cmd", "a \"q\" \\ b=c");
  append_log_field(&line, "raw", std::string("x\r\ny\x01", 5));
  append_log_field(&line, "empty", "");
  CHECK(line == "user=alice msg=\"two words\" cmd=\"a \\\"q\\\" \\\\ b=c\" raw=\"x\\r\\ny\\x01\" empty=\"\"");
}

TEST_CASE("levels apply per component, with the default for the others") {
  set_log_level(LogLevel::info);
  set_component_log_level("imap", LogLevel::debug);
  set_component_log_level("lmtp", LogLevel::error);
  CHECK(log_enabled(LogLevel::debug, "imap"));
  CHECK_FALSE(log_enabled(LogLevel::debug, "pop3"));
  CHECK(log_enabled(LogLevel::info, "pop3"));
  CHECK_FALSE(log_enabled(LogLevel::warn, "lmtp"));
  CHECK(log_enabled(LogLevel::error, "lmtp"));
  CHECK_FALSE(LogEvent(LogLevel::debug, "pop3", "x").enabled());
  CHECK(LogEvent(LogLevel::debug, "imap", "x").enabled());
  set_component_log_level("imap", LogLevel::info);
  set_component_log_level("lmtp", LogLevel::info);
  CHECK_FALSE(log_enabled(LogLevel::debug, "imap"));
}

// Captures stderr into a pipe that is read only when the test says so.
struct StderrPipe {
  int fds[2] = {-1, -1};
  int saved = -1;
  StderrPipe() {
    REQUIRE(pipe(fds) == 0);
    saved = dup(2);
    dup2(fds[1], 2);
  }
  // Restores stderr and returns everything written to the pipe.
  std::string restore_and_read(std::thread* reader, std::string* got) {
    dup2(saved, 2);
    close(saved);
    close(fds[1]);
    reader->join();
    close(fds[0]);
    return *got;
  }
  std::thread start_reader(std::string* got) {
    return std::thread([this, got] {
      char buf[65536];
      ssize_t n;
      while ((n = read(fds[0], buf, sizeof buf)) > 0) got->append(buf, static_cast<size_t>(n));
    });
  }
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE("with stderr stuck, logging does not block: lines are dropped and counted, the rest flushed at stop") {
  set_log_level(LogLevel::info);
  StderrPipe capture;
  start_log_thread(16);
  constexpr int kLines = 5000;  // ~600 KB: far more than the pipe (64 KiB) and the queue hold
  std::string pad(100, 'p');
  for (int i = 0; i < kLines; ++i)
    LogEvent(LogLevel::info, "test", "line").session(static_cast<uint64_t>(i)).field("pad", pad);
  // Every call returned although nobody reads stderr: the excess was dropped.
  uint64_t dropped = log_dropped_count();
  CHECK(dropped > 0);
  std::string got;
  std::thread reader = capture.start_reader(&got);
  stop_log_thread();
  capture.restore_and_read(&reader, &got);
  size_t written = count(got, " event=line ");
  CHECK(written + dropped == kLines);
  CHECK(count(got, "event=log_dropped count=") >= 1);
  CHECK(got.rfind("time=", 0) == 0);
  CHECK(got.find("level=info component=test session=0 event=line pad=" + pad + "\n") != std::string::npos);
}

}  // namespace base_log_test
