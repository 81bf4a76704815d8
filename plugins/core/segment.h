// Plain data shared by the index, retention and playlist code.
#pragma once

#include <cstdint>
#include <string>

namespace dvr {

// One finished, renamed, fsynced segment file.
struct Segment {
  uint64_t sequence = 0;     // media sequence number; also names the file
  std::string filename;      // relative to the recording folder
  int64_t start_us = 0;      // wall clock of the first frame, UNIX microseconds
  int64_t duration_us = 0;   // from the stream's timestamps
  uint64_t bytes = 0;
  bool discontinuity = false;  // starts after a gap, reset, caps change or restart

  int64_t end_us() const { return start_us + duration_us; }
};

// A segment that left the playlist and waits out the grace period on disk.
struct PendingDeletion {
  uint64_t sequence = 0;
  std::string filename;
  uint64_t bytes = 0;
  int64_t due_us = 0;  // may be deleted from disk at or after this wall-clock time
};

// Names the index writes: "seg-0000000042.ts".
std::string segment_filename(uint64_t sequence);
// True for names the recorder made (segments only); false for anything else.
bool parse_segment_filename(const std::string& name, uint64_t* sequence);
// A file name that can be served and journaled safely: no path, no leading dot.
bool is_safe_filename(const std::string& name);

}  // namespace dvr
