// THREAD (RFC 5256 §3): ORDEREDSUBJECT, REFERENCES (§3 steps 1-6, with
// dummy parents and subject merging) and REFS (draft-ietf-morg-inthread as
// Dovecot implements it: REFERENCES without subject merging, threads
// ordered by their latest message). Pure: facts in, a thread forest out.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol/imap/sort.h"

namespace loft::proto::imap {

// Deepest reply chain kept: a message further down starts a thread of its
// own (no mail client shows 1,000 nested replies; the walks recurse).
inline constexpr size_t kMaxThreadDepth = 1000;

// One node of a thread: a message number (sequence number or UID), or 0 for
// a dummy parent (only ever at the top level, with two or more children).
struct ThreadNode {
  uint32_t number = 0;
  std::vector<ThreadNode> children;
};

// The threads of msgs; numbers are UIDs when uid, else sequence numbers.
std::vector<ThreadNode> thread_messages(std::span<const SortFacts> msgs, ThreadAlgorithm algorithm, bool uid);

// Appends "* THREAD " thread-list... CRLF (RFC 5256 §4 thread-data).
void append_thread_response(std::string* out, const std::vector<ThreadNode>& threads);

}  // namespace loft::proto::imap
