// Percent-encoded tokens of the admin protocol (the line protocol between
// loftctl and loftd). Any byte string, spaces, NULs and newlines included,
// encodes to a token of unreserved characters and "%XX", so a line splits on
// single spaces without ambiguity (an empty token is the empty string).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::proto::admin {

// Bytes outside [A-Za-z0-9._~@+-] become "%XX" (upper-case hex).
std::string encode_token(std::string_view raw);
// Inverse of encode_token. Errc::bad_input for a raw byte that should have
// been encoded or a malformed escape; decoding is strict so that every
// string has exactly one encoding.
Result<std::string> decode_token(std::string_view token);

// Splits a line on every single space: "a b" -> {a, b}, "a  b" -> {a, "", b},
// "" -> {""}. Tokens are not decoded.
std::vector<std::string_view> split_tokens(std::string_view line);

}  // namespace loft::proto::admin
