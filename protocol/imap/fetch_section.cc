// BODY[section] byte ranges (see fetch_section.h).
#include "protocol/imap/fetch_section.h"

#include <algorithm>

namespace loft::proto::imap {

using mime::Part;

std::optional<uint32_t> find_part(const mime::Structure& s, const std::vector<uint32_t>& numbers) {
  if (s.parts.empty()) return std::nullopt;
  uint32_t cur = 0;
  for (size_t i = 0; i < numbers.size(); ++i) {
    bool more = i + 1 < numbers.size();
    const Part& p = s.parts[cur];
    auto kids = mime::children_of(s, cur);
    if (p.has(Part::kMultipart) && kids.empty()) return kEmptyPart;  // nothing inside: empty
    if (!p.has(Part::kMultipart)) {
      // RFC 3501 §6.4.5: a part that is not multipart has only part 1, its
      // body; only a message/rfc822 may be numbered further (its message).
      if (numbers[i] != 1) return std::nullopt;
      if (!more) continue;
      if (!p.has(Part::kMessage) || kids.empty()) return std::nullopt;
      cur = kids[0];
      continue;
    }
    if (numbers[i] == 0 || numbers[i] > kids.size()) return std::nullopt;
    cur = kids[numbers[i] - 1];
    if (more && s.parts[cur].has(Part::kMessage)) {
      // Going on inside a message/rfc822: its parts are the encapsulated message's.
      auto inner = mime::children_of(s, cur);
      if (inner.empty()) return std::nullopt;
      cur = inner[0];
    }
  }
  return cur;
}

std::optional<SectionRange> section_range(const mime::Structure& s, const FetchAtt& att) {
  auto idx = find_part(s, att.part);
  if (!idx) return std::nullopt;
  if (*idx == kEmptyPart) return SectionRange{0, 0};
  const Part& p = s.parts[*idx];
  using Text = FetchAtt::Text;
  switch (att.text) {
    case Text::all: return SectionRange{p.body_offset, p.body_end};
    case Text::mime: return SectionRange{p.header_offset, p.body_offset};
    case Text::header:
    case Text::header_fields:
    case Text::header_fields_not:
    case Text::text: {
      // RFC 3501 §6.4.5: these name the message encapsulated by a message/rfc822 part.
      // A part that is no message/rfc822 has no such section: it is empty (as in Dovecot).
      auto kids = mime::children_of(s, *idx);
      if (!p.has(Part::kMessage) || kids.empty()) return SectionRange{0, 0};
      const Part* m = &s.parts[kids[0]];
      if (att.text == Text::text) return SectionRange{m->body_offset, m->body_end};
      return SectionRange{m->header_offset, m->body_offset};
    }
  }
  return std::nullopt;
}

std::optional<SectionRange> locate_section(const FetchAtt& att, uint64_t size, uint64_t header_size,
                                           const mime::Structure* structure) {
  using Text = FetchAtt::Text;
  if (!att.part.empty()) {
    if (!structure) return std::nullopt;
    auto range = section_range(*structure, att);
    if (!range) return std::nullopt;
    uint64_t b = std::min(range->begin, size), e = std::min(range->end, size);
    return SectionRange{b, std::max(b, e)};
  }
  header_size = std::min(header_size, size);
  switch (att.text) {
    case Text::header:
    case Text::header_fields:
    case Text::header_fields_not: return SectionRange{0, header_size};
    case Text::text: return SectionRange{header_size, size};
    case Text::all:
    case Text::mime: break;  // MIME needs a part number (RFC 3501 §9)
  }
  return SectionRange{0, size};
}

}  // namespace loft::proto::imap
