// Engine settings below the Store's Options: limits of the commit path and
// RocksDB knobs that tests and benchmarks turn (a fault-injecting Env, tiny
// memtables to provoke write stalls). Defaults are what loftd runs with.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rocksdb {
class Env;
}

namespace loft::storage::rocks {

struct Tuning {
  // RocksDB's Env (tests pass one whose files fail on demand); null: default.
  rocksdb::Env* env = nullptr;
  // Memtable size of every column family; 0: db.cc's defaults (8/32 MiB).
  size_t write_buffer_size = 0;
  // Level-0 file counts that slow down / stop writes; 0: RocksDB's (20/36).
  int level0_slowdown_writes_trigger = 0;
  int level0_stop_writes_trigger = 0;
  // A group stops taking requests once it has staged this many bytes; a
  // single larger request still commits, alone.
  size_t max_group_bytes = 16u << 20;
  // A STORE or EXPUNGE of more messages commits in slices of this many
  // (storage/rocks/slices.h), so no other commit waits behind all of them.
  uint32_t slice_messages = 1024;
  // One purge slice removes at most this many messages ...
  uint32_t purge_slice_messages = 250;
  // ... and at most about this many chunk rows (bodies whose last reference goes).
  uint32_t purge_slice_chunks = 4096;
};

}  // namespace loft::storage::rocks
