// RFC 5256 §2.1 base subject extraction, shared by SORT SUBJECT and both
// subject-based THREAD algorithms.
#pragma once

#include <string>
#include <string_view>

namespace loft::proto::imap {

// The base subject of one message and whether extracting it removed a
// reply/forward marker ("Re:", "Fwd:", "(fwd)" or "[fwd: ...]"), which
// THREAD=REFERENCES step 5 and ORDEREDSUBJECT need.
struct BaseSubject {
  std::string text;     // UTF-8, case kept (compare with sort_fold)
  bool reply = false;   // a subj-refwd, subj-trailer "(fwd)" or subj-fwd-hdr was removed
};

// raw: the Subject field value as sent (unfolded, RFC 2047 words still
// encoded). Steps (1) to (7) of RFC 5256 §2.1, exactly.
BaseSubject base_subject(std::string_view raw);

// The i;ascii-casemap form RFC 5256 §3 compares with by default: a-z
// mapped to A-Z, every other byte kept.
std::string sort_fold(std::string_view s);

}  // namespace loft::proto::imap
