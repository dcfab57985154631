// Charset conversion with glibc iconv and case folding with ICU (see charset.h).
#include "protocol/mime/charset.h"

#include <iconv.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <array>
#include <cctype>
#include <bitset>
#include <cstdint>
#include <cerrno>
#include <cstdlib>

#include "base/bytes.h"
#include "base/utf8.h"
#include "protocol/mime/utf7.h"

namespace loft::proto::mime {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

struct Alias {
  std::string_view label;
  std::string_view iconv;
};

// Labels seen in mail that glibc's iconv does not know, or reads narrower
// than senders mean (GB2312 mail is routinely GBK; ISO-8859-1 mail routinely
// carries windows-1252 punctuation in 0x80-0x9F, as the WHATWG encoding spec notes).
constexpr Alias kAliases[] = {
    {"x-sjis", "SHIFT_JIS"},        {"sjis", "SHIFT_JIS"},        {"shift-jis", "SHIFT_JIS"},
    {"windows-31j", "CP932"},       {"ks_c_5601-1987", "CP949"},  {"ks_c_5601", "CP949"},
    {"euc-kr", "CP949"},            {"gb2312", "GBK"},            {"x-gbk", "GBK"},
    {"cp936", "GBK"},               {"gb_2312-80", "GBK"},        {"x-euc-jp", "EUC-JP"},
    {"iso-8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"},   {"iso_8859-1", "WINDOWS-1252"},
    {"iso-8859-8-i", "ISO-8859-8"}, {"unicode-1-1-utf-7", "UTF-7"}, {"x-unknown", "UTF-8"},
    {"x-user-defined", "UTF-8"},    {"utf8", "UTF-8"},            {"big5-hkscs", "BIG5-HKSCS"},
    {"x-mac-roman", "MACINTOSH"},   {"macintosh", "MACINTOSH"},   {"ansi_x3.4-1968", "UTF-8"},
    {"us-ascii", "UTF-8"},          {"ascii", "UTF-8"},           {"default", "UTF-8"},
};

bool is_utf8_name(std::string_view name) { return iequals(name, "UTF-8"); }

// Length of a valid UTF-8 sequence at s (1..4), 0 if invalid, -1 if it may be
// valid but is cut off at the end of s.
int utf8_sequence(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  int n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
  if (n <= 1) return n;
  for (int i = 1; i < n; ++i) {
    if (static_cast<size_t>(i) >= s.size()) return -1;
    unsigned char d = b(static_cast<size_t>(i));
    if ((d & 0xC0) != 0x80) return 0;
    // no overlongs, no surrogates, nothing above U+10FFFF
    if (i == 1 && ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) ||
                   (c == 0xF4 && d > 0x8F))) {
      return 0;
    }
  }
  return n;
}

// Appends the valid UTF-8 of in, U+FFFD for each invalid byte; an incomplete
// sequence at the end goes to *held unless last.
void validate_utf8(std::string_view in, std::string* out, std::string* held, bool last) {
  size_t i = 0;
  out->reserve(out->size() + in.size());
  while (i < in.size()) {
    size_t ascii = i;  // fast path: a run of ASCII is copied at once
    while (ascii < in.size() && static_cast<unsigned char>(in[ascii]) < 0x80) ++ascii;
    if (ascii > i) {
      out->append(in.substr(i, ascii - i));
      i = ascii;
      continue;
    }
    int n = utf8_sequence(in.substr(i));
    if (n > 0) {
      out->append(in.substr(i, static_cast<size_t>(n)));
      i += static_cast<size_t>(n);
    } else if (n < 0 && !last) {
      held->assign(in.substr(i));
      return;
    } else {
      out->append(kReplacement);
      ++i;
    }
  }
}

}  // namespace

std::string iconv_charset_name(std::string_view label) {
  // Strip quotes and white space some mailers leave around the parameter.
  while (!label.empty() && (label.front() == '"' || label.front() == ' ')) label.remove_prefix(1);
  while (!label.empty() && (label.back() == '"' || label.back() == ' ')) label.remove_suffix(1);
  for (const Alias& a : kAliases) {
    if (iequals(label, a.label)) return std::string(a.iconv);
  }
  return std::string(label);
}

CharsetDecoder::CharsetDecoder(std::string_view charset) {
  std::string name = iconv_charset_name(charset);
  if (is_utf8_name(name)) {
    known_ = true;
    return;
  }
  // glibc matches names ignoring case and most punctuation, so "utf7" and
  // "UTF\xaf7" open its UTF-7 too: every spelling that reduces to UTF7 is
  // ours. Its UTF-7-IMAP (RFC 3501 mailbox names, never a MIME charset)
  // has the same split problem and is read as UTF-8 instead.
  std::string letters;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) letters.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (letters == "UTF7") {
    utf7_ = std::make_unique<Utf7Decoder>();
    known_ = true;
    return;
  }
  if (letters.find("UTF7") != std::string::npos) return;
  if (name.empty() || name.size() > 64) return;
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd != reinterpret_cast<iconv_t>(-1)) {
    cd_ = cd;
    known_ = true;
  }
}

