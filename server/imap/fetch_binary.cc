// FETCH BINARY sections, decoded while streaming (see fetch_binary.h).
#include "server/imap/fetch_binary.h"

#include <algorithm>
#include <memory>

#include "protocol/imap/binary_fetch.h"
#include "protocol/imap/fetch_section.h"

namespace loft::server::imap {

namespace pi = proto::imap;
namespace mime = proto::mime;
using Kind = pi::FetchAtt::Kind;

namespace {

constexpr uint64_t kRawPiece = 64 * 1024;

// What one streaming pass learns of a source's decoded bytes.
struct Measured {
  uint64_t size = 0;
  bool nul = false;  // a NUL lies in the decoded range [from, to)
};

// Decodes the whole source once, counting its bytes and looking for a NUL in
// decoded positions [from, to) (the bytes a BINARY partial sends).
Result<Measured> measure(storage::Store& store, storage::BlobId blob, const BinarySource& src, uint64_t from,
                         uint64_t to) {
  Measured r;
  if (src.cte == mime::Cte::identity) {
    // Undecoded: the size is the range's; only the bytes to send are scanned.
    r.size = src.end - src.begin;
    for (uint64_t pos = src.begin + std::min(r.size, from), end = src.begin + std::min(r.size, to);
         pos < end && !r.nul; pos += kRawPiece) {
      auto raw = storage::read_body_exact(store, blob, pos, std::min(kRawPiece, end - pos));
      if (!raw) return raw.error();
      r.nul = raw->find('\0') != std::string::npos;
    }
    return r;
  }
  mime::TransferDecoder decoder(src.cte);
  std::string out;
  auto scan = [&] {
    uint64_t base = r.size;
    r.size += out.size();
    uint64_t b = std::max(base, from), e = std::min(r.size, to);
    if (!r.nul && b < e && std::find(out.begin() + static_cast<ptrdiff_t>(b - base),
                                     out.begin() + static_cast<ptrdiff_t>(e - base), '\0') !=
                               out.begin() + static_cast<ptrdiff_t>(e - base)) {
      r.nul = true;
    }
    out.clear();
  };
  for (uint64_t pos = src.begin; pos < src.end; pos += kRawPiece) {
    auto raw = storage::read_body_exact(store, blob, pos, std::min(kRawPiece, src.end - pos));
    if (!raw) return raw.error();
    decoder.feed(*raw, &out);
    scan();
  }
  decoder.finish(&out);
  scan();
  return r;
}

}  // namespace

BinarySource binary_source(const mime::Structure* structure, const storage::MessageMeta& m, const pi::FetchAtt& att) {
  if (att.part.empty()) return BinarySource{0, m.size, mime::Cte::identity};  // the whole message, as stored
  if (!structure) return BinarySource{};
  auto idx = pi::find_part(*structure, att.part);
  if (!idx || *idx == pi::kEmptyPart) return BinarySource{};
  const mime::Part& p = structure->parts[*idx];
  uint64_t b = std::min(p.body_offset, m.size), e = std::min(std::max(p.body_end, p.body_offset), m.size);
  if (p.has(mime::Part::kMultipart) || p.has(mime::Part::kMessage)) return BinarySource{b, e, mime::Cte::identity};
  return BinarySource{b, e, mime::classify_cte(p.encoding)};
}

bool has_unknown_cte(const mime::Structure* structure, const storage::MessageMeta& m,
                     const std::vector<pi::FetchAtt>& items) {
  return std::any_of(items.begin(), items.end(), [&](const pi::FetchAtt& it) {
    return (it.kind == Kind::binary || it.kind == Kind::binary_size) &&
           binary_source(structure, m, it).cte == mime::Cte::unknown;
  });
}

DecodedSlice::DecodedSlice(storage::Store& store, storage::BlobId blob, BinarySource src, uint64_t skip,
                           uint64_t take)
    : store_(store), blob_(blob), pos_(src.begin), end_(src.end), skip_(skip), take_(take), decoder_(src.cte) {
  if (src.cte == mime::Cte::identity) {
    // Undecoded bytes: the skipped ones need not be read at all.
    pos_ = std::min(end_, pos_ + skip_);
    skip_ = 0;
  }
}

Result<void> DecodedSlice::produce(std::string* out) {
  if (take_ == 0) return {};
  std::string decoded;
  if (pos_ < end_) {
    uint64_t n = std::min(kRawPiece, end_ - pos_);
    auto raw = storage::read_body_exact(store_, blob_, pos_, n);
    if (!raw) return raw.error();
    pos_ += n;
    decoder_.feed(*raw, &decoded);
  } else if (!finished_) {
    decoder_.finish(&decoded);
    finished_ = true;
  } else {
    // The measuring pass saw more bytes than are there now: the store changed under us.
    return make_error(Errc::internal, "decoded section shorter than measured");
  }
  uint64_t drop = std::min<uint64_t>(skip_, decoded.size());
  skip_ -= drop;
  uint64_t n = std::min<uint64_t>(take_, decoded.size() - drop);
  out->append(decoded, drop, n);
  take_ -= n;
  return {};
}

Result<void> append_binary_item(std::deque<Segment>* segs, std::string* text, storage::Store& store,
                                const storage::MessageMeta& m, const mime::Structure* structure,
                                const pi::FetchAtt& att) {
  BinarySource src = binary_source(structure, m, att);
  if (att.kind == Kind::binary_size) {
    uint64_t size = src.end - src.begin;
    if (src.cte != mime::Cte::identity) {
      auto r = measure(store, m.blob, src, 0, 0);
      if (!r) return r.error();
      size = r->size;
    }
    pi::BinarySizeItem{att.part, size}.serialize(text);
    return {};
  }
  // RFC 3516 §4.2: a partial applies to the decoded data.
  uint64_t from = att.partial_offset.value_or(0);
  uint64_t to = att.partial_offset ? from + att.partial_length : UINT64_MAX;
  auto r = measure(store, m.blob, src, from, to);
  if (!r) return r.error();
  uint64_t b = std::min(r->size, from), e = std::min(r->size, to);
  // §4.3: a literal8 only for data holding a NUL; other data goes as a literal.
  pi::BinaryItem{att.part, att.partial_offset, e - b, r->nul}.serialize(text);
  segs->push_back(Segment{std::move(*text), 0, 0, 0, nullptr});
  text->clear();
  if (e > b) segs->push_back(Segment{{}, 0, 0, 0, std::make_shared<DecodedSlice>(store, m.blob, src, b, e - b)});
  return {};
}

}  // namespace loft::server::imap
