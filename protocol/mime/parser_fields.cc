// Parser::apply_field: what one header field of a part contributes to its
// structure (RFC 2045 §4-§8, RFC 2183, RFC 3282, RFC 5322 §3.6 for the envelope).
#include "base/bytes.h"
#include "protocol/mime/header_fields.h"
#include "protocol/mime/parser.h"

namespace loft::proto::mime {

void Parser::apply_field(std::string_view name, std::string_view value) {
  Part& p = s_.parts[stack_.back()];
  if (iequals(name, "Mime-Version")) {
    p.flags |= Part::kIsMime;
    return;
  }
  // The values kept over the whole message are bounded (kMaxKeptBytes): past
  // the budget a field is read as if absent, except for what splits parts.
  bool in_budget = kept_ + value.size() <= kMaxKeptBytes;
  if (p.has(Part::kHasEnvelope) && is_envelope_field(name)) {
    if (in_budget) kept_ += value.size();
    if (in_budget) apply_envelope_field(&p.envelope, name, value);
    return;
  }
  if (name.size() < 8 || !iequals(name.substr(0, 8), "Content-")) return;
  std::string_view what = name.substr(8);
  if (in_budget) kept_ += value.size();
  if (!in_budget && !iequals(what, "Type")) return;
  if (iequals(what, "Type")) {
    p.flags |= Part::kIsMime;  // RFC 2045 §4 is lenient here, as every client is
    if (hs_.seen_type) return;
    hs_.seen_type = true;
    ContentType ct = parse_content_type(value);
    p.type = std::move(ct.type);
    p.subtype = std::move(ct.subtype);
    if (in_budget) p.params = std::move(ct.params);
    p.flags |= ct.flags;
    if (ct.boundary) {
      hs_.have_boundary = true;
      hs_.boundary = std::move(*ct.boundary);
    }
  } else if (iequals(what, "Transfer-Encoding")) {
    if (!hs_.seen_cte) p.encoding = parse_transfer_encoding(value);
    hs_.seen_cte = true;
  } else if (iequals(what, "ID")) {
    if (!hs_.seen_id) p.id = std::string(value);
    hs_.seen_id = true;
  } else if (iequals(what, "MD5")) {
    if (!hs_.seen_md5) p.md5 = std::string(value);
    hs_.seen_md5 = true;
  } else if (iequals(what, "Description")) {
    if (!hs_.seen_desc) p.description = std::string(value);
    hs_.seen_desc = true;
  } else if (iequals(what, "Location")) {
    if (!hs_.seen_loc) p.location = std::string(value);
    hs_.seen_loc = true;
  } else if (iequals(what, "Language")) {
    if (!hs_.seen_lang) p.language = parse_language(value);
    hs_.seen_lang = true;
  } else if (iequals(what, "Disposition")) {
    // Dovecot parses each Content-Disposition until one had parameters.
    if (p.disposition_params.empty()) parse_disposition(value, &p.disposition, &p.disposition_params);
  }
}

}  // namespace loft::proto::mime
