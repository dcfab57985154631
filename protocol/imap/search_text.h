// BODY and TEXT searching over a message streamed in pieces (RFC 3501
// §6.4.4): a minimal MIME walk (RFC 2045/2046: headers, multipart
// boundaries, message/rfc822) that decodes the text parts (transfer
// encoding, charset to UTF-8, case folding) into a set of needles. Memory is
// bounded whatever the message: one line, one part header and the needles'
// overlap are kept. This walk stands in until the stored MIME structure
// (byte offsets per part) can replace it; its entry point is TextScanner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::imap {

// Where TextScanner sends decoded, case-folded text: pieces of one part's
// text in order, and boundary() between the texts of two parts or fields.
class TextSink {
 public:
  virtual ~TextSink() = default;
  virtual void feed(std::string_view folded) = 0;
  // Text before and after this point is not contiguous.
  virtual void boundary() = 0;
};

// Several case-folded needles searched at once in streamed folded text; a
// needle may span two pieces but never a boundary() (two parts' texts).
class NeedleSet final : public TextSink {
 public:
  explicit NeedleSet(std::vector<std::string> folded_needles);
  void feed(std::string_view folded) override;
  void boundary() override { tail_.clear(); }
  bool found(size_t i) const { return found_[i]; }
  bool all_found() const { return left_ == 0; }
  size_t size() const { return needles_.size(); }

 private:
  std::vector<std::string> needles_;
  std::vector<bool> found_;
  size_t left_ = 0;
  size_t overlap_ = 0;  // longest needle - 1
  std::string tail_;    // the last overlap_ bytes fed
};

// Text of body parts that are not text/* (PDF, office documents), so BODY
// and TEXT can search them (docs/search.md, "Attachments"). Declared here,
// run outside protocol/: server/search/attachments.h calls external extractors.
class AttachmentText {
 public:
  // One part: its decoded bytes in order, then its text.
  class Job {
   public:
    virtual ~Job() = default;
    virtual void feed(std::string_view decoded) = 0;
    // The part's text (UTF-8, possibly empty), or nullopt when extraction
    // failed (timeout, crash): what the part says is then unknown.
    virtual std::optional<std::string> finish() = 0;
  };
  virtual ~AttachmentText() = default;
  // A job for a part of this media type ("type/subtype", lower case) and file
  // name (may be empty), or null when such parts are not extracted.
  virtual std::unique_ptr<Job> begin(std::string_view media_type, std::string_view filename) = 0;
};

// Walks a raw message given in pieces: decoded header fields ("Name: value"
// per line, all parts' headers) go to `headers`, the decoded text of text/*
// and message/* bodies to `body`, and with `attachments` the text it
// extracts from other parts. Either sink may be null. The search indexer
// uses the same walk, so index and plain scan see the same text.
class TextScanner {
 public:
  TextScanner(TextSink* headers, TextSink* body, AttachmentText* attachments = nullptr);
  ~TextScanner();
  void feed(std::string_view raw);
  void finish();
  // True once an attachment's extraction failed (its text is missing).
  bool attachment_failed() const { return attachment_failed_; }

  static constexpr size_t kMaxLine = 64 * 1024;          // longer lines are text, never boundaries
  static constexpr size_t kMaxPartHeader = 256 * 1024;   // part header bytes kept for parsing
  static constexpr size_t kMaxDepth = 64;                // nested multiparts followed
  static constexpr size_t kMaxBoundary = 80;             // boundary characters compared
  static constexpr size_t kBatch = 32 * 1024;            // body bytes decoded at a time

 private:
  struct Part;
  void line(std::string_view text, bool complete);
  void header_line(std::string_view text);
  void end_header();
  void body_data(std::string_view text);
  bool boundary_line(std::string_view text);
  void close_decoders();
  void flush_body();

  TextSink* headers_;
  TextSink* body_;
  AttachmentText* attachments_;
  bool attachment_failed_ = false;
  std::string line_;        // the current line so far (up to kMaxLine)
  bool long_line_ = false;  // the current line passed kMaxLine: the rest is data
  struct Multipart {
    std::string delimiter;  // "--" + boundary
    bool digest = false;    // multipart/digest: parts default to message/rfc822
  };
  std::vector<Multipart> boundaries_;  // open multiparts, outermost first
  std::string header_;      // the current part's header so far
  bool in_header_ = true;
  bool digest_child_ = false;  // the part is a child of multipart/digest
  bool searchable_ = false;    // the current body is text/* or message/*
  std::unique_ptr<Part> decode_;  // decoders of the current body
  std::string pending_;           // body bytes not yet decoded (< kBatch)
};

}  // namespace loft::proto::imap
