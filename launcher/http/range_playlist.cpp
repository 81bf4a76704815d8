#include "http/range_playlist.h"

#include "playlist.h"
#include "http/recording_catalog.h"
#include "timeline.h"

namespace dvr {

// Labels further apart than this between two segments are a break.
constexpr int64_t kLabelJumpUs = 1000000;

std::string render_range_playlist(const std::deque<Segment> &listed,
                                  const TimeRange &range,
                                  unsigned configured_target_s) {
  std::deque<Segment> chosen =
      segments_overlapping(listed, range.start_us, range.end_us);
  if (chosen.empty()) return {};
  // In recording order: after a clock step back, the earlier run, then the
  // later one behind a discontinuity, never mixed.
  mark_breaks(chosen, kLabelJumpUs);
  // A discontinuity before the first segment is outside this playlist: a
  // player starts fresh there anyway.
  chosen.front().discontinuity = false;
  PlaylistHeader header;
  header.target_duration_s = target_duration_for(chosen, configured_target_s);
  header.media_sequence = chosen.front().sequence;
  header.discontinuity_sequence = 0;
  header.endlist = true;
  header.vod = true;
  return render_playlist(chosen, header);
}

}  // namespace dvr
