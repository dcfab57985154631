#include "protocol/lmtp/reply.h"

#include "protocol/lmtp/command.h"

namespace loft::proto::lmtp {

namespace {

void append_line(std::string* out, int code, char sep, std::string_view enhanced, std::string_view text) {
  out->append(std::to_string(code));
  out->push_back(sep);
  if (!enhanced.empty()) {
    out->append(enhanced);
    if (!text.empty()) out->push_back(' ');
  }
  for (char c : text) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out->append("\r\n");
}

}  // namespace

std::string reply(int code, std::string_view enhanced, std::string_view text) {
  std::string out;
  append_line(&out, code, ' ', enhanced, text);
  return out;
}

std::string multiline_reply(int code, const std::vector<std::string>& lines) {
  if (lines.empty()) return reply(code, "", "");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) append_line(&out, code, i + 1 < lines.size() ? '-' : ' ', "", lines[i]);
  return out;
}

std::string lhlo_reply(std::string_view hostname, const std::vector<std::string>& extensions) {
  std::vector<std::string> lines;
  lines.reserve(extensions.size() + 1);
  lines.emplace_back(hostname);
  lines.insert(lines.end(), extensions.begin(), extensions.end());
  return multiline_reply(250, lines);
}

ReplyCode reply_code_for(Errc code) {
  switch (code) {
    case Errc::not_found: return {550, "5.1.1"};  // bad destination mailbox address
    case Errc::perm: return {550, "5.7.1"};       // delivery not authorized
    case Errc::no_quota: return {552, "5.2.2"};   // mailbox full
    case Errc::too_big: return {552, "5.3.4"};    // message too big for system
    case Errc::bad_input: return {501, "5.5.4"};  // invalid command arguments
    case Errc::limit: return {452, "4.5.3"};      // too many recipients
    case Errc::exists:
    case Errc::expunged:
    case Errc::in_use:
    case Errc::temp: return {451, "4.3.0"};       // try again later
    case Errc::internal: return {451, "4.3.0"};   // a retry may meet a fixed server
  }
  return {451, "4.3.0"};
}

std::string error_reply(const Error& error) {
  ReplyCode rc = reply_code_for(error.code);
  return reply(rc.code, rc.enhanced, error.message);
}

std::string syntax_error_reply(std::string_view line, const Error& error) {
  if (!peek_verb(line)) return reply(500, "5.5.1", error.message);
  return reply(501, "5.5.4", error.message);
}

}  // namespace loft::proto::lmtp
