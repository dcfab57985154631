// RFC 3501 §7.4.2 ENVELOPE, BODY and BODYSTRUCTURE values built from a stored
// message structure (protocol/mime), written exactly as Dovecot 2.3 writes
// them: the differential test and tests/protocol/mime/golden.dat hold us to it.
#pragma once

#include <string>

#include "protocol/mime/structure.h"

namespace loft::proto::imap {

// Appends "(" date subject from sender reply-to to cc bcc in-reply-to message-id ")".
// Sender and Reply-To default to From (RFC 3501 §7.4.2).
void append_envelope(std::string* out, const mime::Envelope& env);
// Appends the body structure of parts[0]: BODY when !extended, else
// BODYSTRUCTURE with the extension data (body-ext-1part / body-ext-mpart).
void append_body_structure(std::string* out, const mime::Structure& s, bool extended);

// Dovecot's string forms, exposed for tests. nstring: quoted, or a literal when
// the value has CR, LF, 8-bit bytes or more than 4 quoted-specials; the value
// ends at a NUL. nolf: the same with CR and LF removed first. for_humans:
// white space runs collapsed, trimmed, NUL shown as 0x80.
void append_dovecot_nstring(std::string* out, const std::optional<std::string>& s);
void append_dovecot_nstring_nolf(std::string* out, const std::optional<std::string>& s);
void append_for_humans(std::string* out, std::string_view s);

}  // namespace loft::proto::imap
