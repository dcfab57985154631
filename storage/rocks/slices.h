// Large STORE and EXPUNGE requests in slices (docs/storage.md "Writes:
// group commit", point 5): a request naming more than `slice` UIDs commits
// as several requests of at most `slice` UIDs, one after the other, so
// another account's delivery waits behind one slice (tens of milliseconds),
// not behind 100,000 messages. Each slice is durable and published on its
// own; if one fails, the ones before it stay done and the caller gets the
// error (IMAP lets STORE and EXPUNGE take effect in part).
#pragma once

#include <algorithm>
#include <iterator>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "base/result.h"
#include "storage/rocks/committer.h"
#include "storage/store.h"

namespace loft::storage::rocks {

// R is a request with `uids` (ascending) and `out`; merge(acc, part) appends
// a slice's out to the whole. Blocking: each slice waits for its commit.
template <class R, class Out, class Merge>
Result<Out> run_sliced(Committer& committer, const R& proto, std::span<const uint32_t> uids, size_t slice,
                       Merge merge) {
  Out acc{};
  size_t next = 0;
  do {
    R r = proto;
    const size_t n = std::min(slice, uids.size() - next);
    r.uids.assign(uids.begin() + static_cast<std::ptrdiff_t>(next),
                  uids.begin() + static_cast<std::ptrdiff_t>(next + n));
    next += n;
    if (auto done = committer.run(r); !done) return done.error();
    merge(acc, std::move(r.out));
  } while (next < uids.size());
  return acc;
}

// The same without waiting: the next slice is queued from the completion of
// the one before (on the committer thread), so requests queued meanwhile go
// between them; done gets the whole result, or the first error.
template <class R, class Out, class Merge>
void submit_sliced(Committer& committer, R proto, std::vector<uint32_t> uids, size_t slice, Store::Done<Out> done,
                   Merge merge) {
  struct State {
    Committer& committer;
    R proto;
    std::vector<uint32_t> uids;
    size_t slice;
    size_t next = 0;
    Out acc{};
    Store::Done<Out> done;
    Merge merge;
    static void step(std::shared_ptr<State> s) {
      auto r = std::make_shared<R>(s->proto);
      const size_t n = std::min(s->slice, s->uids.size() - s->next);
      r->uids.assign(s->uids.begin() + static_cast<std::ptrdiff_t>(s->next),
                     s->uids.begin() + static_cast<std::ptrdiff_t>(s->next + n));
      s->next += n;
      s->committer.submit(r, [s, r](Result<void> ok) {
        if (!ok) return s->done(ok.error());
        s->merge(s->acc, std::move(r->out));
        if (s->next < s->uids.size()) return step(s);
        s->done(std::move(s->acc));
      });
    }
  };
  auto s = std::shared_ptr<State>(
      new State{committer, std::move(proto), std::move(uids), std::max<size_t>(slice, 1), 0, Out{}, std::move(done),
                std::move(merge)});
  State::step(std::move(s));
}

// The merges of STORE's and EXPUNGE's slices: each appends the part.
inline void append_flag_result(FlagResult& acc, FlagResult&& part) {
  acc.updated.insert(acc.updated.end(), std::make_move_iterator(part.updated.begin()),
                     std::make_move_iterator(part.updated.end()));
  acc.modified.insert(acc.modified.end(), part.modified.begin(), part.modified.end());
}
inline void append_uids(std::vector<uint32_t>& acc, std::vector<uint32_t>&& part) {
  acc.insert(acc.end(), part.begin(), part.end());
}

}  // namespace loft::storage::rocks
