// Streaming helpers for the multi-line responses of RETR and TOP
// (RFC 1939 §3, §7). A message is fed in pieces of any size, split anywhere;
// state carried between pieces makes the output the same as for one piece.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loft::proto::pop3 {

// Byte-stuffs a message (RFC 1939 §3): a line that starts with "." gets
// another "." in front. Lines end in CRLF on the wire: a bare LF or a bare CR
// in the stored message becomes CRLF, and a NUL becomes 0x80 (as Dovecot
// sends it), so clients that split lines or use C strings see what they expect.
class DotStuffer {
 public:
  // Appends the stuffed form of bytes to out.
  void feed(std::string_view bytes, std::string* out);
  // Ends the response: CRLF first unless the message ended in CRLF (or was
  // empty), then ".\r\n". The stuffer is ready for a new message afterwards.
  void finish(std::string* out);
  // Forgets everything fed so far.
  void reset();

 private:
  bool at_line_start_ = true;
  bool pending_cr_ = false;  // the last byte fed was a CR (its LF may come next)
  bool empty_ = true;        // nothing fed yet
};

// Finds where TOP stops in a body (RFC 1939 §7 TOP): after `lines` lines,
// a line ending at an LF. Fed the body (the bytes after the header's blank
// line) in pieces, in order.
class LineLimiter {
 public:
  explicit LineLimiter(uint32_t lines) : remaining_(lines) {}
  // How many leading bytes of piece belong to the response; fewer than
  // piece.size() only when the limit was reached inside it.
  size_t take(std::string_view piece);
  // The limit was reached: nothing more is needed.
  bool done() const { return remaining_ == 0; }

 private:
  uint32_t remaining_;
};

}  // namespace loft::proto::pop3
