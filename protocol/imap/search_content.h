// The contents side of SEARCH for one message (SearchContentSource): reads
// the header block and, only if a BODY or TEXT key is asked, the whole
// message once, in pieces, through a caller-supplied reader. Pure: the
// reader is the only way to the bytes (the server passes the store).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "protocol/imap/search_eval.h"
#include "protocol/imap/search_fuzzy.h"
#include "protocol/imap/search_header.h"
#include "protocol/imap/search_text.h"

namespace loft::proto::imap {

// The needles of a program's string keys, case-folded once per SEARCH.
class SearchNeedles {
 public:
  explicit SearchNeedles(const SearchKey& program);
  // The folded string of a FROM..HEADER, BODY or TEXT key of the program.
  const std::string& folded(const SearchKey& key) const { return folded_.at(&key); }
  // BODY and TEXT keys, in one list for NeedleSet (index = body_index(key)).
  const std::vector<std::string>& body_needles() const { return body_; }
  size_t body_index(const SearchKey& key) const { return body_index_.at(&key); }
  // RFC 6203 FUZZY BODY/TEXT/SUBJECT keys: the needle's words and stems.
  const FuzzyNeedle& fuzzy(const SearchKey& key) const { return *fuzzy_.at(&key); }
  // FUZZY BODY and TEXT needles, in one list for FuzzySink (index = fuzzy_body_index(key)).
  const std::vector<const FuzzyNeedle*>& fuzzy_body() const { return fuzzy_body_; }
  size_t fuzzy_body_index(const SearchKey& key) const { return fuzzy_body_index_.at(&key); }

 private:
  void collect(const SearchKey& key);
  std::unordered_map<const SearchKey*, std::string> folded_;
  std::unordered_map<const SearchKey*, size_t> body_index_;
  std::vector<std::string> body_;
  std::unordered_map<const SearchKey*, std::unique_ptr<FuzzyNeedle>> fuzzy_;
  std::vector<const FuzzyNeedle*> fuzzy_body_;
  std::unordered_map<const SearchKey*, size_t> fuzzy_body_index_;
};

// SearchContentSource over one message's bytes. A read failure makes every
// later answer false; error() tells the caller, who must then fail the SEARCH.
class SearchContent final : public SearchContentSource {
 public:
  // Reads [offset, offset + length) of the message (possibly less at its end).
  using ReadFn = std::function<Result<std::string>(uint64_t offset, uint64_t length)>;
  // With `attachments`, BODY and TEXT also search the text it extracts
  // (TextScanner); it must outlive this object.
  SearchContent(const SearchNeedles& needles, ReadFn read, uint64_t size, uint64_t header_size,
                AttachmentText* attachments = nullptr);

  bool header_matches(const SearchKey& key) override;
  std::optional<int32_t> sent_day() override;
  bool body_matches(const SearchKey& key) override;
  bool fuzzy_matches(const SearchKey& key) override;
  double fuzzy_strength(const SearchKey& key) override;
  const std::optional<Error>& error() const { return error_; }

  static constexpr uint64_t kMaxHeader = 1024 * 1024;  // header bytes searched by header keys
  static constexpr uint64_t kPiece = 64 * 1024;        // bytes read at a time for BODY/TEXT

 private:
  bool load_header();
  bool scan_body();
  const FuzzyStats* subject_stats(const SearchKey& key);

  const SearchNeedles& needles_;
  ReadFn read_;
  uint64_t size_;
  uint64_t header_size_;
  AttachmentText* attachments_;
  std::unique_ptr<HeaderSearch> header_;
  bool scanned_ = false;
  std::vector<bool> in_header_;  // per body needle: found in a header (TEXT)
  std::vector<bool> in_body_;    // per body needle: found in body text
  std::vector<FuzzyStats> fuzzy_header_, fuzzy_body_;  // per FUZZY BODY/TEXT needle
  std::unordered_map<const SearchKey*, FuzzyStats> fuzzy_subject_;
  std::optional<Error> error_;
};

}  // namespace loft::proto::imap
