// libFuzzer target for SEARCH's text side: the streaming MIME walk and its
// decoders (TextScanner), RFC 2047 header decoding and the date parser. The
// message is fed whole and in pieces (split points derived from the data);
// both must find the same needles. Needles are taken from the data itself so
// that hits occur. Linked with replay_main.cc it replays a corpus as a test.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/search_header.h"
#include "protocol/imap/search_text.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/decode.h"

namespace {

using loft::proto::imap::AttachmentText;
using loft::proto::imap::NeedleSet;
using loft::proto::imap::TextScanner;

// Takes every application/* part: its text is its decoded bytes reversed
// (anything goes to the UTF-8 decoder), a failure when they hold "FAIL".
class ReverseAttachments final : public AttachmentText {
  class Reverse final : public Job {
   public:
    void feed(std::string_view decoded) override { bytes_.append(decoded); }
    std::optional<std::string> finish() override {
      if (bytes_.find("FAIL") != std::string::npos) return std::nullopt;
      return std::string(bytes_.rbegin(), bytes_.rend());
    }

   private:
    std::string bytes_;
  };

 public:
  std::unique_ptr<Job> begin(std::string_view media_type, std::string_view) override {
    if (media_type.substr(0, 12) != "application/") return nullptr;
    return std::make_unique<Reverse>();
  }
};

// Records everything a sink is given: the text, with "\x01" for a boundary.
// Pieces join, so any split of the input must give the same record.
class Record final : public loft::proto::imap::TextSink {
 public:
  explicit Record(loft::proto::imap::TextSink* next) : next_(next) {}
  void feed(std::string_view folded) override {
    text_.append(folded);
    next_->feed(folded);
  }
  void boundary() override {
    text_.push_back('\x01');
    next_->boundary();
  }
  const std::string& text() const { return text_; }

 private:
  loft::proto::imap::TextSink* next_;
  std::string text_;
};

std::string hits(std::string_view msg, const std::vector<std::string>& needles, const std::vector<size_t>& cuts) {
  NeedleSet header_needles(needles), body_needles(needles);
  Record headers(&header_needles), body(&body_needles);
  ReverseAttachments attachments;
  TextScanner s(&headers, &body, &attachments);
  size_t pos = 0;
  for (size_t cut : cuts) {
    if (cut <= pos || cut > msg.size()) continue;
    s.feed(msg.substr(pos, cut - pos));
    pos = cut;
  }
  s.feed(msg.substr(pos));
  s.finish();
  std::string out;
  for (size_t i = 0; i < needles.size(); ++i) {
    out += std::string(1, header_needles.found(i) ? 'h' : '-') + (body_needles.found(i) ? 'b' : '-');
  }
  // The decoded texts themselves, so that a split that changes any of the
  // text fails here even when no needle happens to fall on the change.
  return out + (s.attachment_failed() ? "!" : "") + "\x02" + headers.text() + "\x02" + body.text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  (void)loft::proto::mime::decode_header_value(all.substr(0, 4096));
  (void)loft::proto::imap::parse_rfc5322_day(all.substr(0, 256));
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : all) h = (h ^ c) * 1099511628211ULL;
  // needles: a few slices of the data itself, case-folded
  std::vector<std::string> needles;
  for (int i = 0; i < 3 && size > 0; ++i) {
    size_t at = (h >> (i * 8)) % size;
    size_t len = 1 + (h >> (i * 8 + 4)) % 12;
    needles.push_back(loft::proto::mime::fold_case(all.substr(at, len)));
  }
  std::vector<size_t> cuts;
  uint64_t x = h;
  for (int i = 0; i < 8 && size > 0; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    cuts.push_back(static_cast<size_t>(x >> 33) % (size + 1));
  }
  std::sort(cuts.begin(), cuts.end());
  std::vector<size_t> bytewise;
  if (size <= 512) {
    for (size_t i = 1; i < size; ++i) bytewise.push_back(i);
  }
  std::string whole = hits(all, needles, {});
  if (hits(all, needles, cuts) != whole) std::abort();
  if (!bytewise.empty() && hits(all, needles, bytewise) != whole) std::abort();
  return 0;
}
