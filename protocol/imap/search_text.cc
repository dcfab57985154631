// Streaming BODY/TEXT search over a raw message (see search_text.h).
#include "protocol/imap/search_text.h"

#include <optional>

#include "base/bytes.h"
#include "protocol/imap/search_header.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/decode.h"
#include "protocol/mime/html_text.h"

namespace loft::proto::imap {

NeedleSet::NeedleSet(std::vector<std::string> folded_needles)
    : needles_(std::move(folded_needles)), found_(needles_.size(), false), left_(needles_.size()) {
  for (size_t i = 0; i < needles_.size(); ++i) {
    if (needles_[i].empty()) {  // the empty string is in every text
      found_[i] = true;
      --left_;
    }
    if (needles_[i].size() > overlap_ + 1) overlap_ = needles_[i].size() - 1;
  }
}

void NeedleSet::feed(std::string_view folded) {
  if (left_ == 0 || folded.empty()) return;
  std::string joined = tail_;
  joined.append(folded);
  for (size_t i = 0; i < needles_.size(); ++i) {
    if (!found_[i] && joined.find(needles_[i]) != std::string::npos) {
      found_[i] = true;
      --left_;
    }
  }
  tail_ = joined.size() > overlap_ ? joined.substr(joined.size() - overlap_) : joined;
}

// The decoders of one body: transfer encoding -> charset -> HTML to text
// (text/html only) -> case folding. An attachment's decoded bytes go to its
// extraction job instead, whose text (UTF-8) is folded at the end.
struct TextScanner::Part {
  enum class Enc { identity, qp, base64 } enc = Enc::identity;
  mime::QpDecoder qp;
  mime::Base64Decoder b64;
  std::unique_ptr<mime::CharsetDecoder> charset;
  std::unique_ptr<mime::HtmlText> html;  // set for text/html
  std::unique_ptr<AttachmentText::Job> attachment;  // set for an extracted attachment
  mime::CaseFolder folder;

  // False when the attachment's extraction failed.
  bool feed(std::string_view raw, TextSink* out, bool last) {
    std::string decoded, utf8, folded;
    if (enc == Enc::qp) {
      qp.feed(raw, &decoded);
      if (last) qp.finish(&decoded);
    } else if (enc == Enc::base64) {
      b64.feed(raw, &decoded);
      if (last) b64.finish(&decoded);
    } else {
      decoded.assign(raw);
    }
    if (attachment) {
      attachment->feed(decoded);
      if (!last) return true;
      std::optional<std::string> text = attachment->finish();
      attachment.reset();
      if (!text) return false;
      decoded = std::move(*text);
    }
    charset->feed(decoded, &utf8);
    if (last) charset->finish(&utf8);
    if (html) {
      std::string text;
      html->feed(utf8, &text);
      if (last) html->finish(&text);
      utf8.swap(text);
    }
    folder.feed(utf8, &folded);
    if (last) folder.finish(&folded);
    out->feed(folded);
    return true;
  }
};

namespace {

// The value of parameter `name` in a Content-Type value (RFC 2045 §5.1), unquoted.
std::string param(std::string_view value, std::string_view name) {
  size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    size_t start = value.find_first_not_of(" \t", pos + 1);
    if (start == std::string_view::npos) break;
    size_t eq = value.find('=', start);
    if (eq == std::string_view::npos) break;
    std::string_view key = value.substr(start, eq - start);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
    size_t vstart = value.find_first_not_of(" \t", eq + 1);
    if (vstart == std::string_view::npos) break;
    std::string v;
    size_t end;
    if (value[vstart] == '"') {
      end = vstart + 1;
      while (end < value.size() && value[end] != '"') {
        if (value[end] == '\\' && end + 1 < value.size()) ++end;
        v.push_back(value[end++]);
      }
      end = value.find(';', end);
    } else {
      end = value.find(';', vstart);
      std::string_view raw = value.substr(vstart, end == std::string_view::npos ? std::string_view::npos : end - vstart);
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
      v.assign(raw);
    }
    if (iequals(key, name)) return v;
    pos = end;
  }
  return {};
}

// The "type/subtype" of a Content-Type value, lower case.
std::string media_type(std::string_view type) {
  size_t start = type.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  type.remove_prefix(start);
  return ascii_lower(type.substr(0, type.find_first_of("; \t(")));
}

}  // namespace

