// RFC 8970 PREVIEW: a short plain-text preview of a message, made from its
// stored MIME structure and a bounded read of one part: the first text/plain
// part outside attachments and encapsulated messages (or, failing one, the
// first text/html, reduced to text), decoded (transfer encoding, charset to
// UTF-8) and with white space collapsed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "protocol/mime/structure.h"

namespace loft::proto::imap {

// Characters (Unicode code points) of a preview; RFC 8970 §3.1 allows up to 256.
inline constexpr size_t kPreviewChars = 200;
// Most raw bytes of the chosen part read to make the preview (markup and
// encodings take room), whatever the part's size.
inline constexpr uint64_t kPreviewReadBytes = 16 * 1024;

// Reads [offset, offset + length) of the message.
using PreviewRead = std::function<Result<std::string>(uint64_t offset, uint64_t length)>;

// The preview text (UTF-8, at most kPreviewChars code points); empty when
// the message has no text to show (RFC 8970 §3: NIL only means "not
// available", which LAZY allows; Loft always computes it, as Dovecot answers "").
Result<std::string> make_preview(const mime::Structure& structure, const PreviewRead& read);

// The text of HTML markup: tags, comments, <head>, <style> and <script>
// content dropped, the common entities decoded (&nbsp; to U+00A0, kept as
// Dovecot keeps it) (exposed for tests).
std::string html_to_text(std::string_view html);
// Collapses runs of white space into one space, trims both ends and cuts to
// at most max_chars code points without splitting one (exposed for tests).
std::string collapse_preview(std::string_view utf8, size_t max_chars);

}  // namespace loft::proto::imap
