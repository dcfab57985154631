// Header and body facts for SEARCH, read on demand (see search_content.h).
#include "protocol/imap/search_content.h"

#include <algorithm>

#include "protocol/imap/search_text.h"
#include "protocol/mime/charset.h"

namespace loft::proto::imap {

SearchNeedles::SearchNeedles(const SearchKey& program) { collect(program); }

void SearchNeedles::collect(const SearchKey& key) {
  using K = SearchKey::Kind;
  switch (key.kind) {
    case K::bcc: case K::cc: case K::from: case K::to: case K::subject: case K::header:
      folded_[&key] = mime::fold_case(key.text);
      break;
    case K::body: case K::text:
      folded_[&key] = mime::fold_case(key.text);
      body_index_[&key] = body_.size();
      body_.push_back(folded_[&key]);
      break;
    default:
      break;
  }
  for (const SearchKey& c : key.children) collect(c);
}

SearchContent::SearchContent(const SearchNeedles& needles, ReadFn read, uint64_t size, uint64_t header_size)
    : needles_(needles), read_(std::move(read)), size_(size), header_size_(header_size) {}

bool SearchContent::load_header() {
  if (header_) return true;
  if (error_) return false;
  auto block = read_(0, std::min(header_size_, kMaxHeader));
  if (!block) {
    error_ = block.error();
    return false;
  }
  header_ = std::make_unique<HeaderSearch>(*block);
  return true;
}

bool SearchContent::header_matches(const SearchKey& key) {
  using K = SearchKey::Kind;
  if (!load_header()) return false;
  std::string_view name = key.field;
  switch (key.kind) {
    case K::bcc: name = "Bcc"; break;
    case K::cc: name = "Cc"; break;
    case K::from: name = "From"; break;
    case K::to: name = "To"; break;
    case K::subject: name = "Subject"; break;
    default: break;
  }
  return header_->contains(name, needles_.folded(key));
}

std::optional<int32_t> SearchContent::sent_day() {
  if (!load_header()) return std::nullopt;
  return header_->date_day();
}

bool SearchContent::scan_body() {
  if (scanned_) return true;
  if (error_) return false;
  const auto& list = needles_.body_needles();
  NeedleSet headers(list), body(list);
  TextScanner scanner(&headers, &body);
  for (uint64_t off = 0; off < size_; off += kPiece) {
    auto piece = read_(off, std::min(kPiece, size_ - off));
    if (!piece) {
      error_ = piece.error();
      return false;
    }
    scanner.feed(*piece);
    if (body.all_found()) break;  // every needle is already in the body: nothing left to learn
  }
  scanner.finish();
  in_header_.resize(list.size());
  in_body_.resize(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    in_header_[i] = headers.found(i);
    in_body_[i] = body.found(i);
  }
  scanned_ = true;
  return true;
}

bool SearchContent::body_matches(const SearchKey& key) {
  if (!scan_body()) return false;
  size_t i = needles_.body_index(key);
  // RFC 3501 §6.4.4: TEXT is "in the header or body", BODY "in the body".
  return in_body_[i] || (key.kind == SearchKey::Kind::text && in_header_[i]);
}

}  // namespace loft::proto::imap
