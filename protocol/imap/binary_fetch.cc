// FETCH BINARY grammar and response items (see binary_fetch.h).
#include "protocol/imap/binary_fetch.h"

#include "base/bytes.h"

namespace loft::proto::imap {
namespace {

bool is_part_char(unsigned char c) { return (c >= '0' && c <= '9') || c == '.'; }

// section-part = nz-number *("." nz-number) (RFC 3501 §9), each 32-bit.
bool parse_section_part(Reader* r, std::string_view spec, std::vector<uint32_t>* part) {
  for (;;) {
    size_t dot = spec.find('.');
    std::string_view num = spec.substr(0, dot);
    if (num.empty() || num[0] == '0' || num.size() > 10) return r->fail("Invalid BINARY section");
    uint64_t v = 0;
    for (char c : num) {
      if (c < '0' || c > '9') return r->fail("Invalid BINARY section");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return r->fail("Invalid BINARY section");
    part->push_back(static_cast<uint32_t>(v));
    if (dot == std::string_view::npos) return true;
    spec.remove_prefix(dot + 1);
  }
}

void append_part(std::string* out, std::span<const uint32_t> part) {
  out->push_back('[');
  for (size_t i = 0; i < part.size(); ++i) {
    if (i) out->push_back('.');
    out->append(std::to_string(part[i]));
  }
  out->push_back(']');
}

}  // namespace

bool parse_binary_att(Reader* r, std::string_view name, FetchAtt* att) {
  bool size = iequals(name, "BINARY.SIZE");
  bool peek = iequals(name, "BINARY.PEEK");
  if (!size && !peek && !iequals(name, "BINARY")) return false;
  att->kind = size ? FetchAtt::Kind::binary_size : FetchAtt::Kind::binary;
  att->peek = peek;
  if (!r->expect('[')) return false;
  if (r->peek() != ']') {
    std::string_view spec;
    if (!r->read_run(is_part_char, &spec, "BINARY section")) return false;
    if (!parse_section_part(r, spec, &att->part)) return false;
  }
  if (!r->expect(']')) return r->fail("Invalid BINARY section");
  if (size || !r->skip_if('<')) return true;
  uint64_t offset = 0;
  uint64_t length = 0;
  // RFC 3501 §9 partial: 32-bit offset and non-zero length.
  if (!r->read_number(UINT32_MAX, &offset) || !r->expect('.') || !r->read_nz_number(UINT32_MAX, &length) ||
      !r->expect('>')) {
    return r->fail("Invalid partial");
  }
  att->partial_offset = offset;
  att->partial_length = length;
  return true;
}

void BinaryItem::serialize(std::string* out) const {
  out->append("BINARY");
  append_part(out, part);
  if (origin) out->append("<" + std::to_string(*origin) + ">");
  out->append(literal8 ? " ~{" : " {");
  out->append(std::to_string(size));
  out->append("}\r\n");
}

void BinarySizeItem::serialize(std::string* out) const {
  out->append("BINARY.SIZE");
  append_part(out, part);
  out->push_back(' ');
  out->append(std::to_string(size));
}

}  // namespace loft::proto::imap
