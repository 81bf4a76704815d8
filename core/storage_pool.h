// Recordings in one process that share a filesystem make room for each other:
// when it runs short, the oldest footage on it goes first, whichever
// recording holds it, until every recording has room for its next segments.
//
// A recording alone (no group) is a pool of one. The launcher puts its cameras
// in one group; recordings in the same group on different filesystems never
// touch each other.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "disk_space.h"
#include "recording_index.h"

namespace dvr {

class StoragePool {
 public:
  // One recording as its element registers it. The pool reads and changes
  // `index` and `account` only under `lock`, which it takes only while the
  // caller holds no member's lock.
  struct Member {
    std::mutex *lock = nullptr;
    RecordingIndex *index = nullptr;
    SpaceAccount *account = nullptr;
    std::string group;  // empty: alone
    // The live window, kept while older footage remains anywhere in the group.
    int64_t live_window_us = 0;
    // Bytes to keep free on the filesystem: below it the group's oldest
    // footage goes, as retention, not as a fault. 0: none.
    uint64_t min_free_bytes = 0;
    // Kept up to date by the member under its lock, read without it.
    std::atomic<uint64_t> headroom{0};
    uint64_t device = 0;  // set by join()
  };

  // What a call found and did, for the requester's messages.
  struct Outcome {
    int64_t free_bytes = -1;  // before freeing; -1: unknown
    uint64_t headroom = 0;    // wanted free for the whole group
    uint64_t freed_bytes = 0;
    size_t freed_segments = 0;
    bool short_of_space = false;
    // Freed only to keep the group's min-free, not for lack of space.
    bool for_min_free = false;
    uint64_t min_free = 0;
  };

  // The pool of this process.
  static StoragePool &process();

  // Joins m (index, lock and account set; the caller holds no member lock).
  void join(Member *m);
  void leave(Member *m);

  // Keeps the group's headroom free on the requester's filesystem: if fewer
  // bytes are free than its members' headrooms together, frees the oldest
  // footage (disk_space.h: segments_to_free) until there are. forced: a write
  // just failed for lack of space, whatever the free count says: frees the
  // headroom itself, at least forced_minimum bytes. The caller holds no
  // member's lock.
  Outcome keep_headroom(Member *requester, int64_t now_us, bool forced,
                        uint64_t forced_minimum = 0);

 private:
  std::mutex lock_;
  std::vector<Member *> members_;
};

}  // namespace dvr
