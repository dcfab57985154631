// LMTP commands (RFC 2033 §4) with the RFC 5321 §4.1 syntax, parsed from one
// line (without its CRLF). Pure: no I/O, no policy. The server decides what
// to do with a parsed command (e.g. HELO/EHLO get 500 per RFC 2033 §4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::proto::lmtp {

enum class Verb { lhlo, helo, ehlo, mail, rcpt, data, rset, noop, quit, vrfy, help, bdat };

// Upper-case name of a verb, for logs.
const char* verb_name(Verb verb);

// RFC 6152 / RFC 3030 §3 BODY= parameter of MAIL.
enum class Body { unspecified, seven_bit, eight_bit_mime, binary_mime };

// An ESMTP parameter (RFC 5321 §4.1.2 esmtp-param); keyword upper-cased,
// value empty when there was no "=value".
struct Param {
  std::string keyword;
  std::string value;
};

struct Command {
  Verb verb = Verb::noop;
  // LHLO/HELO/EHLO domain, NOOP/VRFY/HELP string (may be empty where optional).
  std::string argument;
  // MAIL/RCPT mailbox without the angle brackets and any source route,
  // exactly as sent (a quoted local part keeps its quotes); empty for "<>".
  std::string path;
  // MAIL only: RFC 1870 SIZE=, RFC 6152 BODY=.
  std::optional<uint64_t> size;
  Body body = Body::unspecified;
  // MAIL only: RFC 6531 §3.4 SMTPUTF8 (the message may carry UTF-8 headers).
  bool smtputf8 = false;
  // BDAT only (RFC 3030 §2): the chunk's size in octets and whether it is LAST.
  uint64_t chunk_size = 0;
  bool last = false;
  // Parameters other than SIZE and BODY (MAIL) or any parameter (RCPT); the
  // server answers 555 (RFC 5321 §4.1.1.11) to those it does not implement.
  std::vector<Param> other_params;
};

// Parses one command line. Errc::bad_input with a message for an unknown verb
// or bad syntax; peek_verb() tells the two apart (500 vs 501).
Result<Command> parse_command(std::string_view line);

// The verb a line starts with, if it names a known command, whatever follows.
std::optional<Verb> peek_verb(std::string_view line);

// Checks RFC 5321 §4.1.2 Mailbox syntax (Local-part "@" Domain, quoted local
// parts allowed); also accepts a bare local part, as for RCPT TO:<postmaster>.
bool valid_mailbox(std::string_view mailbox);

}  // namespace loft::proto::lmtp