TextScanner::TextScanner(TextSink* headers, TextSink* body, AttachmentText* attachments)
    : headers_(headers), body_(body), attachments_(attachments) {}
TextScanner::~TextScanner() = default;

void TextScanner::feed(std::string_view raw) {
  while (!raw.empty()) {
    if (!in_header_ && !long_line_ && line_.empty() && raw[0] != '-') {
      // Fast path in a body, at the start of a line that is no delimiter: all
      // lines up to the next one starting with "-" are data.
      size_t cut = boundaries_.empty() ? std::string_view::npos : raw.find("\n-");
      size_t take = cut == std::string_view::npos ? raw.size() : cut + 1;
      body_data(raw.substr(0, take));
      long_line_ = raw[take - 1] != '\n';  // the rest of a cut line is data too
      raw.remove_prefix(take);
      continue;
    }
    size_t lf = raw.find('\n');
    size_t take = lf == std::string_view::npos ? raw.size() : lf + 1;
    std::string_view piece = raw.substr(0, take);
    raw.remove_prefix(take);
    bool complete = lf != std::string_view::npos;
    if (long_line_) {  // the rest of an over-long line: data, never a boundary
      if (!in_header_) body_data(piece);
      if (complete) long_line_ = false;
      continue;
    }
    if (line_.size() + piece.size() > kMaxLine && !complete) {
      line_.append(piece);
      line(line_, false);
      line_.clear();
      long_line_ = true;
      continue;
    }
    line_.append(piece);
    if (complete) {
      line(line_, true);
      line_.clear();
    }
  }
  flush_body();  // all complete input is searched when feed returns
}

void TextScanner::finish() {
  if (!line_.empty()) line(line_, true);
  line_.clear();
  if (in_header_) end_header();
  close_decoders();
}

void TextScanner::line(std::string_view text, bool complete) {
  if (complete && boundary_line(text)) return;
  if (in_header_) {
    header_line(text);
  } else {
    body_data(text);
  }
}

void TextScanner::header_line(std::string_view text) {
  std::string_view bare = text;
  while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
  if (bare.empty()) {
    end_header();
    return;
  }
  if (header_.size() + text.size() <= kMaxPartHeader) header_.append(text);
}

