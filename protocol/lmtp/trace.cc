#include "protocol/lmtp/trace.h"

#include <cstdio>
#include <ctime>

namespace loft::proto::lmtp {

namespace {
// A header value never carries CR or LF from the envelope (they would start
// a new field): addresses with them are refused by the parser already.
void append_clean(std::string* out, const std::string& s) {
  for (char c : s) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
}
}  // namespace

std::string rfc5322_date(int64_t time) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string trace_headers(const TraceInfo& info) {
  std::string out;
  out.reserve(256 + info.reverse_path.size() + 2 * info.recipient.size());
  // RFC 5321 §4.4: the final delivery records the reverse path.
  out.append("Return-Path: <");
  append_clean(&out, info.reverse_path);
  out.append(">\r\n");
  if (!info.recipient.empty()) {  // the body is shared: only a single recipient is named
    out.append("Delivered-To: ");
    append_clean(&out, info.recipient);
    out.append("\r\n");
  }
  // RFC 5321 §4.4 Time-stamp-line, folded as Dovecot writes it.
  out.append("Received: from ");
  append_clean(&out, info.lhlo.empty() ? std::string("unknown") : info.lhlo);
  if (!info.peer_ip.empty()) {
    out.append(" ([");
    append_clean(&out, info.peer_ip);
    out.append("])");
  }
  out.append("\r\n\tby ");
  append_clean(&out, info.hostname);
  out.append(" with ");
  out.append(info.protocol);
  out.append("\r\n\tid ");
  append_clean(&out, info.id);
  if (!info.reverse_path.empty()) {
    out.append("\r\n\t(envelope-from <");
    append_clean(&out, info.reverse_path);
    out.append(">)");
  }
  if (!info.recipient.empty()) {
    out.append("\r\n\tfor <");
    append_clean(&out, info.recipient);
    out.append(">");
  }
  out.append("; ");
  out.append(rfc5322_date(info.time));
  out.append("\r\n");
  return out;
}

}  // namespace loft::proto::lmtp
