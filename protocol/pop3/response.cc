#include "protocol/pop3/response.h"

namespace loft::proto::pop3 {

namespace {
void append_clean(std::string* out, std::string_view text) {
  for (char c : text) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
}

std::string status(std::string_view word, const char* code, std::string_view text) {
  std::string out(word);
  out.reserve(word.size() + text.size() + 24);
  if (code[0] != '\0') out.append(" [").append(code).append("]");
  if (!text.empty()) {
    out.push_back(' ');
    append_clean(&out, text);
  }
  out.append("\r\n");
  return out;
}
}  // namespace

const char* resp_code_name(RespCode code) {
  switch (code) {
    case RespCode::none: return "";
    case RespCode::in_use: return "IN-USE";
    case RespCode::login_delay: return "LOGIN-DELAY";
    case RespCode::sys_temp: return "SYS/TEMP";
    case RespCode::sys_perm: return "SYS/PERM";
    case RespCode::auth: return "AUTH";
  }
  return "";
}

std::string ok(std::string_view text) { return status("+OK", "", text); }

std::string err(std::string_view text) { return status("-ERR", "", text); }

std::string err(RespCode code, std::string_view text) { return status("-ERR", resp_code_name(code), text); }

std::string error_response(const Error& error) {
  switch (error.code) {
    case Errc::in_use: return err(RespCode::in_use, error.message);
    case Errc::perm: return err(RespCode::sys_perm, error.message);
    case Errc::not_found:
    case Errc::expunged: return err(error.message);
    default: return err(RespCode::sys_temp, error.message);
  }
}

std::string capa_response(const CapaOptions& options) {
  // RFC 2449 §6; the same list in both states (§5: what AUTHORIZATION offers
  // is announced in TRANSACTION too).
  // EXPIRE NEVER and LOGIN-DELAY 0 (§6.7, §6.8): mail stays until deleted,
  // logins are not rate-limited per account. No APOP: it needs the plaintext
  // password, and only argon2id hashes are stored.
  std::vector<std::string> caps = {"CAPA", "TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE",
                                   "PIPELINING", "SASL PLAIN LOGIN", "EXPIRE NEVER", "LOGIN-DELAY 0"};
  if (options.stls) caps.push_back("STLS");
  if (!options.implementation.empty()) caps.push_back("IMPLEMENTATION " + options.implementation);
  return multiline("Capability list follows", caps);
}

std::string multiline(std::string_view first, const std::vector<std::string>& lines) {
  std::string out = ok(first);
  for (const auto& l : lines) {
    append_clean(&out, l);
    out.append("\r\n");
  }
  out.append(kEndOfMultiline);
  return out;
}

}  // namespace loft::proto::pop3
