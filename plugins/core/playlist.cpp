#include "playlist.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <algorithm>

namespace dvr {

std::string format_program_date_time(int64_t unix_us) {
  int64_t seconds = unix_us / 1000000;
  int64_t rem_us = unix_us % 1000000;
  if (rem_us < 0) {
    rem_us += 1000000;
    seconds -= 1;
  }
  time_t t = static_cast<time_t>(seconds);
  struct tm tm_utc;
  gmtime_r(&t, &tm_utc);
  char out[96];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm_utc.tm_year + 1900,
                tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec,
                static_cast<int>(rem_us / 1000));
  return out;
}

std::string format_extinf(int64_t duration_us) {
  if (duration_us < 0) duration_us = 0;
  int64_t ms = (duration_us + 500) / 1000;
  char out[32];
  std::snprintf(out, sizeof out, "%" PRId64 ".%03d", ms / 1000, static_cast<int>(ms % 1000));
  return out;
}

unsigned target_duration_for(const std::deque<Segment>& segments, unsigned configured_s) {
  unsigned target = configured_s > 0 ? configured_s : 1;
  for (const Segment& s : segments) {
    // Round what EXTINF shows (whole milliseconds), as a player reads it.
    const int64_t ms = (std::max<int64_t>(s.duration_us, 0) + 500) / 1000;
    unsigned rounded = static_cast<unsigned>((ms + 500) / 1000);
    if (rounded > target) target = rounded;
  }
  return target;
}

std::string render_playlist(const std::deque<Segment>& segments, const PlaylistHeader& header) {
  std::string out;
  out.reserve(128 + segments.size() * 96);
  char line[96];
  out += "#EXTM3U\n#EXT-X-VERSION:3\n";
  std::snprintf(line, sizeof line, "#EXT-X-TARGETDURATION:%u\n", header.target_duration_s);
  out += line;
  if (header.vod) out += "#EXT-X-PLAYLIST-TYPE:VOD\n";
  std::snprintf(line, sizeof line, "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n", header.media_sequence);
  out += line;
  std::snprintf(line, sizeof line, "#EXT-X-DISCONTINUITY-SEQUENCE:%" PRIu64 "\n",
                header.discontinuity_sequence);
  out += line;
  for (const Segment& s : segments) {
    // A marked first segment keeps its tag: players count DISCONTINUITY-SEQUENCE from
    // it, and dropping the tag while it is listed would renumber it between reloads.
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += "#EXT-X-PROGRAM-DATE-TIME:";
    out += format_program_date_time(s.start_us);
    out += "\n#EXTINF:";
    out += format_extinf(s.duration_us);
    out += ",\n";
    out += s.filename;
    out += '\n';
  }
  if (header.endlist) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace dvr
