// The text of PDF and office attachments for BODY and TEXT search
// (proto::imap::AttachmentText), from external extractor programs as
// [search.attachments] configures them (docs/search.md, "Attachments").
// The index and the plain evaluator use the same extractor, so both see the
// same text; an index made with other extractors is rebuilt (signature()).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/config.h"
#include "protocol/imap/search_text.h"

namespace loft::server::search {

class AttachmentExtractor final : public proto::imap::AttachmentText {
 public:
  // Null when config.enabled is false or no configured program is installed
  // (each missing one is logged once and left out). Attachments are spooled
  // to files in spool_dir (created, mode 0700) while they are extracted.
  static std::unique_ptr<AttachmentExtractor> create(const AttachmentConfig& config, const std::string& spool_dir);

  // A job for a part of a configured media type (application/octet-stream
  // and the like are taken by file name extension: ".pdf", ".docx"...).
  std::unique_ptr<Job> begin(std::string_view media_type, std::string_view filename) override;

  // Names the media types, commands and size limits: text extracted under
  // another signature may differ, so the index records it.
  const std::string& signature() const { return signature_; }

  // The built-in table: Debian's pdftotext, docx2txt, odt2txt, catdoc, xls2csv, catppt.
  static std::vector<std::pair<std::string, std::vector<std::string>>> default_extractors();

 private:
  class SpoolJob;
  AttachmentExtractor(const AttachmentConfig& config, std::string spool_dir,
                      std::vector<std::pair<std::string, std::vector<std::string>>> extractors);
  // The text of a spooled attachment (cached by content hash), or nullopt.
  std::optional<std::string> extract(const std::string& type, const std::string& hash, const std::string& path);
  std::optional<std::string> cached(const std::string& key);
  void remember(const std::string& key, const std::string& text);

  AttachmentConfig config_;
  std::string spool_dir_;
  std::vector<std::pair<std::string, std::vector<std::string>>> extractors_;
  std::string signature_;

  std::mutex mu_;
  std::condition_variable slot_free_;
  unsigned running_ = 0;  // extractors running now (at most config_.processes)
  // LRU of extracted texts by content hash, at most config_.cache_bytes.
  std::list<std::pair<std::string, std::string>> lru_;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> by_key_;
  uint64_t cache_size_ = 0;
};

// The process's extractor, set once at start-up before any search or
// indexing (null: attachments are not extracted).
void set_attachment_extractor(std::unique_ptr<AttachmentExtractor> extractor);
AttachmentExtractor* attachment_extractor();
// attachment_extractor()'s signature, or "none".
std::string attachment_signature();

}  // namespace loft::server::search
