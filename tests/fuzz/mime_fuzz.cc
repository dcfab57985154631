// Fuzz target for protocol/mime and the IMAP structure writers. Invariants:
// no crash; a message fed in two pieces (split where the first byte says)
// or byte by byte (short inputs) gives the structure of one feed; the tree is
// consistent (subtrees nested, offsets ordered and within the message); the
// encoding decodes back to the same structure; the input taken as an encoding
// decodes or is refused without a crash, and what decodes can be written out;
// no written value carries a NUL.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/imap/body_structure.h"
#include "protocol/imap/fetch_section.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"

namespace mime = loft::proto::mime;
namespace imap = loft::proto::imap;

namespace {

void check_tree(const mime::Structure& s, uint64_t size) {
  if (s.parts.empty() || s.parts[0].end != s.parts.size()) std::abort();
  for (uint32_t i = 0; i < s.parts.size(); ++i) {
    const mime::Part& p = s.parts[i];
    if (p.end <= i || p.end > s.parts.size()) std::abort();
    if (p.header_offset > p.body_offset || p.body_offset > p.body_end || p.body_end > size) std::abort();
    for (uint32_t k : mime::children_of(s, i))
      if (s.parts[k].header_offset < p.body_offset || s.parts[k].body_end > p.body_end) std::abort();
  }
}

void write_all(const mime::Structure& s) {
  std::string out;
  imap::append_envelope(&out, s.parts[0].envelope);
  imap::append_body_structure(&out, s, true);
  imap::append_body_structure(&out, s, false);
  if (out.find('\0') != std::string::npos) std::abort();
  imap::FetchAtt att;
  att.kind = imap::FetchAtt::Kind::section;
  for (uint32_t a = 1; a <= 3; ++a) {
    for (uint32_t b = 0; b <= 2; ++b) {
      att.part = b ? std::vector<uint32_t>{a, b} : std::vector<uint32_t>{a};
      for (auto t : {imap::FetchAtt::Text::all, imap::FetchAtt::Text::mime, imap::FetchAtt::Text::header,
                     imap::FetchAtt::Text::text}) {
        att.text = t;
        auto r = imap::section_range(s, att);
        if (r && r->begin > r->end) std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto whole = mime::parse(input);
  check_tree(whole, size);
  size_t cut = size == 0 ? 0 : (static_cast<size_t>(data[0]) * 131) % (size + 1);
  mime::Parser two;
  two.feed(input.substr(0, cut));
  two.feed(input.substr(cut));
  if (!(two.finish() == whole)) std::abort();
  // The sort header is the same however the input is split, and survives the codec.
  mime::Parser one;
  one.feed(input);
  one.finish();
  if (one.sort_header() != two.sort_header()) std::abort();
  std::string with_sort;
  mime::encode_structure(whole, &with_sort, one.sort_header());
  auto kept = mime::structure_sort_header(with_sort);
  if (kept.has_value() != one.sort_header().has_value() || (kept && *kept != *one.sort_header())) std::abort();
  auto back2 = mime::decode_structure(with_sort);
  if (!back2.ok() || !(*back2 == whole)) std::abort();
  if (size <= 4096) {
    mime::Parser bytes;
    for (char c : input) bytes.feed(std::string_view(&c, 1));
    if (!(bytes.finish() == whole)) std::abort();
  }
  std::string enc;
  mime::encode_structure(whole, &enc);
  auto back = mime::decode_structure(enc);
  if (!back.ok() || !(*back == whole)) std::abort();
  write_all(whole);
  auto decoded = mime::decode_structure(input);
  if (decoded.ok()) write_all(*decoded);
  return 0;
}
