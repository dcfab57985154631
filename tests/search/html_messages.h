// Generated HTML messages for the search property test: words written plain,
// as named or numeric character references, split by inline tags and
// comments, separated by block tags and &nbsp;, with hidden words in
// <script>, <style>, comments and attributes, in 8bit, quoted-printable or
// base64 bodies, alone or beside a text/plain alternative. Deterministic.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "corpus_util.h"

namespace loft::test {

namespace html_detail {

// A character of a word as HTML may write it: itself, a named reference
// when it has one here, or a decimal or hex numeric reference.
inline std::string write_char(const std::string& ch, std::mt19937& rng) {
  static const std::pair<const char*, const char*> kNamed[] = {
      {"é", "&eacute;"}, {"è", "&egrave;"}, {"ï", "&iuml;"}, {"ß", "&szlig;"}, {"É", "&Eacute;"},
      {"&", "&amp;"},    {"<", "&lt;"},     {"Ω", "&Omega;"}, {"€", "&euro;"}, {"'", "&apos;"}};
  unsigned how = rng() % 6;
  if (how == 0) {
    for (const auto& [c, ref] : kNamed) {
      if (ch == c) return ref;
    }
  }
  if (how == 1 || how == 2 || ch == "<" || ch == "&") {
    // Decode the UTF-8 character to its code point.
    const auto* b = reinterpret_cast<const unsigned char*>(ch.data());
    uint32_t cp = b[0] < 0x80 ? b[0] : b[0] < 0xE0 ? b[0] & 0x1F : b[0] < 0xF0 ? b[0] & 0x0F : b[0] & 0x07;
    for (size_t i = 1; i < ch.size(); ++i) cp = (cp << 6) | (b[i] & 0x3F);
    char buf[16];
    snprintf(buf, sizeof buf, how == 1 ? "&#%u;" : "&#x%X;", cp);
    return buf;
  }
  return ch;
}

// A word as HTML: characters written as above, sometimes cut by an inline tag or a comment.
inline std::string write_word(const std::string& word, std::mt19937& rng) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < word.size();) {
    size_t n = 1;
    while (i + n < word.size() && (static_cast<unsigned char>(word[i + n]) & 0xC0) == 0x80) ++n;
    chars.push_back(word.substr(i, n));
    i += n;
  }
  static const char* kCuts[] = {"<b>", "</b>", "<span class=\"x\">", "</span>", "<!-- div -->", "<font color=red>"};
  std::string out;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (i > 0 && rng() % 8 == 0) out += kCuts[rng() % 6];
    out += write_char(chars[i], rng);
  }
  return out;
}

// Base64 of bytes, in lines of 76 characters.
inline std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t line = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
    if ((line += 4) >= 76) {
      out += "\r\n";
      line = 0;
    }
  }
  return out + "\r\n";
}

// Quoted-printable of bytes: 8-bit bytes, '=' and some letters encoded, soft breaks.
inline std::string quoted_printable(const std::string& in, std::mt19937& rng) {
  std::string out;
  size_t line = 0;
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    char buf[4];
    if (u >= 0x80 || c == '=' || rng() % 16 == 0) {
      snprintf(buf, sizeof buf, "=%02X", u);
      out += buf;
      line += 3;
    } else if (c == '\n') {
      out += "\r\n";
      line = 0;
    } else {
      out += c;
      ++line;
    }
    if (line >= 70) {
      out += "=\r\n";
      line = 0;
    }
  }
  return out;
}

}  // namespace html_detail

// `count` HTML messages, named "generated/html/N".
inline std::vector<CorpusMessage> html_messages(size_t count) {
  using namespace html_detail;
  static const std::vector<std::string> kWords = {
      "café",   "crème", "naïve",  "Straße",  "résumé", "meeting", "schedule", "AT&T",  "a<b",     "l'été",
      "привет", "мир",   "日本語", "東京",    "Ωmega",  "5€",      "ÉTÉ",      "budget", "quarterly", "nbsp",
      "division", "table", "Dürer", "Ελληνικά", "naïveté", "x",     "hello",    "world", "script",  "style"};
  static const char* kBlocks[] = {"<br>", "<p>", "</p>", "<div>", "</div>", "&nbsp;", " ", "\r\n", "<li>", "</td><td>"};
  static const char* kHidden[] = {"<script>var budget = '<div>meeting</div>';</script>",
                                  "<style>div.meeting { color: red }</style>", "<!-- hidden budget words -->",
                                  "<a href=\"http://example.org/?q=meeting&amp;x=1\" title='budget > 5'>link</a>"};
  std::mt19937 rng(20261128u);
  std::vector<CorpusMessage> out;
  for (size_t n = 0; n < count; ++n) {
    std::string html = "<html><head><title>" + write_word(kWords[rng() % kWords.size()], rng) + "</title>";
    if (rng() % 2) html += kHidden[1];
    html += "</head><body>";
    size_t words = 5 + rng() % 30;
    for (size_t w = 0; w < words; ++w) {
      html += write_word(kWords[rng() % kWords.size()], rng);
      html += kBlocks[rng() % 10];
      if (rng() % 10 == 0) html += kHidden[rng() % 4];
    }
    html += "</body></html>\n";
    std::string cte = "8bit", body = html;
    switch (rng() % 3) {
      case 1:
        cte = "quoted-printable";
        body = quoted_printable(html, rng);
        break;
      case 2:
        cte = "base64";
        body = base64(html);
        break;
      default:
        break;
    }
    std::string part =
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body;
    std::string msg = "From: gen@example.org\r\nSubject: html " + std::to_string(n) + "\r\nMIME-Version: 1.0\r\n";
    if (rng() % 3 == 0) {
      msg += "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\nplain " + kWords[rng() % kWords.size()] + "\r\n--alt\r\n" +
             part + "\r\n--alt--\r\n";
    } else {
      msg += part;
    }
    CorpusMessage m{"generated/html/" + std::to_string(n), msg, 0};
    m.header_size = msg.find("\r\n\r\n") + 4;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace loft::test
