// Bit-parallel simulation of the pattern's automaton (a Shift-And over the
// pattern tokens): state k means "the first k tokens are matched".
#include "protocol/imap/list_pattern.h"

namespace loft::proto::imap {
namespace {

enum : int { kStarToken = 256, kPercentToken = 257 };

void set_bit(std::vector<uint64_t>& bits, size_t offset, size_t k) { bits[offset + k / 64] |= uint64_t{1} << (k % 64); }

}  // namespace

ListPattern::ListPattern(std::string_view pattern, char delimiter) : delimiter_(delimiter) {
  // Tokens, with each run of wildcards collapsed into one: "%%" is "%", and a
  // run holding a '*' is "*" (what '%' matches, '*' matches too).
  std::vector<int> tokens;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c != '*' && c != '%') {
      tokens.push_back(static_cast<unsigned char>(c));
      ++i;
      continue;
    }
    bool star = false;
    for (; i < pattern.size() && (pattern[i] == '*' || pattern[i] == '%'); ++i) star |= pattern[i] == '*';
    tokens.push_back(star ? kStarToken : kPercentToken);
  }
  ends_with_percent_ = !pattern.empty() && pattern.back() == '%';
  states_ = tokens.size() + 1;
  words_ = (states_ + 63) / 64;
  star_.assign(words_, 0);
  percent_.assign(words_, 0);
  wild_.assign(words_, 0);
  literal_.assign(256 * words_, 0);
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (tokens[k] == kStarToken) {
      set_bit(star_, 0, k);
      set_bit(wild_, 0, k);
    } else if (tokens[k] == kPercentToken) {
      set_bit(percent_, 0, k);
      set_bit(wild_, 0, k);
    } else {
      set_bit(literal_, static_cast<size_t>(tokens[k]) * words_, k);
    }
  }
}

void ListPattern::close(Bits* d) const {
  // Wildcard runs are collapsed, so one step reaches every state: the state
  // after a wildcard is a literal or the accepting state.
  uint64_t carry = 0;
  for (size_t w = 0; w < words_; ++w) {
    uint64_t moved = (*d)[w] & wild_[w];
    uint64_t next_carry = moved >> 63;
    (*d)[w] |= (moved << 1) | carry;
    carry = next_carry;
  }
}

bool ListPattern::matches(std::string_view name) const {
  // RFC 3501 §5.1: INBOX is case-insensitive, so its five letters match the
  // pattern's in any case ("%o%" finds INBOX, as in Dovecot).
  size_t folded = 0;
  if (name.size() >= 5 && name.substr(0, 5) == "INBOX" && (name.size() == 5 || name[5] == delimiter_)) folded = 5;
  Bits d(words_, 0), next(words_, 0);
  d[0] = 1;
  close(&d);
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    const uint64_t* lit = &literal_[ch * words_];
    const uint64_t* lower = i < folded ? &literal_[(ch | 0x20) * words_] : lit;
    bool through_percent = ch != static_cast<unsigned char>(delimiter_);
    uint64_t carry = 0;
    uint64_t any = 0;
    for (size_t w = 0; w < words_; ++w) {
      uint64_t advanced = d[w] & (lit[w] | lower[w]);
      uint64_t stay = (d[w] & star_[w]) | (through_percent ? (d[w] & percent_[w]) : 0);
      next[w] = (advanced << 1) | carry | stay;
      carry = advanced >> 63;
      any |= next[w];
    }
    if (any == 0) return false;
    d.swap(next);
    close(&d);
  }
  size_t last = states_ - 1;
  return (d[last / 64] >> (last % 64)) & 1;
}

}  // namespace loft::proto::imap
