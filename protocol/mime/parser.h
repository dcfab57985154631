// An incremental MIME parser (RFC 5322 §2-3, RFC 2045 §5-6, RFC 2046 §5,
// RFC 2231): fed a message in chunks of any size, it builds the Structure as
// the bytes pass. Memory is bounded whatever the message size: it keeps the
// header field being read (at most kMaxFieldBytes), the first bytes of the
// current line, the open boundaries and the parts found (at most kMaxParts,
// their field values at most kMaxKeptBytes in all).
// Any input gives a structure; malformed MIME gives Dovecot's best effort.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/mime/structure.h"

namespace loft::proto::mime {

class Parser {
 public:
  Parser();
  // Consumes the next bytes of the message.
  void feed(std::string_view bytes);
  // Ends the message and returns its structure; the parser is spent.
  Structure finish();
  // Bytes fed so far.
  uint64_t size() const { return offset_ + line_len_; }
  // After finish(): the message's own header fields that SORT and THREAD read
  // (RFC 5256: Date, Subject, From, To, Cc, Message-ID, In-Reply-To,
  // References), the first occurrence of each, as written (CRLF line ends),
  // so that they need not be read from the body again. nullopt when the
  // header is longer than kSortHeaderScope or they pass kMaxSortHeader.
  const std::optional<std::string>& sort_header() const { return sort_header_; }
  static constexpr uint64_t kSortHeaderScope = 256 * 1024;
  static constexpr size_t kMaxSortHeader = 64 * 1024;

 private:
  struct Boundary {
    std::string text;
    uint32_t part;
  };
  // Per-part header state while its header is read.
  struct HeaderState {
    bool seen_type = false;
    bool seen_cte = false, seen_id = false, seen_md5 = false, seen_desc = false;
    bool seen_lang = false, seen_loc = false;
    bool have_boundary = false;
    std::string boundary;
    std::string field;        // the field being read, lines joined by "\n"
  };

  void on_line(bool has_lf);
  void header_line(std::string_view content, bool has_lf, uint64_t line_len);
  void end_field();
  void apply_field(std::string_view name, std::string_view value);
  // Keeps field (name and value, lines joined by "\n") for sort_header().
  void keep_sort_field(std::string_view name, std::string_view field);
  // The header of the current part ends; its body starts at body_offset.
  void end_header(uint64_t body_offset, uint64_t lines_start, bool open_children);
  const Boundary* find_boundary(std::string_view line) const;
  // True if the current part's own boundary (pushed at the end of its
  // header) matches line at least as long as other does.
  bool own_boundary_wins(std::string_view line, const Boundary& other) const;
  void on_boundary(const Boundary& b, bool epilogue, uint64_t line_end);
  // Closes every open part above stack depth keep (exclusive) at end_pos.
  void close_to(size_t keep, uint64_t end_pos, uint64_t lf_end);
  // Starts a part as a child of the current one; false if a bound forbids it.
  bool open_child(uint64_t header_offset, uint8_t flags);

  Structure s_;
  std::vector<uint32_t> stack_;      // open parts, the root first
  std::vector<Boundary> boundaries_;  // innermost last
  HeaderState hs_;
  bool in_header_ = true;
  uint64_t offset_ = 0;        // start of the current line
  std::string line_;           // the current line's first bytes
  uint64_t line_len_ = 0;      // its full length so far
  bool line_cr_ = false;       // its last byte so far is CR
  uint64_t lf_count_ = 0;      // LFs before the current line
  unsigned prev_nl_ = 0;       // newline length of the previous body line (0 at a body's start)
  unsigned prev_hdr_nl_ = 0;   // newline length of the previous header line
  uint64_t kept_ = 0;          // bytes of field values kept in s_
  bool eoh_pending_ = false;   // the blank line ending a header was the last line
  bool finished_ = false;
  std::optional<std::string> sort_header_{std::string()};
  uint8_t sort_seen_ = 0;  // bits of the sort fields already kept
};

// Parses a whole message at once.
Structure parse(std::string_view message);

}  // namespace loft::proto::mime
