// The MIME structure of one message (RFC 5322, RFC 2045-2049): the part tree
// with byte offsets and line counts, the Content-* fields of each part and the
// envelope fields of the message and of each encapsulated message/rfc822.
// Values are kept as sent (unfolded, never decoded); protocol/imap turns them
// into ENVELOPE and BODYSTRUCTURE.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace loft::proto::mime {

// Bounds that keep a hostile message cheap: deeper or further parts are not
// split, their bytes stay the opaque body of the part that holds them.
inline constexpr uint32_t kMaxDepth = 32;
inline constexpr uint32_t kMaxParts = 5000;
// Longest header field kept for parsing (the rest of a longer one is ignored).
inline constexpr size_t kMaxFieldBytes = 256 * 1024;
// Most bytes of field values kept for a whole message (envelope and Content-*
// values of every part); further fields are read as if absent.
inline constexpr size_t kMaxKeptBytes = 1024 * 1024;
// Longer multipart boundaries are cut to this length (RFC 2046 §5.1.1 allows
// 70; Dovecot 2.3 cuts at 80 too, so lines match the same boundaries).
inline constexpr size_t kMaxBoundary = 80;

// A MIME parameter (RFC 2045 §5.1), RFC 2231 continuations joined.
using Param = std::pair<std::string, std::string>;

// RFC 3501 §7.4.2 ENVELOPE fields: the raw value of the last occurrence of each
// header field, unfolded with "\n" kept between the lines; nullopt if absent.
struct Envelope {
  std::optional<std::string> date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id;
  bool operator==(const Envelope&) const = default;
};

// One part. Offsets are absolute in the message; the header is
// [header_offset, body_offset), the body [body_offset, body_end).
struct Part {
  enum Flag : uint8_t {
    kMultipart = 1,      // multipart/*: children are its body parts
    kMessage = 2,        // message/rfc822: one child, the encapsulated message
    kText = 4,           // text/* (or defaulted to text/plain): has a line count
    kDigest = 8,         // multipart/digest: children default to message/rfc822
    kIsMime = 16,        // MIME-Version or Content-Type seen, or a body part
    kHasEnvelope = 32,   // the root, or the child of a message/rfc822 part
  };
  uint8_t flags = 0;
  uint32_t end = 0;           // index one past this part's last descendant (pre-order)
  uint64_t header_offset = 0;
  uint64_t body_offset = 0;
  uint64_t body_end = 0;
  uint64_t body_lines = 0;    // LF count in the body (RFC 3501 body-fld-lines)
  // Content-* fields (RFC 2045 §5, §6, §7; RFC 2183; RFC 3066; RFC 2557; RFC 1864),
  // first occurrence of each, only for MIME parts.
  std::optional<std::string> type, subtype;   // as sent; nullopt: none or unparsable
  std::vector<Param> params;
  std::optional<std::string> id, description, encoding, md5, location, disposition;
  std::vector<Param> disposition_params;
  std::vector<std::string> language;
  Envelope envelope;          // when kHasEnvelope

  bool has(Flag f) const { return (flags & f) != 0; }
  uint64_t body_size() const { return body_end - body_offset; }
  bool operator==(const Part&) const = default;
};

// The whole tree in pre-order: parts[0] is the message itself.
struct Structure {
  std::vector<Part> parts;
  bool operator==(const Structure&) const = default;
};

// The children of parts[i], in order.
std::vector<uint32_t> children_of(const Structure& s, uint32_t i);

}  // namespace loft::proto::mime
