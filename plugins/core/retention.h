// Which segments leave the playlist, and which leave the disk.
#pragma once

#include <cstdint>
#include <deque>

#include "segment.h"

namespace dvr {

struct RetentionPolicy {
  uint64_t window_s = 120;  // seconds of history kept; 0 keeps everything
  uint64_t max_bytes = 0;   // cap on the listed segments' bytes; 0: none
};

// How many of the oldest listed segments must leave the playlist at now_us.
// A segment expires once it ended more than window_s ago by the wall clock, so a
// recording resumed after a long stop drops its stale history. max_bytes caps the
// listed segments; the ones waiting out their grace period come on top of it, since
// cutting the grace short would pull files from under a player that just read the
// playlist. The newest listed segment always stays.
size_t segments_to_expire(const std::deque<Segment>& listed, const RetentionPolicy& policy,
                          int64_t now_us);

// How many of the oldest pending deletions are due at now_us (they are in due order).
size_t deletions_due(const std::deque<PendingDeletion>& pending, int64_t now_us);

}  // namespace dvr
