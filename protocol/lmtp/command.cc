#include "protocol/lmtp/command.h"

#include <array>
#include <charconv>
#include <utility>

#include "base/bytes.h"

namespace loft::proto::lmtp {

namespace {

constexpr std::array<std::pair<Verb, const char*>, 12> kVerbs{{
    {Verb::lhlo, "LHLO"}, {Verb::helo, "HELO"}, {Verb::ehlo, "EHLO"}, {Verb::mail, "MAIL"},
    {Verb::rcpt, "RCPT"}, {Verb::data, "DATA"}, {Verb::rset, "RSET"}, {Verb::noop, "NOOP"},
    {Verb::quit, "QUIT"}, {Verb::vrfy, "VRFY"}, {Verb::help, "HELP"}, {Verb::bdat, "BDAT"},
}};

Error syntax(std::string message) { return make_error(Errc::bad_input, std::move(message)); }

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// RFC 5322 §3.2.3 atext; bytes >= 0x80 are let through (RFC 6531 addresses
// arrive from MTAs that accepted them; refusing them here helps nobody).
bool is_atext(unsigned char c) {
  if (is_alpha(c) || is_digit(c) || c >= 0x80) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

// RFC 5321 §4.1.2 Domain: sub-domain *("." sub-domain), each Let-dig [Ldh-str].
bool valid_domain(std::string_view d) {
  if (d.size() >= 2 && d.front() == '[' && d.back() == ']') {
    std::string_view lit = d.substr(1, d.size() - 2);  // §4.1.3 address literal, dcontent
    if (lit.empty()) return false;
    for (unsigned char c : lit)
      if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') return false;
    return true;
  }
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label)
      if (!is_alpha(c) && !is_digit(c) && c != '-' && c < 0x80) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Splits "VERB rest": the verb token and what follows its single space.
std::pair<std::string_view, std::string_view> split_verb(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return {line, {}};
  return {line.substr(0, sp), line.substr(sp + 1)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Length of the RFC 5321 §4.1.2 Path starting at s ("<" [A-d-l ":"] Mailbox ">"),
// or 0 on a syntax error. *mailbox receives the Mailbox part.
size_t scan_path(std::string_view s, std::string_view* mailbox) {
  if (s.empty() || s.front() != '<') return 0;
  size_t i = 1;
  if (i < s.size() && s[i] == '@') {  // source route: accepted and ignored (§4.1.1.3, App. C)
    size_t colon = s.find(':', i);
    if (colon == std::string_view::npos) return 0;
    i = colon + 1;
  }
  size_t start = i;
  if (i < s.size() && s[i] == '"') {  // quoted local part may hold '>' and '@'
    for (++i; i < s.size() && s[i] != '"'; ++i)
      if (s[i] == '\\') ++i;
    if (i >= s.size()) return 0;
    ++i;
  }
  size_t close = s.find('>', i);
  if (close == std::string_view::npos) return 0;
  *mailbox = s.substr(start, close - start);
  return close + 1;
}

// RFC 5321 §4.1.2 esmtp-param: esmtp-keyword ["=" esmtp-value].
Result<Param> parse_param(std::string_view token) {
  size_t eq = token.find('=');
  std::string_view key = token.substr(0, eq);
  if (key.empty() || !(is_alpha(key[0]) || is_digit(key[0]))) return syntax("bad parameter keyword");
  for (unsigned char c : key)
    if (!is_alpha(c) && !is_digit(c) && c != '-') return syntax("bad parameter keyword");
  Param p{std::string(key), {}};
  for (char& c : p.keyword) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (eq == std::string_view::npos) return p;
  std::string_view value = token.substr(eq + 1);
  if (value.empty()) return syntax("empty value for parameter " + p.keyword);
  for (unsigned char c : value)
    if (c < 33 || c > 126 || c == '=') return syntax("bad value for parameter " + p.keyword);
  p.value = std::string(value);
  return p;
}

// MAIL FROM:<path> / RCPT TO:<path> followed by parameters (RFC 5321 §4.1.1.2-3).
Result<void> parse_path_command(std::string_view rest, std::string_view keyword, Command* cmd) {
  if (rest.size() < keyword.size() || !iequals(rest.substr(0, keyword.size()), keyword))
    return syntax(std::string("expected ") + std::string(keyword) + "<address>");
  rest.remove_prefix(keyword.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);  // tolerated, common
  bool is_mail = cmd->verb == Verb::mail;
  std::string_view mailbox;
  if (rest.substr(0, 2) == "<>") {
    if (!is_mail) return syntax("empty recipient address");
    rest.remove_prefix(2);  // the null reverse-path, §4.5.5
  } else {
    size_t used = scan_path(rest, &mailbox);
    if (used == 0) return syntax("address must be enclosed in <>");
    if (!valid_mailbox(mailbox)) return syntax("bad address syntax");
    rest.remove_prefix(used);
    cmd->path = std::string(mailbox);
  }
  if (!rest.empty() && rest.front() != ' ') return syntax("garbage after address");
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    size_t sp = rest.find(' ');
    auto param = parse_param(rest.substr(0, sp));
    if (!param) return param.error();
    rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp);
    Param& p = *param;
    if (is_mail && p.keyword == "SIZE") {  // RFC 1870 §3: SIZE=1*20DIGIT
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), n);
      if (cmd->size || p.value.empty() || p.value.size() > 20 || ec != std::errc() ||
          end != p.value.data() + p.value.size())
        return syntax("bad SIZE parameter");
      cmd->size = n;
    } else if (is_mail && p.keyword == "BODY") {  // RFC 6152 §2
      if (cmd->body != Body::unspecified) return syntax("duplicate BODY parameter");
      if (iequals(p.value, "7BIT")) cmd->body = Body::seven_bit;
      else if (iequals(p.value, "8BITMIME")) cmd->body = Body::eight_bit_mime;
      else if (iequals(p.value, "BINARYMIME")) cmd->body = Body::binary_mime;  // RFC 3030 §3
      else return syntax("unsupported BODY value");
    } else if (is_mail && p.keyword == "SMTPUTF8") {  // RFC 6531 §3.4: no value
      if (!p.value.empty() || cmd->smtputf8) return syntax("bad SMTPUTF8 parameter");
      cmd->smtputf8 = true;
    } else {
      cmd->other_params.push_back(std::move(p));
    }
  }
  return {};
}

}  // namespace

