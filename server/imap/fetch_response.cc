#include "server/imap/fetch_response.h"

#include <algorithm>

#include "base/bytes.h"
#include "protocol/imap/body_structure.h"
#include "protocol/imap/fetch_section.h"
#include "protocol/imap/preview.h"
#include "protocol/imap/writer.h"
#include "server/imap/fetch_binary.h"
#include "server/imap/flags.h"

namespace loft::server::imap {

namespace pi = proto::imap;
using Kind = pi::FetchAtt::Kind;
using Text = pi::FetchAtt::Text;

Result<FetchNeeds> check_fetch_items(const std::vector<pi::FetchAtt>& items) {
  FetchNeeds needs;
  for (const auto& it : items) {
    switch (it.kind) {
      case Kind::flags: needs.flags = true; break;
      case Kind::uid:
      case Kind::internaldate:
      case Kind::rfc822_size:
      case Kind::modseq: break;
      case Kind::emailid: needs.email_id = true; break;
      case Kind::threadid:
      case Kind::savedate: break;
      case Kind::preview: needs.structure = true; break;  // RFC 8970: from the stored structure
      case Kind::envelope:
      case Kind::body_structure:
      case Kind::body: needs.structure = true; break;
      case Kind::rfc822:
      case Kind::rfc822_text: needs.body = needs.sets_seen = true; break;
      case Kind::rfc822_header: needs.body = true; break;
      case Kind::binary:  // RFC 3516 §4.2: BINARY sets \Seen as BODY[] does, BINARY.PEEK not
        needs.sets_seen |= !it.peek;
        [[fallthrough]];
      case Kind::binary_size:
        if (!it.part.empty()) needs.structure = true;
        needs.body = true;
        break;
      case Kind::section:
        if (!it.part.empty()) needs.structure = true;
        needs.body = true;
        needs.sets_seen |= !it.peek;
        break;
    }
  }
  return needs;
}

std::string filter_header_fields(std::string_view header, const std::vector<std::string>& names, bool exclude) {
  std::string out;
  size_t pos = 0;
  while (pos < header.size()) {
    // A field is its first line plus the continuation lines starting with SP or HTAB (RFC 5322 §2.2.3).
    size_t end = pos;
    do {
      size_t nl = header.find('\n', end);
      end = nl == std::string_view::npos ? header.size() : nl + 1;
    } while (end < header.size() && (header[end] == ' ' || header[end] == '\t'));
    std::string_view field = header.substr(pos, end - pos);
    pos = end;
    if (field == "\r\n" || field == "\n") continue;  // the blank line: appended below
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) {
      // A line that is no field names no field: it never matches, so only
      // HEADER.FIELDS.NOT returns it (as Dovecot does for malformed headers).
      if (exclude) out.append(field);
      continue;
    }
    std::string_view name = field.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    bool listed = std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); });
    if (listed != exclude) out.append(field);
  }
  out += "\r\n";
  return out;
}

