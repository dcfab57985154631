#include "protocol/admin/message.h"

#include <array>
#include <charconv>
#include <utility>

namespace loft::proto::admin {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '~' || c == '@' || c == '+' || c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower-case hex is refused: one encoding per string
}

}  // namespace

std::string encode_token(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> decode_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    if (c == '%') {
      int hi = i + 2 < token.size() ? hex_value(token[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(token[i + 2]) : -1;
      if (lo < 0) return make_error(Errc::bad_input, "bad %-escape in token");
      unsigned char byte = static_cast<unsigned char>(hi * 16 + lo);
      if (unreserved(byte)) return make_error(Errc::bad_input, "needless %-escape in token");
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      return make_error(Errc::bad_input, "unencoded byte in token");
    }
  }
  return out;
}

std::vector<std::string_view> split_tokens(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    if (sp == std::string_view::npos) {
      tokens.push_back(line.substr(start));
      return tokens;
    }
    tokens.push_back(line.substr(start, sp - start));
    start = sp + 1;
  }
}


namespace {

struct VerbInfo {
  RequestKind kind;
  const char* verb;
  size_t args;  // tokens after the verb
};

constexpr std::array<VerbInfo, 13> kVerbs{{
    {RequestKind::index_status, "INDEX-STATUS", 1},
    {RequestKind::index_rebuild, "INDEX-REBUILD", 1},
    {RequestKind::index_optimize, "INDEX-OPTIMIZE", 1},
    {RequestKind::deliver, "DELIVER", 3},
    {RequestKind::quota_get, "QUOTA-GET", 1},
    {RequestKind::quota_set, "QUOTA-SET", 3},
    {RequestKind::user_add, "USER-ADD", 2},
    {RequestKind::user_passwd, "USER-PASSWD", 2},
    {RequestKind::user_delete, "USER-DELETE", 1},
    {RequestKind::user_list, "USER-LIST", 0},
    {RequestKind::ping, "PING", 0},
    {RequestKind::store_check, "STORE-CHECK", 0},
    {RequestKind::store_repair, "STORE-REPAIR", 0},
}};

const VerbInfo& info(RequestKind kind) {
  for (const auto& v : kVerbs)
    if (v.kind == kind) return v;
  return kVerbs.back();
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

const char* request_verb(RequestKind kind) { return info(kind).verb; }

Result<std::string> encode_request(const Request& request) {
  const VerbInfo& v = info(request.kind);
  std::string line = v.verb;
  if (v.args >= 1) line += " " + encode_token(request.name);
  if (request.kind == RequestKind::quota_set)
    line += " " + std::to_string(request.byte_limit) + " " + std::to_string(request.message_limit);
  else if (request.kind == RequestKind::deliver)
    line += " " + encode_token(request.mailbox) + " " + encode_token(request.flags);
  else if (v.args >= 2)
    line += " " + encode_token(request.password);
  if (line.size() > kMaxLine) return make_error(Errc::limit, "request longer than the admin protocol allows");
  line.push_back('\n');
  return line;
}

Result<Request> decode_request(std::string_view line) {
  line = strip_cr(line);
  if (line.size() > kMaxLine) return make_error(Errc::bad_input, "request line too long");
  std::vector<std::string_view> tokens = split_tokens(line);
  for (const auto& v : kVerbs) {
    if (tokens[0] != v.verb) continue;
    if (tokens.size() != v.args + 1)
      return make_error(Errc::bad_input, std::string(v.verb) + " takes " + std::to_string(v.args) + " argument(s)");
    Request r;
    r.kind = v.kind;
    if (v.args >= 1) {
      auto name = decode_token(tokens[1]);
      if (!name) return name.error();
      r.name = std::move(*name);
    }
    if (r.kind == RequestKind::quota_set) {
      for (int i = 0; i < 2; ++i) {
        std::string_view t = tokens[2 + i];
        uint64_t n = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
        if (t.empty() || ec != std::errc() || end != t.data() + t.size())
          return make_error(Errc::bad_input, "QUOTA-SET limits are decimal numbers");
        (i == 0 ? r.byte_limit : r.message_limit) = n;
      }
      return r;
    }
    if (r.kind == RequestKind::deliver) {
      auto mailbox = decode_token(tokens[2]);
      auto flags = decode_token(tokens[3]);
      if (!mailbox) return mailbox.error();
      if (!flags) return flags.error();
      r.mailbox = std::move(*mailbox);
      r.flags = std::move(*flags);
      return r;
    }
    if (v.args >= 2) {
      auto password = decode_token(tokens[2]);
      if (!password) return password.error();
      r.password = std::move(*password);
    }
    return r;
  }
  return make_error(Errc::bad_input, "unknown request");
}

std::string encode_chunk_header(size_t size) { return "CHUNK " + std::to_string(size) + "\n"; }

Result<size_t> decode_chunk_header(std::string_view line) {
  line = strip_cr(line);
  if (line.substr(0, 6) != "CHUNK ") return make_error(Errc::bad_input, "expected CHUNK <size>");
  std::string_view num = line.substr(6);
  size_t n = 0;
  auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  if (num.empty() || ec != std::errc() || end != num.data() + num.size() || n > kMaxChunk)
    return make_error(Errc::bad_input, "bad CHUNK size");
  return n;
}

Result<std::string> encode_data_line(const std::vector<std::string>& row) {
  std::string line = "DATA";
  for (const auto& field : row) line += " " + encode_token(field);
  if (line.size() > kMaxLine) return make_error(Errc::limit, "response line too long");
  line.push_back('\n');
  return line;
}

std::string encode_response(const Response& response) {
  std::string out;
  for (const auto& row : response.rows) {
    auto line = encode_data_line(row);
    if (!line) return encode_response(Response::failure(line.error()));
    out += *line;
  }
  if (response.ok) return out + "OK\n";
  std::string line = std::string("ERR ") + errc_name(response.error.code);
  if (!response.error.message.empty()) {
    std::string message = encode_token(response.error.message);
    size_t room = kMaxLine - line.size() - 1;
    if (message.size() > room) {
      message.resize(room);  // never cut an escape in half
      size_t pct = message.rfind('%');
      if (pct != std::string::npos && pct + 3 > message.size()) message.resize(pct);
    }
    line += " " + message;
  }
  return out + line + "\n";
}

Result<bool> ResponseReader::add_line(std::string_view line) {
  if (done_) return make_error(Errc::bad_input, "line after the end of the response");
  line = strip_cr(line);
  if (line.size() > kMaxLine) return make_error(Errc::bad_input, "response line too long");
  std::vector<std::string_view> tokens = split_tokens(line);
  if (tokens[0] == "DATA") {
    std::vector<std::string> row;
    for (size_t i = 1; i < tokens.size(); ++i) {
      auto field = decode_token(tokens[i]);
      if (!field) return field.error();
      row.push_back(std::move(*field));
    }
    response_.rows.push_back(std::move(row));
    return false;
  }
  if (tokens[0] == "OK" && tokens.size() == 1) {
    response_.ok = true;
    done_ = true;
    return true;
  }
  if (tokens[0] == "ERR" && (tokens.size() == 2 || tokens.size() == 3)) {
    std::string message;
    if (tokens.size() == 3) {
      auto decoded = decode_token(tokens[2]);
      if (!decoded) return decoded.error();
      message = std::move(*decoded);
    }
    response_.ok = false;
    response_.error = Error{errc_from_name(std::string(tokens[1])), std::move(message)};
    done_ = true;
    return true;
  }
  return make_error(Errc::bad_input, "malformed response line");
}

}  // namespace loft::proto::admin
