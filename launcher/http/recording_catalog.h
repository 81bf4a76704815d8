// What each camera folder holds, read from its journal (index.journal) the
// way the recorder left it: so the API and range playlists are right even
// while a camera is down or restarting. Read-only; the recorder stays the only
// writer. Runs on the server's main context, so it needs no lock.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "segment.h"
#include "http/time_range.h"

namespace dvr {

struct WallClockSpan {
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
};

// A hole in a recording, in label order: a segment marked as a discontinuity
// (or, after a clock step back, one recorded at another time than the segment
// before it by label) that starts more than min_gap_us after every earlier
// label ended. Shorter jumps are timestamp resets of a stream that went on,
// not missing time.
std::vector<WallClockSpan> find_gaps(const std::deque<Segment> &segments,
                                     std::int64_t min_gap_us = 500000);

// From the start of the oldest to the end of the newest segment.
std::optional<WallClockSpan> recorded_span(const std::deque<Segment> &segments);

// Segments overlapping [start_us, end_us), oldest first.
std::deque<Segment> segments_overlapping(const std::deque<Segment> &segments,
                                         std::int64_t start_us,
                                         std::int64_t end_us);

// Where range starts and ends on the clip's media timeline, which runs on
// from segment to segment as the recording does: in nanoseconds from the
// first segment's start. A bound inside a gap is moved to its edge.
struct ClipCut {
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
};
ClipCut clip_cut(const std::vector<Segment> &segments, const TimeRange &range);

class RecordingCatalog {
 public:
  using Segments = std::shared_ptr<const std::deque<Segment>>;

  explicit RecordingCatalog(std::string storage_dir);

  // The segments the camera's playlist lists now (empty if nothing was
  // recorded). The journal is parsed again only when it changed (another
  // inode after compaction, another size or time after an append).
  Segments segments(const std::string &camera);

  std::string folder(const std::string &camera) const {
    return storage_dir_ + "/" + camera;
  }

 private:
  struct Entry {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    std::int64_t mtime_ns = 0;
    Segments segments;
  };
  std::string storage_dir_;
  std::map<std::string, Entry> cache_;
};

}  // namespace dvr
