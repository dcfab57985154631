// RFC 3516 BINARY for FETCH: the item grammar (§4.2, section-binary) and the
// response items (§4.3), as typed values the server fills in.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/imap/command.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

// Reads section-binary ["<" number "." nz-number ">"] after the item name
// (name is BINARY, BINARY.PEEK or BINARY.SIZE, any case) into *att. RFC 3516
// §4.2 and RFC 4466 §2.2: section-binary = "[" [section-part] "]", so HEADER,
// TEXT and MIME are refused, and BINARY.SIZE takes no partial. False (with the
// reader's error set) on a syntax error; also false, without error, if name is
// none of the three.
bool parse_binary_att(Reader* r, std::string_view name, FetchAtt* att);

// "BINARY[part]<origin> " then the literal header of size bytes of decoded data:
// "~{size}\r\n" (literal8) when literal8, else "{size}\r\n" (RFC 3516 §4.3).
// The caller sends the size bytes after it.
struct BinaryItem {
  std::span<const uint32_t> part;
  std::optional<uint64_t> origin;  // the partial's offset, echoed as "<origin>"
  uint64_t size = 0;
  bool literal8 = false;
  void serialize(std::string* out) const;
};

// "BINARY.SIZE[part] size" (RFC 3516 §4.3).
struct BinarySizeItem {
  std::span<const uint32_t> part;
  uint64_t size = 0;
  void serialize(std::string* out) const;
};

}  // namespace loft::proto::imap
