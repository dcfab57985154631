// The admin protocol, spoken by loftctl to loftd over the admin UNIX socket:
// percent-encoded tokens, typed requests and responses. Grammar (one request
// per line; a line ends in LF, CRLF is accepted):
//   request  = ("USER-ADD" SP name SP password / "USER-PASSWD" SP name SP password
//               / "USER-DELETE" SP name / "USER-LIST" / "PING"
//               / "STORE-CHECK" / "STORE-REPAIR"
//               / "QUOTA-GET" SP name / "QUOTA-SET" SP name SP bytes SP messages
//               / "DELIVER" SP name SP mailbox SP flags
//               / "INDEX-STATUS" SP name / "INDEX-REBUILD" SP name / "INDEX-OPTIMIZE" SP name) LF
//   response = *("DATA" *(SP token) LF) ("OK" LF / "ERR" SP errc-name [SP message] LF)
// errc-name is errc_name() of base/result.h. STORE-CHECK and STORE-REPAIR
// answer one DATA line per problem: check-name subject detail status, status
// "found" or "repaired" (docs/storage.md, "Checking a store"). A connection
// may carry several requests in turn; each gets its whole response before the
// next is read. QUOTA-GET answers one DATA line: bytes messages byte-limit
// message-limit (decimal; a limit of 0 is none); QUOTA-SET sets both limits.
// DELIVER (loftctl deliver) is answered twice: first OK (go on) or ERR; after
// OK the client streams the message as frames "CHUNK" SP size LF <size raw
// octets>, ended by "CHUNK 0" LF; the second answer is DATA mailbox uid, OK,
// or ERR. flags is a space-separated list ("\Seen $Label"), mailbox may be
// empty (INBOX). INDEX-* (loftctl index, docs/search.md) name one account or,
// with an empty name, every account. INDEX-STATUS answers one DATA line per
// account: name documents bytes mail-bytes pending messages state;
// INDEX-REBUILD sends "DATA progress name done total" lines while it works,
// then "DATA indexed name count" per account; INDEX-OPTIMIZE "DATA optimized
// name". A client reads DATA lines as they come.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace loft::proto::admin {

// --- tokens: any byte string, spaces, NULs and newlines included, encodes to
// unreserved characters and "%XX", so a line splits on single spaces without
// ambiguity (an empty token is the empty string).

// Bytes outside [A-Za-z0-9._~@+-] become "%XX" (upper-case hex).
std::string encode_token(std::string_view raw);
// Inverse of encode_token. Errc::bad_input for a raw byte that should have
// been encoded or a malformed escape; decoding is strict so that every
// string has exactly one encoding.
Result<std::string> decode_token(std::string_view token);

// Splits a line on every single space: "a b" -> {a, b}, "a  b" -> {a, "", b},
// "" -> {""}. Tokens are not decoded.
std::vector<std::string_view> split_tokens(std::string_view line);

// --- lines

// Longest line, terminator excluded, either way.
constexpr size_t kMaxLine = 8192;

enum class RequestKind {
  user_add, user_passwd, user_delete, user_list, ping, store_check, store_repair, quota_get, quota_set, deliver,
  index_status, index_rebuild, index_optimize
};

// Wire verb of a request kind ("USER-ADD", ...).
const char* request_verb(RequestKind kind);

struct Request {
  RequestKind kind = RequestKind::ping;
  std::string name;      // user_add, user_passwd, user_delete, index_* ("" = every account)
  std::string password;  // user_add, user_passwd
  uint64_t byte_limit = 0;     // quota_set (0: none)
  uint64_t message_limit = 0;  // quota_set (0: none)
  std::string mailbox{};       // deliver ("" = INBOX)
  std::string flags{};         // deliver: space-separated flag names
};

// The body frames that follow an accepted DELIVER: "CHUNK <n>\n" + n octets.
// Most octets one frame may carry.
constexpr size_t kMaxChunk = 1 << 20;
std::string encode_chunk_header(size_t size);
// The size a frame header announces; Errc::bad_input if it is no header or
// the size exceeds kMaxChunk.
Result<size_t> decode_chunk_header(std::string_view line);

// The request as one line with its LF. Errc::limit when it would exceed kMaxLine.
Result<std::string> encode_request(const Request& request);
// Parses one line (without LF; a trailing CR is ignored). Errc::bad_input on
// an unknown verb, a wrong number of tokens or a bad token.
Result<Request> decode_request(std::string_view line);

struct Response {
  std::vector<std::vector<std::string>> rows;  // one entry per DATA line
  bool ok = true;
  Error error{Errc::internal, {}};  // meaningful when !ok

  static Response success() { return Response{}; }
  static Response failure(Error e) { return Response{{}, false, std::move(e)}; }
};

// One "DATA" line with its LF, sent ahead of the rest of a response
// (progress); Errc::limit when it would exceed kMaxLine.
Result<std::string> encode_data_line(const std::vector<std::string>& row);

// All lines of a response, each with its LF. Never fails: a too-long error
// message is cut, and a too-long DATA line turns the response into ERR limit.
std::string encode_response(const Response& response);

// Rebuilds a Response from its lines, fed one at a time.
class ResponseReader {
 public:
  // Takes one line (without LF). True once the final OK/ERR line arrived;
  // Errc::bad_input for a line that is not part of the grammar.
  Result<bool> add_line(std::string_view line);
  // The response built so far; complete once add_line() returned true.
  Response& response() { return response_; }

 private:
  Response response_;
  bool done_ = false;
};

}  // namespace loft::proto::admin
