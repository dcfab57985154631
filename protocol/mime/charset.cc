// Charset conversion with glibc iconv and case folding with ICU (see charset.h).
#include "protocol/mime/charset.h"

#include <iconv.h>
#include <unicode/uchar.h>

#include <cerrno>

#include "base/bytes.h"
#include "base/utf8.h"

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
    // EILSEQ (or a cut-off sequence at the very end): one replacement, skip a byte
    out->append(kReplacement);
    ++src;
    --left;
  }
}

std::string convert_to_utf8(std::string_view charset, std::string_view bytes) {
  CharsetDecoder d(charset);
  std::string out;
  d.feed(bytes, &out);
  d.finish(&out);
  return out;
}

void CaseFolder::feed(std::string_view utf8, std::string* out) {
  std::string joined;
  if (!held_.empty()) {
    joined = held_ + std::string(utf8);
    utf8 = joined;
    held_.clear();
  }
  size_t i = 0;
  out->reserve(out->size() + utf8.size());
  while (i < utf8.size()) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {  // fast path: a run of ASCII is lower-cased in place
      size_t start = out->size(), end = i;
      while (end < utf8.size() && static_cast<unsigned char>(utf8[end]) < 0x80) ++end;
      out->append(utf8.substr(i, end - i));
      for (size_t k = start; k < out->size(); ++k) {
        char& ch = (*out)[k];
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      }
      i = end;
      continue;
    }
    int n = utf8_sequence(utf8.substr(i));
    if (n < 0) {
      held_.assign(utf8.substr(i));
      return;
    }
    if (n == 0) {
      out->append(kReplacement);
      ++i;
      continue;
    }
    UChar32 cp = 0;
    if (n == 2) cp = ((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F);
    if (n == 3) cp = ((c & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
    if (n == 4) cp = ((c & 0x07) << 18) | ((utf8[i + 1] & 0x3F) << 12) | ((utf8[i + 2] & 0x3F) << 6) | (utf8[i + 3] & 0x3F);
    loft::append_utf8(out, static_cast<char32_t>(u_foldCase(cp, U_FOLD_CASE_DEFAULT)));
    i += static_cast<size_t>(n);
  }
}

void CaseFolder::finish(std::string* out) {
  for (size_t i = 0; i < held_.size(); ++i) out->append(kReplacement);
  held_.clear();
}

std::string fold_case(std::string_view utf8) {
  CaseFolder f;
  std::string out;
  f.feed(utf8, &out);
  f.finish(&out);
  return out;
}

}  // namespace loft::proto::mime
