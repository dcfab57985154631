// Binary Structure encoding (see codec.h): varints, length-prefixed strings,
// a presence bitmap per part for the optional fields.
#include "protocol/mime/codec.h"

#include <array>

namespace loft::proto::mime {
namespace {

void put_varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void put_str(std::string* out, std::string_view s) {
  put_varint(out, s.size());
  out->append(s);
}

void put_params(std::string* out, const std::vector<Param>& ps) {
  put_varint(out, ps.size());
  for (const auto& [k, v] : ps) {
    put_str(out, k);
    put_str(out, v);
  }
}

void put_optionals(std::string* out, std::initializer_list<const std::optional<std::string>*> fields) {
  uint32_t bits = 0, i = 0;
  for (auto* f : fields) bits |= (f->has_value() ? 1u : 0u) << i++;
  put_varint(out, bits);
  for (auto* f : fields)
    if (*f) put_str(out, **f);
}

class In {
 public:
  explicit In(std::string_view b) : b_(b) {}
  bool varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= b_.size()) return false;
      auto c = static_cast<uint8_t>(b_[p_++]);
      *v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return true;
    }
    return false;
  }
  bool str(std::string* s) {
    uint64_t n;
    if (!varint(&n) || n > b_.size() - p_) return false;
    s->assign(b_.substr(p_, n));
    p_ += n;
    return true;
  }
  // A count of items each taking at least one byte: never more than what is left.
  bool count(uint64_t* n) { return varint(n) && *n <= b_.size() - p_; }
  bool params(std::vector<Param>* ps) {
    uint64_t n;
    if (!count(&n)) return false;
    ps->resize(n);
    for (auto& [k, v] : *ps)
      if (!str(&k) || !str(&v)) return false;
    return true;
  }
  bool optionals(std::initializer_list<std::optional<std::string>*> fields) {
    uint64_t bits;
    if (!varint(&bits) || bits >> fields.size()) return false;
    uint32_t i = 0;
    for (auto* f : fields) {
      if (bits & (1u << i++)) {
        f->emplace();
        if (!str(&**f)) return false;
      }
    }
    return true;
  }
  bool done() const { return p_ == b_.size(); }
  bool skip(uint64_t n) {
    if (n > b_.size() - p_) return false;
    p_ += n;
    return true;
  }
  size_t pos() const { return p_; }

 private:
  std::string_view b_;
  size_t p_ = 0;
};

Error corrupt(const char* what) { return make_error(Errc::bad_input, std::string("message structure: ") + what); }

}  // namespace

void encode_structure(const Structure& s, std::string* out, const std::optional<std::string>& sort_header) {
  out->push_back(static_cast<char>(kStructureVersion));
  // 0: no sort header; n + 1: one of n bytes follows.
  put_varint(out, sort_header ? sort_header->size() + 1 : 0);
  if (sort_header) out->append(*sort_header);
  put_varint(out, s.parts.size());
  for (const Part& p : s.parts) {
    out->push_back(static_cast<char>(p.flags));
    put_varint(out, p.end);
    put_varint(out, p.header_offset);
    put_varint(out, p.body_offset - p.header_offset);
    put_varint(out, p.body_end - p.body_offset);
    put_varint(out, p.body_lines);
    put_optionals(out, {&p.type, &p.subtype, &p.id, &p.description, &p.encoding, &p.md5, &p.location, &p.disposition});
    put_params(out, p.params);
    put_params(out, p.disposition_params);
    put_varint(out, p.language.size());
    for (const auto& l : p.language) put_str(out, l);
    if (p.has(Part::kHasEnvelope)) {
      const Envelope& e = p.envelope;
      put_optionals(out, {&e.date, &e.subject, &e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc, &e.in_reply_to,
                          &e.message_id});
    }
  }
}

std::optional<std::string_view> structure_sort_header(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != 2) return std::nullopt;
  In in(bytes.substr(1));
  uint64_t n;
  if (!in.varint(&n) || n == 0) return std::nullopt;
  size_t start = 1 + in.pos();
  if (!in.skip(n - 1)) return std::nullopt;
  return bytes.substr(start, n - 1);
}

Result<Structure> decode_structure(std::string_view bytes) {
  if (bytes.empty()) return corrupt("empty");
  const auto version = static_cast<uint8_t>(bytes[0]);
  if (version != 1 && version != 2) return corrupt("unknown version");
  In in(bytes.substr(1));
  if (version == 2) {
    uint64_t sort_len;
    if (!in.varint(&sort_len) || (sort_len && !in.skip(sort_len - 1))) return corrupt("truncated sort header");
  }
  Structure s;
  uint64_t n;
  if (!in.count(&n) || n == 0 || n > kMaxParts) return corrupt("bad part count");
  s.parts.resize(n);
  std::vector<uint64_t> open;  // subtree ends of the ancestors of the part being read
  for (uint64_t i = 0; i < n; ++i) {
    Part& p = s.parts[i];
    uint64_t flags, end, ho, hl, bl, lines;
    // flags is one byte below 0x80, so its varint reading is the byte itself.
    if (!in.varint(&flags) || flags > 0x3f) return corrupt("bad flags");
    if (!in.varint(&end) || !in.varint(&ho) || !in.varint(&hl) || !in.varint(&bl) || !in.varint(&lines))
      return corrupt("truncated part");
    if (ho > UINT64_MAX / 4 || hl > UINT64_MAX / 4 || bl > UINT64_MAX / 4) return corrupt("bad offsets");
    while (!open.empty() && open.back() <= i) open.pop_back();
    if (end <= i || end > n || (!open.empty() && end > open.back()) || (i == 0 && end != n))
      return corrupt("bad tree");
    if (open.size() >= kMaxDepth + 1) return corrupt("too deep");
    open.push_back(end);
    p.flags = static_cast<uint8_t>(flags);
    p.end = static_cast<uint32_t>(end);
    p.header_offset = ho;
    p.body_offset = ho + hl;
    p.body_end = p.body_offset + bl;
    p.body_lines = lines;
    if (!in.optionals({&p.type, &p.subtype, &p.id, &p.description, &p.encoding, &p.md5, &p.location, &p.disposition}) ||
        !in.params(&p.params) || !in.params(&p.disposition_params))
      return corrupt("truncated fields");
    uint64_t nl;
    if (!in.count(&nl)) return corrupt("truncated languages");
    p.language.resize(nl);
    for (auto& l : p.language)
      if (!in.str(&l)) return corrupt("truncated languages");
    if (p.has(Part::kHasEnvelope)) {
      Envelope& e = p.envelope;
      if (!in.optionals({&e.date, &e.subject, &e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc, &e.in_reply_to,
                         &e.message_id}))
        return corrupt("truncated envelope");
    }
  }
  if (!in.done()) return corrupt("trailing bytes");
  return s;
}

}  // namespace loft::proto::mime
