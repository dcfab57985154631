// Counting pipelined commands (protocol/imap/pipeline.h): literals and the
// lines inside them belong to their command, partial commands do not count.
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/pipeline.h"

namespace protocol_imap_pipeline_test {

using loft::proto::imap::count_pipelined_commands;

TEST_CASE("pipelined commands are counted by their ends, literals included") {
  CHECK(count_pipelined_commands("", 100) == 0);
  CHECK(count_pipelined_commands("a NOOP\r\nb NOOP\r\nc NO", 100) == 2);  // the third is not complete
  CHECK(count_pipelined_commands("a NOOP\nb NOOP\n", 100) == 2);           // bare LF ends a line too
  // A literal's lines are its bytes, not commands; the command ends after it.
  std::string msg = "Subject: x\r\n\r\nline\r\nline\r\n";
  std::string in = "a APPEND INBOX {" + std::to_string(msg.size()) + "+}\r\n" + msg + "\r\nb NOOP\r\n";
  CHECK(count_pipelined_commands(in, 100) == 2);
  // Two literals in one command (LOGIN), one synchronising.
  CHECK(count_pipelined_commands("a LOGIN {3}\r\nbob {2+}\r\npw\r\n", 100) == 1);
  // The literal has not all arrived: the command is not complete.
  CHECK(count_pipelined_commands("a APPEND INBOX {100+}\r\nSubject: x\r\n", 100) == 0);
  // Counting stops once above the bound.
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += "a NOOP\r\n";
  CHECK(count_pipelined_commands(flood, 10) == 11);
  CHECK(count_pipelined_commands(flood, 5000) == 1000);
}

}  // namespace protocol_imap_pipeline_test
