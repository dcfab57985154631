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
      if (key.fuzzy && key.kind == K::subject) fuzzy_[&key] = std::make_unique<FuzzyNeedle>(folded_[&key]);
      break;
    case K::body: case K::text:
      folded_[&key] = mime::fold_case(key.text);
      body_index_[&key] = body_.size();
      body_.push_back(folded_[&key]);
      if (key.fuzzy) {
        fuzzy_[&key] = std::make_unique<FuzzyNeedle>(folded_[&key]);
        fuzzy_body_index_[&key] = fuzzy_body_.size();
        fuzzy_body_.push_back(fuzzy_[&key].get());
      }
      break;
    default:
      break;
  }
  for (const SearchKey& c : key.children) collect(c);
}

SearchContent::SearchContent(const SearchNeedles& needles, ReadFn read, uint64_t size, uint64_t header_size,
                             AttachmentText* attachments)
    : needles_(needles), read_(std::move(read)), size_(size), header_size_(header_size), attachments_(attachments) {}

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
  // FUZZY BODY/TEXT (RFC 6203) also need the words of the whole text.
  const auto& fuzzy = needles_.fuzzy_body();
  FuzzySink fuzzy_headers(fuzzy), fuzzy_body(fuzzy);
  TeeSink tee_headers(&headers, &fuzzy_headers), tee_body(&body, &fuzzy_body);
  TextScanner scanner(fuzzy.empty() ? static_cast<TextSink*>(&headers) : &tee_headers,
                      fuzzy.empty() ? static_cast<TextSink*>(&body) : &tee_body, attachments_);
  bool early = false;
  for (uint64_t off = 0; off < size_; off += kPiece) {
    auto piece = read_(off, std::min(kPiece, size_ - off));
    if (!piece) {
      error_ = piece.error();
      return false;
    }
    scanner.feed(*piece);
    // Every needle is already in the body: nothing left to learn (FUZZY
    // counts every word), and no attachment left half-read is extracted.
    if (body.all_found() && fuzzy.empty()) {
      early = true;
      break;
    }
  }
  if (!early) scanner.finish();
  fuzzy_headers.finish();
  fuzzy_body.finish();
  for (size_t i = 0; i < fuzzy.size(); ++i) {
    fuzzy_header_.push_back(fuzzy_headers.stats(i));
    fuzzy_body_.push_back(fuzzy_body.stats(i));
  }
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

const FuzzyStats* SearchContent::subject_stats(const SearchKey& key) {
  auto it = fuzzy_subject_.find(&key);
  if (it != fuzzy_subject_.end()) return &it->second;
  if (!load_header()) return nullptr;
  FuzzySink sink({&needles_.fuzzy(key)});
  for (const std::string& value : header_->folded_values("Subject")) {
    sink.feed(value);
    sink.boundary();
  }
  sink.finish();
  return &fuzzy_subject_.emplace(&key, sink.stats(0)).first->second;
}

bool SearchContent::fuzzy_matches(const SearchKey& key) {
  // A needle without words (punctuation only, or empty) can only match exactly.
  if (needles_.fuzzy(key).words.empty()) {
    return key.kind == SearchKey::Kind::subject ? header_matches(key) : body_matches(key);
  }
  if (key.kind == SearchKey::Kind::subject) {
    const FuzzyStats* s = subject_stats(key);
    return s != nullptr && s->matches();
  }
  if (!scan_body()) return false;
  size_t i = needles_.fuzzy_body_index(key);
  // As for exact TEXT: in the header text or in the body text (RFC 3501 §6.4.4).
  return fuzzy_body_[i].matches() || (key.kind == SearchKey::Kind::text && fuzzy_header_[i].matches());
}

double SearchContent::fuzzy_strength(const SearchKey& key) {
  if (needles_.fuzzy(key).words.empty()) return fuzzy_matches(key) ? 1.0 : 0.0;
  if (key.kind == SearchKey::Kind::subject) {
    const FuzzyStats* s = subject_stats(key);
    return s != nullptr ? imap::fuzzy_strength(*s, FuzzyField::subject) : 0.0;
  }
  if (!scan_body()) return 0.0;
  size_t i = needles_.fuzzy_body_index(key);
  double body = imap::fuzzy_strength(fuzzy_body_[i], FuzzyField::body);
  if (key.kind != SearchKey::Kind::text) return body;
  return std::max(body, imap::fuzzy_strength(fuzzy_header_[i], FuzzyField::header));
}

}  // namespace loft::proto::imap
