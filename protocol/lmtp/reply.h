// LMTP reply formatting (RFC 5321 §4.2) with RFC 2034 / RFC 3463 enhanced
// status codes, and the one place where Errc maps to LMTP replies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::proto::lmtp {

// "250 2.1.5 text\r\n", or "250 text\r\n" when enhanced is empty. CR and LF
// in text become spaces, so a reply is always exactly one line.
std::string reply(int code, std::string_view enhanced, std::string_view text);

// RFC 5321 §4.2.1 multi-line reply: "code-line" for all but the last line,
// "code line" for the last. An empty list gives a single "code " line.
std::string multiline_reply(int code, const std::vector<std::string>& lines);

// The LHLO answer (RFC 2033 §4.1, RFC 5321 §4.1.1.1): "250-hostname" then one
// line per extension keyword, e.g. {"PIPELINING", "ENHANCEDSTATUSCODES",
// "8BITMIME", "SIZE 52428800"}.
std::string lhlo_reply(std::string_view hostname, const std::vector<std::string>& extensions);

// A reply code with its RFC 3463 enhanced code.
struct ReplyCode {
  int code;
  const char* enhanced;
};

// How a failed operation is answered (per recipient after DATA, RFC 2033
// §4.2): permanent 5xx for errors a retry cannot fix, 4xx otherwise.
ReplyCode reply_code_for(Errc code);
// reply() with reply_code_for(error.code) and the error's message.
std::string error_reply(const Error& error);

// The answer to a line that parse_command() refused: 500 5.5.1 for an
// unknown verb, 501 5.5.4 for bad arguments (RFC 5321 §4.2.4, RFC 3463 §3.6).
std::string syntax_error_reply(std::string_view line, const Error& error);

}  // namespace loft::proto::lmtp
