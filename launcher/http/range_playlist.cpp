#include "http/range_playlist.h"

#include "playlist.h"
#include "http/recording_catalog.h"

namespace dvr {

std::string render_range_playlist(const std::deque<Segment>& listed, const TimeRange& range,
                                  unsigned configured_target_s) {
  std::deque<Segment> chosen = segments_overlapping(listed, range.start_us, range.end_us);
  if (chosen.empty()) return {};
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
