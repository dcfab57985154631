// Header field values for the structure (see header_fields.h).
#include "protocol/mime/header_fields.h"

#include "base/bytes.h"
#include "protocol/mime/lexer.h"

namespace loft::proto::mime {

ContentType parse_content_type(std::string_view value) {
  ContentType ct;
  Lexer lx(value);
  lx.skip_lwsp();
  std::string full;
  int r = lx.content_type(&full);
  size_t slash = full.find('/');
  ct.type = full.substr(0, slash);
  if (slash != std::string::npos) ct.subtype = full.substr(slash + 1);
  std::string_view t(full);
  if (iequals(t, "message/rfc822")) {
    ct.flags = Part::kMessage;
  } else if (t.size() >= 4 && iequals(t.substr(0, 4), "text") && (t.size() == 4 || t[4] == '/')) {
    ct.flags = Part::kText;
  } else if (t.size() >= 10 && iequals(t.substr(0, 10), "multipart/")) {
    ct.flags = Part::kMultipart;
    if (iequals(t.substr(10), "digest")) ct.flags |= Part::kDigest;
  }
  if (r > 0 && lx.peek() != ';') r = -1;  // garbage after type/subtype: broken too
  if (r < 0) {
    // Broken (no "/subtype"): Dovecot 2.3 shows "" "" and no parameters.
    ct.type = "";
    ct.subtype = "";
    ct.flags = 0;
    return ct;
  }
  lx.params(&ct.params);
  if (ct.flags & Part::kMultipart) {
    for (const auto& [k, v] : ct.params) {
      if (iequals(k, "boundary")) {
        ct.boundary = v.substr(0, kMaxBoundary);
        break;
      }
    }
  }
  return ct;
}

std::optional<std::string> parse_transfer_encoding(std::string_view value) {
  Lexer lx(value);
  lx.skip_lwsp();
  std::string tok;
  if (lx.mime_token(&tok) >= 0 && lx.skip_lwsp() == 0 && !tok.empty()) return tok;
  return std::nullopt;
}

std::vector<std::string> parse_language(std::string_view value) {
  std::vector<std::string> out;
  Lexer lx(value);
  lx.skip_lwsp();
  std::string tag;
  while (lx.atom(&tag) >= 0) {
    out.push_back(tag);
    tag.clear();
    if (lx.at_end() || lx.peek() != ',') break;
    lx.advance();
    lx.skip_lwsp();
  }
  return out;
}

void parse_disposition(std::string_view value, std::optional<std::string>* disposition,
                       std::vector<Param>* params) {
  Lexer lx(value);
  lx.skip_lwsp();
  std::string tok;
  if (lx.mime_token(&tok) < 0) return;
  *disposition = std::move(tok);
  params->clear();
  lx.params(params);
}

bool is_envelope_field(std::string_view name) {
  Envelope scratch;
  return apply_envelope_field(&scratch, name, {});
}

bool apply_envelope_field(Envelope* env, std::string_view name, std::string_view value) {
  std::optional<std::string>* slot = nullptr;
  if (iequals(name, "Date")) slot = &env->date;
  else if (iequals(name, "Subject")) slot = &env->subject;
  else if (iequals(name, "From")) slot = &env->from;
  else if (iequals(name, "Sender")) slot = &env->sender;
  else if (iequals(name, "Reply-To")) slot = &env->reply_to;
  else if (iequals(name, "To")) slot = &env->to;
  else if (iequals(name, "Cc")) slot = &env->cc;
  else if (iequals(name, "Bcc")) slot = &env->bcc;
  else if (iequals(name, "In-Reply-To")) slot = &env->in_reply_to;
  else if (iequals(name, "Message-ID")) slot = &env->message_id;
  if (!slot) return false;
  *slot = std::string(value);
  return true;
}

}  // namespace loft::proto::mime