namespace {

// Appends the section name as the reply must echo it (§7.4.2 "BODY[section]<origin>").
void append_section_name(std::string* out, const pi::FetchAtt& it) {
  *out += "BODY[";
  for (size_t i = 0; i < it.part.size(); ++i) {
    if (i) *out += '.';
    *out += std::to_string(it.part[i]);
  }
  if (!it.part.empty() && it.text != Text::all) *out += '.';
  switch (it.text) {
    case Text::all: break;
    case Text::header: *out += "HEADER"; break;
    case Text::text: *out += "TEXT"; break;
    case Text::mime: *out += "MIME"; break;
    case Text::header_fields:
    case Text::header_fields_not: {
      *out += it.text == Text::header_fields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (";
      for (size_t i = 0; i < it.header_fields.size(); ++i) {
        if (i) *out += ' ';
        pi::append_astring(out, it.header_fields[i]);
      }
      *out += ')';
      break;
    }
  }
  *out += ']';
  if (it.partial_offset) *out += "<" + std::to_string(*it.partial_offset) + ">";
}

// Appends a literal of body bytes [begin, end) clipped by the partial range.
void add_range(std::deque<Segment>* segs, std::string* text, const storage::MessageMeta& m, uint64_t begin,
               uint64_t end, const pi::FetchAtt* partial) {
  if (partial && partial->partial_offset) {
    begin = std::min(end, begin + *partial->partial_offset);
    end = std::min(end, begin + partial->partial_length);
  }
  pi::append_literal_header(text, end - begin);
  segs->push_back(Segment{std::move(*text), 0, 0, 0, nullptr});
  text->clear();
  if (end > begin) segs->push_back(Segment{{}, m.blob, begin, end - begin, nullptr});
}

// Appends the HEADER.FIELDS[.NOT] literal of header, clipped by the partial.
void append_filtered(std::string* text, std::string_view header, const pi::FetchAtt& it) {
  std::string fields = filter_header_fields(header, it.header_fields, it.text == Text::header_fields_not);
  uint64_t b = 0, e = fields.size();
  if (it.partial_offset) {
    b = std::min<uint64_t>(e, *it.partial_offset);
    e = std::min<uint64_t>(e, b + it.partial_length);
  }
  pi::append_literal_header(text, e - b);
  text->append(fields, b, e - b);
}

}  // namespace

Result<std::deque<Segment>> build_fetch_response(uint32_t seq, const storage::MessageMeta& m,
                                                 const std::vector<pi::FetchAtt>& items, bool uid_fetch,
                                                 bool add_flags, const HeaderReader& read_header,
                                                 const proto::mime::Structure* structure, bool recent,
                                                 storage::Store* store, std::string_view email_id) {
  std::deque<Segment> segs;
  std::string text = "* " + std::to_string(seq) + " FETCH (";
  bool first = true;
  auto sep = [&] {
    if (!first) text += ' ';
    first = false;
  };
  bool has_uid = std::any_of(items.begin(), items.end(), [](const auto& i) { return i.kind == Kind::uid; });
  if (uid_fetch && !has_uid) {  // RFC 3501 §6.4.8
    sep();
    text += "UID " + std::to_string(m.uid);
  }
  if (add_flags) {
    sep();
    text += "FLAGS ";
    append_flags(&text, m.flags, m.keywords, recent);
  }
  for (const auto& it : items) {
    if (add_flags && it.kind == Kind::flags) continue;  // already sent above
    sep();
    switch (it.kind) {
      case Kind::flags:
        text += "FLAGS ";
        append_flags(&text, m.flags, m.keywords, recent);
        break;
      case Kind::uid: text += "UID " + std::to_string(m.uid); break;
      case Kind::internaldate:
        text += "INTERNALDATE \"" + pi::format_internal_date(m.internal_date, m.tz_offset_minutes) + "\"";
        break;
      case Kind::rfc822_size: text += "RFC822.SIZE " + std::to_string(m.size); break;
      case Kind::modseq: text += "MODSEQ (" + std::to_string(m.modseq) + ")"; break;  // RFC 7162 §3.1.4
      case Kind::emailid: text += "EMAILID (" + std::string(email_id) + ")"; break;  // RFC 8474 §5.1
      case Kind::threadid: text += "THREADID NIL"; break;  // RFC 8474 §5.2: no threads kept
      case Kind::savedate:  // RFC 8514 §4.1: a date-time, NIL when the save date is unknown
        text += "SAVEDATE ";
        if (m.save_date) text += "\"" + pi::format_internal_date(*m.save_date, 0) + "\"";
        else text += "NIL";
        break;
      case Kind::preview: {  // RFC 8970 §3: always computed, "" when there is no text
        if (!structure) return make_error(Errc::internal, "no message structure");
        auto preview = pi::make_preview(*structure, [&](uint64_t offset, uint64_t length) {
          return read_header(m, std::min(offset, m.size), std::min(length, m.size - std::min(offset, m.size)));
        });
        if (!preview) return preview.error();
        text += "PREVIEW ";
        pi::append_string(&text, *preview);
        break;
      }
      case Kind::rfc822: text += "RFC822 "; add_range(&segs, &text, m, 0, m.size, nullptr); break;
      case Kind::rfc822_header: text += "RFC822.HEADER "; add_range(&segs, &text, m, 0, m.header_size, nullptr); break;
      case Kind::rfc822_text: text += "RFC822.TEXT "; add_range(&segs, &text, m, m.header_size, m.size, nullptr); break;
      case Kind::envelope:
        text += "ENVELOPE ";
        if (!structure || structure->parts.empty()) return make_error(Errc::internal, "no message structure");
        pi::append_envelope(&text, structure->parts[0].envelope);
        break;
      case Kind::body:
      case Kind::body_structure:
        if (!structure) return make_error(Errc::internal, "no message structure");
        text += it.kind == Kind::body ? "BODY " : "BODYSTRUCTURE ";
        pi::append_body_structure(&text, *structure, it.kind == Kind::body_structure);
        break;
      case Kind::section: {
        append_section_name(&text, it);
        text += ' ';
        if (!it.part.empty() && !structure) return make_error(Errc::internal, "no message structure");
        auto range = pi::locate_section(it, m.size, m.header_size, structure);
        if (!range) {
          text += "\"\"";  // no such part: empty, as Dovecot answers
          break;
        }
        if (it.text == Text::header_fields || it.text == Text::header_fields_not) {
          auto header = read_header(m, range->begin, range->end - range->begin);
          if (!header) return header.error();
          append_filtered(&text, *header, it);
        } else {
          add_range(&segs, &text, m, range->begin, range->end, &it);
        }
        break;
      }
      case Kind::binary:
      case Kind::binary_size: {
        if (!store || (!it.part.empty() && !structure)) return make_error(Errc::internal, "no store for BINARY");
        if (auto r = append_binary_item(&segs, &text, *store, m, structure, it); !r) return r.error();
        break;
      }
      default: return make_error(Errc::internal, "unchecked FETCH item");
    }
  }
  text += ")\r\n";
  segs.push_back(Segment{std::move(text), 0, 0, 0, nullptr});
  return segs;
}

}  // namespace loft::server::imap
