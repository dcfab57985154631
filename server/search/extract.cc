// Text extraction for the search index (see extract.h).
#include "server/search/extract.h"

#include <algorithm>
#include <array>
#include <unordered_set>
#include <vector>

#include "base/bytes.h"
#include "protocol/imap/search_content.h"
#include "protocol/imap/search_header.h"
#include "protocol/imap/search_text.h"
#include "protocol/imap/search_words.h"
#include "protocol/imap/stemmer.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/decode.h"
#include "server/search/attachments.h"

namespace loft::server::search {
namespace pi = proto::imap;
using loft::search::Field;

namespace {

constexpr uint64_t kPiece = pi::SearchContent::kPiece;

// A TextSink that sends text to a visitor (trigrams or golden text).
class Sink final : public pi::TextSink {
 public:
  using Fn = std::function<void(std::string_view, bool boundary)>;
  explicit Sink(Fn fn) : fn_(std::move(fn)) {}
  void feed(std::string_view folded) override { fn_(folded, false); }
  void boundary() override { fn_({}, true); }

 private:
  Fn fn_;
};

// Which Field a top-level header field also goes to (RFC 3501 §6.4.4 keys).
std::optional<Field> header_field(std::string_view name) {
  if (iequals(name, "From")) return Field::from;
  if (iequals(name, "To")) return Field::to;
  if (iequals(name, "Cc")) return Field::cc;
  if (iequals(name, "Bcc")) return Field::bcc;
  if (iequals(name, "Subject")) return Field::subject;
  return std::nullopt;
}

// Walks the message once: visit(field, text, boundary). *attachment_failed
// (if given): an attachment's text could not be extracted.
Result<void> walk(const ReadFn& read, uint64_t size, uint64_t header_size,
                  const std::function<void(Field, std::string_view, bool)>& visit, bool* attachment_failed = nullptr) {
  // The top-level header as HeaderSearch reads it (SearchContent::kMaxHeader):
  // every field's decoded value goes to header_text (HEADER) and the named
  // keys' fields to their own prefix.
  auto block = read(0, std::min(header_size, pi::SearchContent::kMaxHeader));
  if (!block) return block.error();
  for (const pi::HeaderField& f : pi::parse_header_fields(*block)) {
    std::string folded = proto::mime::fold_case(proto::mime::decode_header_value(f.value));
    visit(Field::header_text, {}, true);
    visit(Field::header_text, folded, false);
    if (auto k = header_field(f.name)) {
      visit(*k, {}, true);
      visit(*k, folded, false);
    }
  }
  // The raw header lines that follow are not contiguous with the values.
  visit(Field::header_text, {}, true);
  Sink headers([&](std::string_view t, bool b) { visit(Field::header_text, t, b); });
  Sink body([&](std::string_view t, bool b) { visit(Field::body, t, b); });
  pi::TextScanner scanner(&headers, &body, attachment_extractor());
  for (uint64_t off = 0; off < size; off += kPiece) {
    auto piece = read(off, std::min(kPiece, size - off));
    if (!piece) return piece.error();
    scanner.feed(*piece);
    if (piece->size() < std::min(kPiece, size - off)) break;  // shorter than said
  }
  scanner.finish();
  if (attachment_failed != nullptr) *attachment_failed = scanner.attachment_failed();
  return {};
}

}  // namespace

namespace {

// True for the fields FUZZY BODY, TEXT and SUBJECT read (search_fuzzy.h).
bool stemmed(size_t f) {
  return f == static_cast<size_t>(Field::body) || f == static_cast<size_t>(Field::header_text) ||
         f == static_cast<size_t>(Field::subject);
}

// The distinct words of a stemmed field, bounded like its stems: past the
// bound the stems overflow (StemTerms), as a missing stem would lose a match.
class DistinctWords {
 public:
  void add(std::string_view w) {
    if (overflowed_) return;
    if (words_.size() >= loft::search::WordTerms::kDefaultMaxTerms && !words_.count(std::string(w))) {
      overflowed_ = true;
      words_.clear();
      return;
    }
    words_.emplace(w);
  }
  // Every stem of every word in every configured language (none without a
  // language: FuzzySink then matches words exactly, by their grams), except
  // a stem equal to its word where the query finds that word otherwise
  // (MessageTerms::stems): by the field's word term, or, in header_text,
  // which has none, by the word's grams.
  void stems_into(loft::search::StemTerms* out, const loft::search::WordTerms* words) const {
    if (overflowed_) return out->set_overflowed();
    for (const std::string& w : words_) {
      const bool found_otherwise = words != nullptr ? words->terms().count(w) != 0
                                                    : !loft::search::needle_trigrams(w).empty();
      for (const std::string& st : pi::word_stems(w)) {
        if (!(found_otherwise && st == w)) out->add(st);
      }
    }
  }

