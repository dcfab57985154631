// Transfer-encoding selection (see transfer_decoder.h).
#include "protocol/mime/transfer_decoder.h"

#include "base/bytes.h"

namespace loft::proto::mime {

Cte classify_cte(const std::optional<std::string>& encoding) {
  if (!encoding) return Cte::identity;  // RFC 2045 §6.1: the default is 7bit
  const std::string& e = *encoding;
  if (iequals(e, "7bit") || iequals(e, "8bit") || iequals(e, "binary")) return Cte::identity;
  if (iequals(e, "base64")) return Cte::base64;
  if (iequals(e, "quoted-printable")) return Cte::quoted_printable;
  return Cte::unknown;
}

void TransferDecoder::feed(std::string_view in, std::string* out) {
  switch (cte_) {
    case Cte::base64: b64_.feed(in, out); break;
    case Cte::quoted_printable: qp_.feed(in, out); break;
    case Cte::identity:
    case Cte::unknown: out->append(in); break;
  }
}

void TransferDecoder::finish(std::string* out) {
  if (cte_ == Cte::base64) b64_.finish(out);
  if (cte_ == Cte::quoted_printable) qp_.finish(out);
}

}  // namespace loft::proto::mime
