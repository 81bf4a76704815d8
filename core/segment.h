// Plain data shared by the index, retention and playlist code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dvr {

// One finished, renamed, fsynced segment file.
struct Segment {
  uint64_t sequence = 0;    // media sequence number; also names the file
  std::string filename;     // relative to the recording folder
  int64_t start_us = 0;     // wall clock of the first frame, UNIX microseconds
  int64_t duration_us = 0;  // from the stream's timestamps
  uint64_t bytes = 0;
  bool discontinuity =
      false;  // starts after a gap, reset, caps change or restart

  int64_t end_us() const { return start_us + duration_us; }
};

// A segment that left the playlist and waits out the grace period on disk.
struct PendingDeletion {
  uint64_t sequence = 0;
  std::string filename;
  uint64_t bytes = 0;
  int64_t due_us =
      0;  // may be deleted from disk at or after this wall-clock time
};

// Names the index writes: "seg-0000000042.ts".
std::string segment_filename(uint64_t sequence);
// True for names the recorder made (segments only); false for anything else.
bool parse_segment_filename(std::string_view name, uint64_t *sequence);
// A file name that can be served and journaled safely: no path, no leading dot.
bool is_safe_filename(std::string_view name);

// Segments live in one folder per UTC day and hour, so that no folder grows
// without bound and a person finds an hour by hand: "2026-12-07/14".
constexpr int64_t kHourUs = 3600LL * 1000000;
int64_t hour_start_us(int64_t unix_us);
std::string hour_folder(int64_t hour_start_us);
// "2026-12-07/14" back to the hour's start; false for anything else.
bool parse_hour_folder(std::string_view folder, int64_t *hour_start_us);
// "2026-12-07/14/seg-0000000042.ts" for a segment that starts at start_us.
std::string dated_segment_path(uint64_t sequence, int64_t start_us);
// A segment's name as journaled: flat "seg-N.ts" (recordings made before the
// day/hour folders) or "YYYY-MM-DD/HH/seg-N.ts". Never anything that leaves
// the recording folder.
bool is_segment_path(std::string_view name);
// The sequence number in either form.
bool parse_segment_path(std::string_view name, uint64_t *sequence);

}  // namespace dvr
