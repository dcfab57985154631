// The LIST/LSUB pattern matcher (RFC 3501 §6.3.8): '*' matches any run of
// characters, '%' any run without the hierarchy delimiter. It simulates the
// pattern's automaton with bit sets, so a match costs O(name length x pattern
// length / 64) whatever the pattern: "%*%*%*...x" cannot backtrack.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace loft::proto::imap {

class ListPattern {
 public:
  // pattern is decoded (UTF-8) and already joined with the reference.
  ListPattern(std::string_view pattern, char delimiter);

  // True if the whole of name matches the whole pattern; the letters of a
  // leading "INBOX" (RFC 3501 §5.1) match in any case.
  bool matches(std::string_view name) const;
  // True if the pattern ends with '%' (RFC 3501 §6.3.9: LSUB then also
  // returns unsubscribed superiors of subscribed names).
  bool ends_with_percent() const { return ends_with_percent_; }

 private:
  using Bits = std::vector<uint64_t>;
  // Sets d to d | (d & wild_) << 1: entering a wildcard state may skip it.
  void close(Bits* d) const;

  char delimiter_;
  size_t states_ = 0;  // tokens + 1 (the accepting state)
  size_t words_ = 0;
  Bits star_, percent_, wild_;
  std::vector<uint64_t> literal_;  // 256 rows of words_: states whose token is that byte
  bool ends_with_percent_ = false;
};

}  // namespace loft::proto::imap
