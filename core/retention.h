// Which segments leave the playlist, and which leave the disk.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "defaults.h"
#include "segment.h"
#include "timeline.h"

namespace dvr {

struct RetentionPolicy {
  uint64_t window_s =
      kDefaultWindow;  // seconds the live playlist lists; 0 lists everything
  uint64_t max_bytes = kDefaultMaxBytes;  // cap on the bytes on disk; 0: none
  // Seconds footage stays on disk; 0 keeps everything; < 0: the same as the
  // window, so that what leaves the live playlist leaves the disk.
  int64_t retention_s = kDefaultRetention;

  // True when footage outlives the live playlist: it goes on to the archive.
  bool keeps_archive() const {
    return retention_s >= 0 && window_s > 0 &&
           (retention_s == 0 || static_cast<uint64_t>(retention_s) > window_s);
  }
};

// A window longer than the retention cannot be kept; the text names both keys.
bool check_retention(const RetentionPolicy &policy, std::string *error);

// How many of the oldest listed segments must leave the playlist at now_us.
// A segment expires once it ended more than window_s ago by the wall clock, so a
// recording resumed after a long stop drops its stale history. max_bytes caps the
// listed segments; the ones waiting out their grace period come on top of it, since
// cutting the grace short would pull files from under a player that just read the
// playlist. The newest listed segment always stays. With clock steps, a
// segment's age is read on the clock of now (timeline.h): footage recorded
// before a forward step does not expire early.
size_t segments_to_expire(const std::deque<Segment> &listed,
                          const RetentionPolicy &policy, int64_t now_us,
                          const ClockSteps *steps = nullptr);

// How many of the oldest pending deletions are due at now_us (they are in due order).
size_t deletions_due(const std::deque<PendingDeletion> &pending,
                     int64_t now_us);

}  // namespace dvr
