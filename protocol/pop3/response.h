// POP3 responses (RFC 1939 §3): "+OK text" / "-ERR text" status lines, the
// extended response codes of RFC 2449 §8 and RFC 3206, the CAPA list
// (RFC 2449 §5) and the mapping of loft::Errc to -ERR replies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::proto::pop3 {

// RFC 2449 §8 response codes, shown as "[CODE]" right after "-ERR".
enum class RespCode {
  none,
  in_use,       // [IN-USE]: the maildrop is locked (RFC 2449 §8.1.2)
  login_delay,  // [LOGIN-DELAY] (RFC 2449 §8.1.1)
  sys_temp,     // [SYS/TEMP]: a transient system failure (RFC 3206 §4)
  sys_perm,     // [SYS/PERM]: a permanent system failure (RFC 3206 §4)
  auth,         // [AUTH]: a problem with the credentials (RFC 3206 §5)
};

// The bracketed text of a code ("IN-USE"), empty for none.
const char* resp_code_name(RespCode code);

// "+OK text\r\n" ("+OK\r\n" when text is empty). CR and LF in text become
// spaces so that no text can forge another response line.
std::string ok(std::string_view text);
// "-ERR text\r\n", or "-ERR [CODE] text\r\n".
std::string err(std::string_view text);
std::string err(RespCode code, std::string_view text);
// Maps a failure once: in_use -> [IN-USE], perm -> [SYS/PERM], not_found and
// expunged -> no code, everything else (the store's temp/internal) -> [SYS/TEMP].
std::string error_response(const Error& error);

// The terminator of a multi-line response (RFC 1939 §3).
inline constexpr std::string_view kEndOfMultiline = ".\r\n";

// What the CAPA list depends on.
struct CapaOptions {
  bool stls = false;            // RFC 2595 §4: the listener offers STLS, TLS not yet active
  std::string implementation;  // RFC 2449 §6.9; empty: not shown
};
// The whole multi-line CAPA response, "+OK ..." to ".\r\n" (RFC 2449 §5).
std::string capa_response(const CapaOptions& options);

// A multi-line response of short lines (LIST, UIDL, AUTH with no
// mechanism): "+OK first\r\n", each line (which must not start with "."),
// then ".\r\n".
std::string multiline(std::string_view first, const std::vector<std::string>& lines);

}  // namespace loft::proto::pop3
