// Which segments leave the playlist (window, size cap) and which files are due for deletion.
#include <catch2/catch.hpp>

#include <deque>

#include "retention.h"

using dvr::PendingDeletion;
using dvr::RetentionPolicy;
using dvr::Segment;

namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1700000000LL * kSecond;

// count segments of 2 s each from kT0, bytes_each bytes.
std::deque<Segment> two_second_segments(size_t count,
                                        uint64_t bytes_each = 1000) {
  std::deque<Segment> out;
  for (size_t i = 0; i < count; i++) {
    Segment s;
    s.sequence = i;
    s.filename = dvr::segment_filename(i);
    s.start_us = kT0 + static_cast<int64_t>(i) * 2 * kSecond;
    s.duration_us = 2 * kSecond;
    s.bytes = bytes_each;
    out.push_back(s);
  }
  return out;
}

RetentionPolicy policy(uint64_t window_s, uint64_t max_bytes) {
  RetentionPolicy p;
  p.window_s = window_s;
  p.max_bytes = max_bytes;
  return p;
}

}  // namespace

TEST_CASE(
    "a segment leaves once it ended more than the window ago by the wall clock",
    "[retention]") {
  const auto listed = two_second_segments(10);  // ends at kT0 + 2, 4, ... 20 s
  const auto window = policy(10, 0);
  // Segment 0 ended at kT0 + 2 s: exactly 10 s ago it stays, a microsecond later it leaves.
  CHECK(dvr::segments_to_expire(listed, window, kT0 + 12 * kSecond) == 0);
  CHECK(dvr::segments_to_expire(listed, window, kT0 + 12 * kSecond + 1) == 1);
  CHECK(dvr::segments_to_expire(listed, window, kT0 + 14 * kSecond + 1) == 2);
  CHECK(dvr::segments_to_expire(listed, window, kT0 + 20 * kSecond) == 4);
  // A clock before the recording expires nothing.
  CHECK(dvr::segments_to_expire(listed, window, kT0) == 0);
}

TEST_CASE("a restart after a long stop expires the whole stale history",
          "[retention]") {
  const auto listed = two_second_segments(10);
  // The window alone keeps nothing that old, not even the newest segment.
  CHECK(dvr::segments_to_expire(listed, policy(10, 0), kT0 + 3600 * kSecond) ==
        10);
  CHECK(dvr::segments_to_expire(listed, policy(10, 1000000),
                                kT0 + 3600 * kSecond) == 10);
}

TEST_CASE("the size cap drops the oldest and always keeps the newest segment",
          "[retention]") {
  const auto listed = two_second_segments(10, 1000);  // 10000 bytes listed
  const int64_t now = kT0 + 20 * kSecond;
  CHECK(dvr::segments_to_expire(listed, policy(0, 10000), now) == 0);
  CHECK(dvr::segments_to_expire(listed, policy(0, 9999), now) == 1);
  CHECK(dvr::segments_to_expire(listed, policy(0, 5000), now) == 5);
  CHECK(dvr::segments_to_expire(listed, policy(0, 4500), now) == 6);
  // A cap below one segment still keeps the newest: the playlist is never emptied by size.
  CHECK(dvr::segments_to_expire(listed, policy(0, 1), now) == 9);
  // Even a single oversized segment stays.
  CHECK(dvr::segments_to_expire(two_second_segments(1, 1 << 30),
                                policy(0, 1000), now) == 0);
}

TEST_CASE("window and size cap together drop oldest first", "[retention]") {
  std::deque<Segment> listed = two_second_segments(10, 1000);
  listed[8].bytes = 4000;
  listed[9].bytes = 4000;                      // 16000 bytes listed
  const int64_t now = kT0 + 16 * kSecond + 1;  // the window drops segments 0..2
  CHECK(dvr::segments_to_expire(listed, policy(10, 0), now) == 3);
  // Remaining 3..9: 13000 bytes; a cap of 9000 drops 3..6 as well.
  CHECK(dvr::segments_to_expire(listed, policy(10, 9000), now) == 7);
  // A generous cap leaves the window's choice alone.
  CHECK(dvr::segments_to_expire(listed, policy(10, 100000), now) == 3);
  // A tight cap keeps only the newest.
  CHECK(dvr::segments_to_expire(listed, policy(10, 100), now) == 9);
}

TEST_CASE("a window of 0 keeps everything", "[retention]") {
  const auto listed = two_second_segments(10);
  CHECK(dvr::segments_to_expire(listed, policy(0, 0),
                                kT0 + 100LL * 365 * 24 * 3600 * kSecond) == 0);
  CHECK(dvr::segments_to_expire({}, policy(0, 0), kT0) == 0);
  CHECK(dvr::segments_to_expire({}, policy(10, 1), kT0 + 3600 * kSecond) == 0);
}

TEST_CASE("files are deleted in due order, at their due time and not before",
          "[retention]") {
  std::deque<PendingDeletion> pending;
  for (uint64_t i = 0; i < 4; i++)
    pending.push_back(PendingDeletion{i, dvr::segment_filename(i), 1000,
                                      kT0 + static_cast<int64_t>(i) * kSecond});
  CHECK(dvr::deletions_due(pending, kT0 - 1) == 0);
  CHECK(dvr::deletions_due(pending, kT0) == 1);
  CHECK(dvr::deletions_due(pending, kT0 + 2 * kSecond - 1) == 2);
  CHECK(dvr::deletions_due(pending, kT0 + 3 * kSecond) == 4);
  CHECK(dvr::deletions_due({}, kT0) == 0);
  // Only a prefix is due: a later entry never jumps the queue.
  pending[1].due_us = kT0 + 10 * kSecond;
  CHECK(dvr::deletions_due(pending, kT0 + 5 * kSecond) == 1);
}