CharsetDecoder::~CharsetDecoder() {
  if (cd_ != nullptr) iconv_close(static_cast<iconv_t>(cd_));
}

void CharsetDecoder::feed(std::string_view in, std::string* out) { convert(in, out, false); }

void CharsetDecoder::finish(std::string* out) {
  convert({}, out, true);
  if (cd_ != nullptr) {
    char buf[64];
    char* o = buf;
    size_t olen = sizeof buf;
    iconv(static_cast<iconv_t>(cd_), nullptr, nullptr, &o, &olen);  // back to the initial shift state
    out->append(buf, static_cast<size_t>(o - buf));
  }
}

void CharsetDecoder::convert(std::string_view in, std::string* out, bool last) {
  std::string joined;
  if (!held_.empty()) {
    joined = held_ + std::string(in);
    in = joined;
    held_.clear();
  }
  if (utf7_) {
    utf7_->feed(in, out);
    if (last) utf7_->finish(out);
    return;
  }
  if (cd_ == nullptr) {
    validate_utf8(in, out, &held_, last);
    return;
  }
  auto cd = static_cast<iconv_t>(cd_);
  char* src = const_cast<char*>(in.data());  // iconv's prototype; it does not write the input
  size_t left = in.size();
  char buf[4096];
  while (left > 0) {
    char* o = buf;
    size_t olen = sizeof buf;
    size_t rc = iconv(cd, &src, &left, &o, &olen);
    out->append(buf, static_cast<size_t>(o - buf));
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) continue;
    if (errno == EINVAL && !last && left < 16) {  // cut-off sequence: wait for more
      held_.assign(src, left);
      return;
    }
    // EILSEQ (or a cut-off sequence at the very end): one replacement, skip a
    // byte, and start again from the initial shift state. glibc leaves a
    // stateful decoder (ISO-2022's shifts) in a state
    // that depends on how the input was cut into calls, so without the reset
    // the same bytes fed in other pieces would decode to other text.
    out->append(kReplacement);
    ++src;
    --left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
}

std::string convert_to_utf8(std::string_view charset, std::string_view bytes) {
  CharsetDecoder d(charset);
  std::string out;
  d.feed(bytes, &out);
  d.finish(&out);
  return out;
}

namespace {

// ICU's NFKC_Casefold normalizer (full case folding, compatibility
// composition, default ignorables removed); process-wide and thread-safe.
const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* n = [] {
    UErrorCode e = U_ZERO_ERROR;
    const icu::Normalizer2* got = icu::Normalizer2::getNFKCCasefoldInstance(e);
    if (U_FAILURE(e) || got == nullptr) std::abort();  // ICU's data is part of libicu
    return got;
  }();
  return *n;
}

void normalize_into(std::string_view utf8, std::string* out) {
  UErrorCode e = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(out, static_cast<int32_t>(utf8.size()));
  nfkc_casefold().normalizeUTF8(0, icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())), sink, nullptr, e);
  if (U_FAILURE(e)) out->append(utf8);  // valid UTF-8 by construction: not expected
}

// Asked of ICU once per BMP code point: whether a segment starts at it, and
// how a segment of just that character folds (kept for two-byte ones, which
// change often; "unchanged or not" for the rest, such as CJK).
struct FoldTable {
  struct Folded {
    uint8_t size = 0;  // 0: longer than bytes (ask ICU)
    char bytes[7] = {};
  };
  std::bitset<0x10000> boundary;  // hasBoundaryBefore, all of the BMP
  std::bitset<0x10000> itself;    // a segment of just this character folds to itself
  std::array<Folded, 0x800> folded;
};

