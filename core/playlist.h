// HLS media playlist text (RFC 8216), rendered from plain segment lists.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "defaults.h"
#include "segment.h"

namespace dvr {

struct PlaylistHeader {
  unsigned target_duration_s = kDefaultSegmentDuration;
  uint64_t media_sequence = 0;  // sequence number of the first listed segment
  uint64_t discontinuity_sequence =
      0;                 // marked segments that already left the window
  bool endlist = false;  // the recording is finished (VOD-like)
  bool vod = false;      // EXT-X-PLAYLIST-TYPE:VOD, for wall-clock ranges
  // For a playlist served from a subfolder (an hour page): segment names
  // starting with own_folder are written without it, any other one after
  // other_prefix ("../../"). Empty: names as they are.
  std::string own_folder;
  std::string other_prefix;
};

// "2026-11-25T06:14:37.123Z": UTC with milliseconds, as EXT-X-PROGRAM-DATE-TIME wants.
std::string format_program_date_time(int64_t unix_us);
// Decimal EXTINF with millisecond precision, rounded to nearest: "1.960".
std::string format_extinf(int64_t duration_us);

// What target_duration_for counts for one segment: its EXTINF as a player rounds it.
unsigned rounded_extinf_s(int64_t duration_us);
// TARGETDURATION: the configured segment duration, raised to cover any listed
// EXTINF once rounded to the nearest second (RFC 8216 4.3.3.1).
unsigned target_duration_for(const std::deque<Segment> &segments,
                             unsigned configured_s);

std::string render_playlist(const std::deque<Segment> &segments,
                            const PlaylistHeader &header);

}  // namespace dvr
