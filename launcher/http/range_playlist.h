// The VOD playlist of /hls/<camera>/range.m3u8: the recorded segments that
// overlap a wall-clock range, finished with EXT-X-ENDLIST. It is served from
// the camera's folder URL, so segment names resolve next to live.m3u8.
#pragma once

#include <deque>
#include <string>

#include "segment.h"
#include "http/time_range.h"

namespace dvr {

// Empty when no segment overlaps the range. configured_target_s: the camera's
// segment duration, raised as in the live playlist to cover every EXTINF.
std::string render_range_playlist(const std::deque<Segment> &listed,
                                  const TimeRange &range,
                                  unsigned configured_target_s);

}  // namespace dvr