const char* verb_name(Verb verb) {
  for (const auto& [v, name] : kVerbs)
    if (v == verb) return name;
  return "?";
}

std::optional<Verb> peek_verb(std::string_view line) {
  std::string_view word = split_verb(line).first;
  for (const auto& [v, name] : kVerbs)
    if (iequals(word, name)) return v;
  return std::nullopt;
}

bool valid_mailbox(std::string_view m) {
  size_t i = 0;
  if (!m.empty() && m.front() == '"') {  // Quoted-string, §4.1.2 qtextSMTP / quoted-pairSMTP
    for (i = 1; i < m.size() && m[i] != '"'; ++i) {
      unsigned char c = static_cast<unsigned char>(m[i]);
      if (c == '\\') {
        if (++i >= m.size()) return false;
        c = static_cast<unsigned char>(m[i]);
        if (c < 32 || c == 127) return false;
      } else if (c < 32 || c == 127) {
        return false;
      }
    }
    if (i >= m.size()) return false;
    ++i;
  } else {  // Dot-string; consecutive dots tolerated (they exist in the wild)
    while (i < m.size() && (is_atext(static_cast<unsigned char>(m[i])) || m[i] == '.')) ++i;
    if (i == 0) return false;
  }
  if (i == m.size()) return true;  // bare local part
  if (m[i] != '@') return false;
  return valid_domain(m.substr(i + 1));
}

Result<Command> parse_command(std::string_view line) {
  auto [word, raw_rest] = split_verb(line);
  std::optional<Verb> verb = peek_verb(word);
  if (!verb) return syntax("unrecognized command");
  Command cmd;
  cmd.verb = *verb;
  std::string_view rest = trim(raw_rest);
  switch (cmd.verb) {
    case Verb::lhlo:  // RFC 2033 §4.1: "LHLO" SP Domain
      if (rest.empty() || rest.find(' ') != std::string_view::npos) return syntax("LHLO needs one domain");
      cmd.argument = std::string(rest);
      return cmd;
    case Verb::helo:
    case Verb::ehlo:  // recognised only to be refused (RFC 2033 §4.1)
    case Verb::noop:
    case Verb::help:
      cmd.argument = std::string(rest);
      return cmd;
    case Verb::vrfy:  // RFC 5321 §4.1.1.6: "VRFY" SP String
      if (rest.empty()) return syntax("VRFY needs an argument");
      cmd.argument = std::string(rest);
      return cmd;
    case Verb::data:
    case Verb::rset:
    case Verb::quit:
      if (!rest.empty()) return syntax(std::string(verb_name(cmd.verb)) + " takes no argument");
      return cmd;
    case Verb::bdat: {  // RFC 3030 §2: "BDAT" SP chunk-size [ SP end-marker ]
      size_t sp = rest.find(' ');
      std::string_view num = rest.substr(0, sp);
      std::string_view marker = sp == std::string_view::npos ? std::string_view() : trim(rest.substr(sp + 1));
      auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), cmd.chunk_size);
      if (num.empty() || num.size() > 20 || ec != std::errc() || end != num.data() + num.size())
        return syntax("BDAT needs a chunk size");
      if (!marker.empty() && !iequals(marker, "LAST")) return syntax("BDAT takes only LAST after the size");
      cmd.last = !marker.empty();
      return cmd;
    }
    case Verb::mail:
    case Verb::rcpt: {
      auto ok = parse_path_command(rest, cmd.verb == Verb::mail ? "FROM:" : "TO:", &cmd);
      if (!ok) return ok.error();
      return cmd;
    }
  }
  return syntax("unrecognized command");
}

}  // namespace loft::proto::lmtp