 private:
  bool overflowed_ = false;
  std::unordered_set<std::string> words_;
};

}  // namespace

std::string stem_signature() {
  std::string sig;
  for (const std::string& lang : pi::stem_languages()) sig += (sig.empty() ? "" : ",") + lang;
  return sig.empty() ? "none" : sig;
}

Result<void> extract_terms(const ReadFn& read, uint64_t size, uint64_t header_size,
                           loft::search::MessageTerms* out) {
  // Word terms from the same text as the grams (none for header_text, see
  // MessageTerms::words), split as the needle is (search_words.h); the
  // stemmed fields' distinct words, stemmed once at the end.
  std::array<DistinctWords, loft::search::kFieldCount> distinct;
  std::vector<pi::WordSplitter> words;
  words.reserve(loft::search::kFieldCount);
  for (size_t f = 0; f < loft::search::kFieldCount; ++f) {
    words.emplace_back([out, f, &distinct](std::string_view w) {
      if (f != static_cast<size_t>(Field::header_text)) out->words[f].add(w);
      if (stemmed(f)) distinct[f].add(w);
    });
  }
  // Grams only for body and header_text: the named fields' values are in
  // header_text too, which narrows their keys (narrow.cc).
  bool attachment_failed = false;
  auto r = walk(read, size, header_size, [&](Field f, std::string_view text, bool boundary) {
    const bool grams = f == Field::body || f == Field::header_text;
    pi::WordSplitter& split = words[static_cast<size_t>(f)];
    if (boundary) {
      if (grams) (*out)[f].boundary();
      split.boundary();
    } else {
      if (grams) (*out)[f].feed(text);
      split.feed(text);
    }
  }, &attachment_failed);
  for (auto& w : words) w.finish();
  // Body text is missing: the document must stay a candidate of every body
  // condition, verified by the evaluator (which runs the extractor again).
  if (attachment_failed) (*out)[Field::body].set_overflowed();
  for (size_t f = 0; f < loft::search::kFieldCount; ++f) {
    if (stemmed(f))
      distinct[f].stems_into(&out->stems[f], f == static_cast<size_t>(Field::header_text) ? nullptr : &out->words[f]);
  }
  return r;
}

Result<std::string> extract_text(const ReadFn& read, uint64_t size, uint64_t header_size) {
  static constexpr std::array<const char*, loft::search::kFieldCount> kNames{
      "body", "header_text", "from", "to", "cc", "bcc", "subject"};
  std::array<std::string, loft::search::kFieldCount> texts;
  auto r = walk(read, size, header_size, [&](Field f, std::string_view text, bool boundary) {
    std::string& s = texts[static_cast<size_t>(f)];
    if (boundary) {
      if (!s.empty() && s.back() != '\n') s.push_back('\n');
    } else {
      s.append(text);
    }
  });
  if (!r) return r.error();
  std::string out;
  for (size_t i = 0; i < texts.size(); ++i) {
    out.append("[").append(kNames[i]).append("]\n").append(texts[i]);
    if (!texts[i].empty() && texts[i].back() != '\n') out.push_back('\n');
  }
  return out;
}

}  // namespace loft::server::search