void TextScanner::end_header() {
  std::vector<HeaderField> fields = parse_header_fields(header_);
  if (headers_ != nullptr) {
    // Lines that are no field (no colon: a message without a header) are text too.
    for (size_t pos = 0; pos < header_.size();) {
      size_t eol = header_.find('\n', pos);
      std::string_view l = std::string_view(header_).substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      pos = eol == std::string::npos ? header_.size() : eol + 1;
      if (!l.empty() && l[0] != ' ' && l[0] != '\t' && l.find(':') == std::string_view::npos) {
        headers_->boundary();
        headers_->feed(mime::fold_case(mime::convert_to_utf8("UTF-8", l)));
      }
    }
  }
  header_.clear();
  in_header_ = false;
  std::optional<std::string> type, encoding, disposition;
  for (const HeaderField& f : fields) {
    if (iequals(f.name, "Content-Type") && !type) type = f.value;
    if (iequals(f.name, "Content-Transfer-Encoding") && !encoding) encoding = f.value;
    if (iequals(f.name, "Content-Disposition") && !disposition) disposition = f.value;
    if (headers_ != nullptr) {
      headers_->boundary();
      headers_->feed(mime::fold_case(f.name + ": " + mime::decode_header_value(f.value)));
    }
  }
  bool digest_child = digest_child_;
  digest_child_ = false;
  // RFC 2045 §5.2 default text/plain; RFC 2046 §5.1.5 message/rfc822 in a digest.
  // A Content-Type that is present but unreadable is not text (as Dovecot reads it).
  if (!type) type = digest_child ? "message/rfc822" : "text/plain";
  close_decoders();
  if (istarts_with(*type, "multipart/")) {
    std::string b = param(*type, "boundary");
    searchable_ = false;  // the preamble is not text; a multipart without a boundary is no text either
    // RFC 2046 §5.1.1 allows 70 characters; longer ones are cut to kMaxBoundary,
    // as Dovecot does, and match as a prefix.
    if (b.size() > kMaxBoundary) b.resize(kMaxBoundary);
    if (!b.empty() && boundaries_.size() < kMaxDepth) {
      boundaries_.push_back({"--" + b, istarts_with(*type, "multipart/digest")});
    }
    return;
  }
  if (istarts_with(*type, "message/rfc822") || istarts_with(*type, "message/global")) {
    in_header_ = true;  // the body is a whole message: its header comes next
    return;
  }
  searchable_ = istarts_with(*type, "text/") || istarts_with(*type, "message/");
  // RFC 2045 §6.4: an unrecognised transfer encoding (an empty one too, as
  // Dovecot reads it) makes the body application/octet-stream.
  std::string enc = ascii_lower(encoding.value_or("7bit"));
  Part::Enc kind = Part::Enc::identity;
  if (enc == "quoted-printable") {
    kind = Part::Enc::qp;
  } else if (enc == "base64") {
    kind = Part::Enc::base64;
  } else if (enc != "7bit" && enc != "8bit" && enc != "binary") {
    searchable_ = false;
    return;  // no attachment either: its bytes are unknown
  }
  if (body_ == nullptr) return;
  std::unique_ptr<AttachmentText::Job> attachment;
  if (!searchable_ && attachments_ != nullptr) {
    // A PDF or office document, if an extractor takes it (docs/search.md, "Attachments").
    std::string name = disposition ? param(*disposition, "filename") : std::string();
    if (name.empty()) name = param(*type, "name");
    attachment = attachments_->begin(media_type(*type), name);
    searchable_ = attachment != nullptr;
  }
  if (!searchable_) return;
  decode_ = std::make_unique<Part>();
  decode_->enc = kind;
  std::string charset = attachment ? "utf-8" : param(*type, "charset");
  decode_->charset = std::make_unique<mime::CharsetDecoder>(charset.empty() ? "us-ascii" : charset);
  decode_->attachment = std::move(attachment);
  // HTML is searched as the text it shows (docs/search.md, "HTML").
  if (!decode_->attachment && media_type(*type) == "text/html") decode_->html = std::make_unique<mime::HtmlText>();
  body_->boundary();
}

void TextScanner::body_data(std::string_view text) {
  // Lines are gathered and decoded kBatch bytes at a time: per-line decoding
  // costs more than the decoding itself.
  if (!searchable_ || !decode_ || body_ == nullptr) return;
  pending_.append(text);
  if (pending_.size() >= kBatch) flush_body();
}

void TextScanner::flush_body() {
  if (decode_ && body_ != nullptr && !pending_.empty()) decode_->feed(pending_, body_, false);
  pending_.clear();
}

bool TextScanner::boundary_line(std::string_view text) {
  if (boundaries_.empty() || text.size() < 3 || text[0] != '-' || text[1] != '-') return false;
  std::string_view bare = text;
  while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
  // Innermost first: RFC 2046 §5.1.2 says an outer boundary also closes inner multiparts.
  for (size_t i = boundaries_.size(); i-- > 0;) {
    const std::string& b = boundaries_[i].delimiter;
    if (bare.size() < b.size() || bare.compare(0, b.size(), b) != 0) continue;
    // RFC 2046 §5.1.1: the delimiter may be followed by "--" (the close) and
    // white space (transport padding). Whatever follows is ignored, as in
    // Dovecot: the boundary must not occur in the parts anyway.
    bool close = bare.substr(b.size(), 2) == "--";
    if (in_header_) end_header();
    close_decoders();
    boundaries_.resize(i + 1);
    if (close) {
      boundaries_.pop_back();  // the epilogue after the close is not text
      searchable_ = false;
      in_header_ = false;
    } else {
      in_header_ = true;  // a new body part begins with its header
      digest_child_ = boundaries_[i].digest;
    }
    return true;
  }
  return false;
}

void TextScanner::close_decoders() {
  flush_body();
  if (decode_ && body_ != nullptr && !decode_->feed({}, body_, true)) attachment_failed_ = true;
  decode_.reset();
}

}  // namespace loft::proto::imap
