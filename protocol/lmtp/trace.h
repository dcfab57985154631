// The trace header fields LMTP delivery prepends to a message, in Dovecot's
// order and form (RFC 5321 §4.4): Return-Path, Delivered-To (one recipient
// only), Received. Everything after them is the message byte for byte.
#pragma once

#include <cstdint>
#include <string>

namespace loft::proto::lmtp {

struct TraceInfo {
  std::string reverse_path;  // MAIL FROM without <>; empty for the null path
  std::string lhlo;          // the client's LHLO domain
  std::string peer_ip;       // "127.0.0.1", "::1"; empty for a UNIX socket
  std::string hostname;      // ours ("by")
  std::string id;            // the transaction's id
  std::string recipient;     // the only recipient; empty when there are several
  std::string protocol = "LMTP";  // RFC 3848 / RFC 6531 §3.7.3: LMTP or UTF8LMTP
  int64_t time = 0;          // seconds since the epoch
};

// "Return-Path: <..>\r\n" [ "Delivered-To: ..\r\n" ] "Received: ..\r\n".
// The Received field is folded as Dovecot folds it.
std::string trace_headers(const TraceInfo& info);

// RFC 5322 §3.3 date-time in UTC: "Fri, 27 Nov 2026 14:00:13 +0000".
std::string rfc5322_date(int64_t time);

}  // namespace loft::proto::lmtp
