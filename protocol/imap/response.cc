// Serialization of the typed responses (RFC 3501 §7, §9 grammar).
#include "protocol/imap/response.h"

namespace loft::proto::imap {
namespace {

// RFC 3501 §9 flag-keyword = atom: a keyword that is not one (stored before
// validation existed, or damaged) is left out rather than break the line.
bool keyword_atom(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
      case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']': return false;
      default: break;
    }
  }
  return true;
}

void append_number(std::string* out, uint64_t n) { out->append(std::to_string(n)); }

// Appends the system flags in bits, each preceded by a space when out does not end with '('.
void append_system(std::string* out, uint32_t bits) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kFlagSeen, "\\Seen"}, {kFlagAnswered, "\\Answered"}, {kFlagFlagged, "\\Flagged"},
      {kFlagDeleted, "\\Deleted"}, {kFlagDraft, "\\Draft"}};
  for (const auto& [bit, name] : kNames) {
    if (!(bits & bit)) continue;
    if (out->back() != '(') out->push_back(' ');
    out->append(name);
  }
}

void append_keywords(std::string* out, std::span<const std::string> keywords) {
  for (const std::string& k : keywords) {
    if (!keyword_atom(k)) continue;
    if (out->back() != '(') out->push_back(' ');
    out->append(k);
  }
}

}  // namespace

void append_flags(std::string* out, uint32_t bits, std::span<const std::string> keywords, bool recent) {
  out->push_back('(');
  append_system(out, bits);
  if (recent) {
    if (out->back() != '(') out->push_back(' ');
    out->append("\\Recent");
  }
  append_keywords(out, keywords);
  out->push_back(')');
}

const char* status_name(Status s) {
  switch (s) {
    case Status::ok: return "OK";
    case Status::no: return "NO";
    case Status::bad: return "BAD";
    case Status::preauth: return "PREAUTH";
    case Status::bye: return "BYE";
  }
  return "BAD";
}

ResponseCode ResponseCode::permanentflags(uint32_t bits, std::span<const std::string> keywords, bool new_keywords) {
  ResponseCode c{"PERMANENTFLAGS", {}};
  c.arg.push_back('(');
  append_system(&c.arg, bits);
  append_keywords(&c.arg, keywords);
  if (new_keywords) {
    if (c.arg.back() != '(') c.arg.push_back(' ');
    c.arg.append("\\*");  // §7.1 PERMANENTFLAGS: new keywords may be created
  }
  c.arg.push_back(')');
  return c;
}

void StatusResponse::serialize(std::string* out) const {
  out->append(tag.empty() ? std::string_view("*") : tag);
  out->push_back(' ');
  out->append(status_name(status));
  out->push_back(' ');
  if (code) {
    out->push_back('[');
    out->append(code->name);
    if (!code->arg.empty()) out->append(" ").append(code->arg);
    out->append("] ");
  }
  if (text.empty()) out->append("completed");
  for (char c : text) out->push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
  out->append("\r\n");
}

void ExistsResponse::serialize(std::string* out) const {
  out->append("* ");
  append_number(out, count);
  out->append(" EXISTS\r\n");
}

void RecentResponse::serialize(std::string* out) const {
  out->append("* ");
  append_number(out, count);
  out->append(" RECENT\r\n");
}

void ExpungeResponse::serialize(std::string* out) const {
  out->append("* ");
  append_number(out, seq);
  out->append(" EXPUNGE\r\n");
}

void FetchFlagsResponse::serialize(std::string* out) const {
  out->append("* ");
  append_number(out, seq);
  out->append(" FETCH (");
  if (uid) {
    out->append("UID ");
    append_number(out, *uid);
    out->push_back(' ');
  }
  out->append("FLAGS ");
  append_flags(out, bits, keywords, recent);
  if (modseq) {
    out->append(" MODSEQ (");  // RFC 7162 §3.2.4: MODSEQ (n)
    append_number(out, *modseq);
    out->push_back(')');
  }
  out->append(")\r\n");
}

void FlagsResponse::serialize(std::string* out) const {
  out->append("* FLAGS ");
  append_flags(out, bits, keywords, false);
  out->append("\r\n");
}

void CapabilityResponse::serialize(std::string* out) const {
  out->append("* CAPABILITY ");
  out->append(list);
  out->append("\r\n");
}

void ContinuationResponse::serialize(std::string* out) const {
  out->append("+ ");
  out->append(text);
  out->append("\r\n");
}

}  // namespace loft::proto::imap