const FoldTable& fold_table() {
  static const FoldTable table = [] {
    FoldTable t;
    icu::UnicodeString mapping;
    for (UChar32 c = 0x800; c < 0x10000; ++c) {
      t.boundary[static_cast<size_t>(c)] = nfkc_casefold().hasBoundaryBefore(c);
      t.itself[static_cast<size_t>(c)] = !nfkc_casefold().getDecomposition(c, mapping);
    }
    for (UChar32 c = 0x80; c < 0x800; ++c) {
      t.boundary[static_cast<size_t>(c)] = nfkc_casefold().hasBoundaryBefore(c);
      std::string one, folded;
      loft::append_utf8(&one, static_cast<char32_t>(c));
      normalize_into(one, &folded);
      auto& f = t.folded[static_cast<size_t>(c)];
      if (!folded.empty() && folded.size() <= sizeof f.bytes) {
        f.size = static_cast<uint8_t>(folded.size());
        folded.copy(f.bytes, folded.size());
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

// pending_ is one whole segment (a boundary follows it): a segment of one
// ASCII, two-byte or unchanged three-byte character is folded by table; anything else waits in batch_ so
// that ICU normalizes many segments at once (CJK text, combining sequences).
void CaseFolder::end_segment(std::string* out) {
  if (pending_.empty()) return;
  if (pending_.size() == 1) {
    flush_batch(out);
    out->push_back(ascii_lower_char(pending_[0]));
  } else if (const char32_t cp = loft::utf8_decode(pending_);
             loft::utf8_sequence_length(static_cast<unsigned char>(pending_[0])) == pending_.size() &&
             ((pending_.size() == 2 && fold_table().folded[cp].size != 0) ||
              (pending_.size() == 3 && fold_table().itself[cp]))) {
    flush_batch(out);
    if (pending_.size() == 2) {
      out->append(fold_table().folded[cp].bytes, fold_table().folded[cp].size);
    } else {
      out->append(pending_);
    }
  } else {
    batch_.append(pending_);
    if (batch_.size() >= kNormalizeChunk) flush_batch(out);
  }
  pending_.clear();
}

void CaseFolder::flush_batch(std::string* out) {
  if (batch_.empty()) return;
  normalize_into(batch_, out);
  batch_.clear();
}

void CaseFolder::feed(std::string_view utf8, std::string* out) {
  std::string joined;
  if (!held_.empty()) {
    joined = held_ + std::string(utf8);
    utf8 = joined;
    held_.clear();
  }
  out->reserve(out->size() + utf8.size());
  const FoldTable& table = fold_table();
  size_t i = 0;
  while (i < utf8.size()) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      // Every ASCII character starts a segment: the run is folded at once but
      // for its last character, to which a combining mark may still belong.
      size_t end = i;
      while (end < utf8.size() && static_cast<unsigned char>(utf8[end]) < 0x80) ++end;
      end_segment(out);
      flush_batch(out);
      const size_t start = out->size();
      out->append(utf8.substr(i, end - i - 1));
      for (size_t k = start; k < out->size(); ++k) (*out)[k] = ascii_lower_char((*out)[k]);
      pending_.assign(1, utf8[end - 1]);
      nonstarters_ = 0;
      i = end;
      continue;
    }
    if (c >= 0xC2 && c < 0xE0 && i + 1 < utf8.size() && (utf8[i + 1] & 0xC0) == 0x80) {
      // Two bytes (Latin to Arabic): the common case, by table.
      const auto cp = static_cast<size_t>(((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F));
      if (table.boundary[cp] || nonstarters_ >= 30) {
        end_segment(out);
        nonstarters_ = 0;
      } else {
        ++nonstarters_;
      }
      pending_.append(utf8.data() + i, 2);
      i += 2;
      continue;
    }
    int n = utf8_sequence(utf8.substr(i));
    if (n < 0) {
      held_.assign(utf8.substr(i));
      break;
    }
    UChar32 cp = 0xFFFD;  // invalid UTF-8 (n == 0): one replacement per byte
    if (n == 2) cp = ((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F);
    if (n == 3) cp = ((c & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
    if (n == 4) cp = ((c & 0x07) << 18) | ((utf8[i + 1] & 0x3F) << 12) | ((utf8[i + 2] & 0x3F) << 6) | (utf8[i + 3] & 0x3F);
    const bool boundary = cp < 0x10000 ? table.boundary[static_cast<size_t>(cp)] : nfkc_casefold().hasBoundaryBefore(cp);
    // UAX #15 stream-safe text: after 30 non-starters a segment is cut, so
    // where it is cut depends on the text alone, never on how it was split.
    if (boundary || nonstarters_ >= 30) {
      end_segment(out);
      nonstarters_ = 0;
    } else {
      ++nonstarters_;
    }
    if (n == 0) {
      pending_.append(kReplacement);
      ++i;
    } else {
      pending_.append(utf8.substr(i, static_cast<size_t>(n)));
      i += static_cast<size_t>(n);
    }
  }
  flush_batch(out);  // whole segments; pending_ may still grow
}

void CaseFolder::finish(std::string* out) {
  end_segment(out);
  flush_batch(out);
  for (size_t i = 0; i < held_.size(); ++i) out->append(kReplacement);
  held_.clear();
  nonstarters_ = 0;
}

std::string fold_case(std::string_view utf8) {
  CaseFolder f;
  std::string out;
  f.feed(utf8, &out);
  f.finish(&out);
  return out;
}

}  // namespace loft::proto::mime
