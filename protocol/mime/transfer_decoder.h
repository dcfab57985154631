// Chooses and drives the Content-Transfer-Encoding decoder of one body part
// (RFC 2045 §6) for consumers that need the decoded bytes themselves
// (FETCH BINARY, RFC 3516 §4.2). The decoders are decode.h's; this only picks one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/mime/decode.h"

namespace loft::proto::mime {

// The decoding a part's Content-Transfer-Encoding asks for. identity covers
// 7bit, 8bit and binary (and an absent field: 7bit, RFC 2045 §6.1); unknown is
// any other token (RFC 2045 §6.4: the part cannot be decoded).
enum class Cte { identity, base64, quoted_printable, unknown };

// Classifies an encoding as kept in Part::encoding (a token, any case).
Cte classify_cte(const std::optional<std::string>& encoding);

// Decodes one part's body fed in pieces of any size. Precondition: cte is not unknown.
class TransferDecoder {
 public:
  explicit TransferDecoder(Cte cte) : cte_(cte) {}
  // Appends the bytes decoded from in to *out.
  void feed(std::string_view in, std::string* out);
  // Flushes what the decoder holds back; call once after the last feed.
  void finish(std::string* out);

 private:
  Cte cte_;
  Base64Decoder b64_;
  QpDecoder qp_;
};

}  // namespace loft::proto::mime
