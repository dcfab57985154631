// ListPattern: RFC 3501 §6.3.8 wildcard semantics, and linear time on the
// patterns that make a backtracking matcher exponential.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "protocol/imap/list_pattern.h"

namespace protocol_imap_list_pattern_test {

using loft::proto::imap::ListPattern;

namespace {

bool match(std::string_view pattern, std::string_view name) { return ListPattern(pattern, '/').matches(name); }

}  // namespace

TEST_CASE("'*' matches across levels, '%' stops at the delimiter") {
  CHECK(match("*", ""));
  CHECK(match("*", "a/b/c"));
  CHECK(match("%", "abc"));
  CHECK_FALSE(match("%", "a/b"));
  CHECK(match("%/%", "a/b"));
  CHECK_FALSE(match("%/%", "a/b/c"));
  CHECK(match("a/*", "a/b/c"));
  CHECK_FALSE(match("a/*", "a"));
  CHECK(match("a*", "a"));
  CHECK(match("a%", "abc"));
  CHECK_FALSE(match("a%", "ab/c"));
  CHECK(match("*c", "a/b/c"));
  CHECK(match("%c", "abc"));
  CHECK_FALSE(match("%c", "a/c"));
  CHECK(match("a%b*c", "axxb/y/c"));
  CHECK_FALSE(match("a%b%c", "axxb/y/c"));
  CHECK(match("%%*%", "x/y"));        // a run with '*' is '*'
  CHECK_FALSE(match("%%%", "x/y"));   // a run of '%' is '%'
}

TEST_CASE("literal characters match exactly, case-sensitively, with no wildcard") {
  CHECK(match("INBOX", "INBOX"));
  CHECK_FALSE(match("INBOX", "INBOXX"));
  CHECK_FALSE(match("abc", "ABC"));
  // INBOX's own letters match in any case (RFC 3501 §5.1), not those after it.
  CHECK(match("inbox", "INBOX"));
  CHECK(match("%o%", "INBOX"));
  CHECK(match("inBox/Sub", "INBOX/Sub"));
  CHECK_FALSE(match("inbox/sub", "INBOX/Sub"));
  CHECK_FALSE(match("inboxes", "INBOXES"));
  CHECK_FALSE(match("abc", "ab"));
  CHECK(match("", ""));
  CHECK_FALSE(match("", "a"));
  CHECK(match("caf\xc3\xa9/*", "caf\xc3\xa9/x"));
}

TEST_CASE("ends_with_percent tells a trailing '%' for LSUB") {
  CHECK(ListPattern("a/%", '/').ends_with_percent());
  CHECK_FALSE(ListPattern("a/*", '/').ends_with_percent());
  CHECK_FALSE(ListPattern("", '/').ends_with_percent());
}

TEST_CASE("patterns longer than one machine word match across word boundaries") {
  std::string name(200, 'x');
  std::string pattern = std::string(70, 'x') + "*" + std::string(70, 'x') + "%" + std::string(50, 'x');
  CHECK(match(pattern, name));
  name[72] = '/';  // only the '*' can cover it: still a match
  CHECK(match(pattern, name));
  name[72] = 'x';
  name[145] = '/';  // inside the '%' run: no longer
  CHECK_FALSE(match(pattern, name));
  // A wildcard as the 64th token: skipping it crosses into the next word.
  CHECK(match(std::string(63, 'x') + "*y", std::string(63, 'x') + "zzzy"));
  CHECK(match(std::string(63, 'x') + "%y", std::string(63, 'x') + "y"));
  CHECK(match(std::string(130, 'x'), std::string(130, 'x')));
  CHECK_FALSE(match(std::string(130, 'x'), std::string(129, 'x')));
}

TEST_CASE("a pathological pattern against many long names finishes fast") {
  // "%*%*...%*b" against "aaa...a": a backtracking matcher takes time
  // exponential in the number of wildcards; the automaton is linear.
  std::string pattern;
  for (int i = 0; i < 400; ++i) pattern += "%a*";
  pattern += "b";
  std::string name(500, 'a');
  auto start = std::chrono::steady_clock::now();
  ListPattern p(pattern, '/');
  int matched = 0;
  for (int i = 0; i < 2000; ++i) matched += p.matches(name);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  CHECK(matched == 0);
  MESSAGE("2000 matches of a 1201-byte pattern against 500-byte names: " << ms << " ms");
  CHECK(ms < 2000);
  CHECK(p.matches(std::string(400, 'a') + "b"));
}

}  // namespace protocol_imap_list_pattern_test
