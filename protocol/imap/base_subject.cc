// RFC 5256 §2.1 base subject extraction (ABNF in §5: subj-trailer,
// subj-leader, subj-blob, subj-refwd, subj-fwd-hdr, subj-fwd-trl).
#include "protocol/imap/base_subject.h"

#include "base/bytes.h"
#include "protocol/mime/decode.h"

namespace loft::proto::imap {
namespace {

// subj-blob = "[" *BLOBCHAR "]" *WSP at pos; its length, or 0 if none.
// BLOBCHAR is any CHAR but "[" and "]".
size_t blob_at(std::string_view s, size_t pos) {
  if (pos >= s.size() || s[pos] != '[') return 0;
  size_t i = pos + 1;
  while (i < s.size() && s[i] != '[' && s[i] != ']') ++i;
  if (i >= s.size() || s[i] != ']') return 0;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  return i - pos;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" at pos; its length or 0.
size_t refwd_at(std::string_view s, size_t pos) {
  std::string_view t = s.substr(pos);
  size_t i = 0;
  if (istarts_with(t, "re")) {
    i = 2;
  } else if (istarts_with(t, "fwd")) {
    i = 3;
  } else if (istarts_with(t, "fw")) {
    i = 2;
  } else {
    return 0;
  }
  while (i < t.size() && t[i] == ' ') ++i;
  i += blob_at(t, i);
  if (i >= t.size() || t[i] != ':') return 0;
  return i + 1;
}

// subj-leader = (*subj-blob subj-refwd) / WSP: its length at the start, or 0.
size_t leader(std::string_view s, bool* reply) {
  if (!s.empty() && s[0] == ' ') return 1;
  size_t i = 0;
  while (size_t b = blob_at(s, i)) i += b;
  size_t r = refwd_at(s, i);
  if (r == 0) return 0;
  *reply = true;
  return i + r;
}

bool has_non_space(std::string_view s) { return s.find_first_not_of(' ') != std::string_view::npos; }

}  // namespace

BaseSubject base_subject(std::string_view raw) {
  BaseSubject out;
  // (1) RFC 2047 decoding to UTF-8; tabs and line breaks to spaces, runs of spaces to one.
  std::string decoded = mime::decode_header_value(raw);
  std::string s;
  s.reserve(decoded.size());
  for (char c : decoded) {
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && !s.empty() && s.back() == ' ') continue;
    s.push_back(c);
  }
  std::string_view v = s;
  for (;;) {
    // (2) subj-trailer = "(fwd)" / WSP, removed from the end until none is left.
    for (;;) {
      if (!v.empty() && v.back() == ' ') {
        v.remove_suffix(1);
      } else if (iends_with(v, "(fwd)")) {
        v.remove_suffix(5);
        out.reply = true;
      } else {
        break;
      }
    }
    // (3)-(5) leaders, then a blob if something is left after it, until neither matches.
    for (bool changed = true; changed;) {
      changed = false;
      while (size_t n = leader(v, &out.reply)) {
        v.remove_prefix(n);
        changed = true;
      }
      size_t b = blob_at(v, 0);
      if (b != 0 && has_non_space(v.substr(b))) {
        v.remove_prefix(b);
        changed = true;
      }
    }
    // (6) "[fwd:" ... "]": remove both and go back to (2).
    if (istarts_with(v, "[fwd:") && !v.empty() && v.back() == ']') {
      v = v.substr(5, v.size() - 6);
      out.reply = true;
      continue;
    }
    break;
  }
  out.text = std::string(v);
  return out;
}

std::string sort_fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace loft::proto::imap
