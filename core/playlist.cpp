#include "playlist.h"

#include <algorithm>
#include <string_view>

namespace dvr {

namespace {

// Writes value in decimal, zero-padded to width digits; returns the end.
char *put_digits(char *out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; i--) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

char *put_unsigned(char *out, uint64_t value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0) *out++ = digits[--n];
  return out;
}

// Proleptic Gregorian date of a day count from 1970-01-01, by 400-year eras
// (146097 days each) whose years start in March, so the leap day falls last.
// Hand-written because gmtime_r and snprintf per line were most of a render.
void civil_from_days(int64_t days, int64_t *year, unsigned *month,
                     unsigned *day) {
  days += 719468;  // from 0000-03-01
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460 +
                                day_of_era / 36524 - day_of_era / 146096) /
                               365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
  *day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  *month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  *year = static_cast<int64_t>(year_of_era) + era * 400 + (*month <= 2 ? 1 : 0);
}

constexpr size_t kProgramDateTimeMax = 32;

char *put_program_date_time(char *out, int64_t unix_us) {
  int64_t seconds = unix_us / 1000000;
  int64_t rem_us = unix_us % 1000000;
  if (rem_us < 0) {
    rem_us += 1000000;
    seconds -= 1;
  }
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    days -= 1;
  }
  int64_t year;
  unsigned month, day;
  civil_from_days(days, &year, &month, &day);
  if (year < 0 || year > 9999) {
    // Out of what four digits hold: not a date a camera sends, but never garbage.
    if (year < 0) *out++ = '-';
    out = put_unsigned(out, static_cast<uint64_t>(year < 0 ? -year : year));
  } else {
    out = put_digits(out, static_cast<uint64_t>(year), 4);
  }
  *out++ = '-';
  out = put_digits(out, month, 2);
  *out++ = '-';
  out = put_digits(out, day, 2);
  *out++ = 'T';
  out = put_digits(out, static_cast<uint64_t>(second_of_day / 3600), 2);
  *out++ = ':';
  out = put_digits(out, static_cast<uint64_t>(second_of_day / 60 % 60), 2);
  *out++ = ':';
  out = put_digits(out, static_cast<uint64_t>(second_of_day % 60), 2);
  *out++ = '.';
  out = put_digits(out, static_cast<uint64_t>(rem_us / 1000), 3);
  *out++ = 'Z';
  return out;
}

constexpr size_t kExtinfMax = 24;

char *put_extinf(char *out, int64_t duration_us) {
  if (duration_us < 0) duration_us = 0;
  const uint64_t ms = (static_cast<uint64_t>(duration_us) + 500) / 1000;
  out = put_unsigned(out, ms / 1000);
  *out++ = '.';
  return put_digits(out, ms % 1000, 3);
}

void append_literal(std::string &out, std::string_view text) {
  out.append(text.data(), text.size());
}

constexpr std::string_view kEndlistLine = "#EXT-X-ENDLIST\n";

std::string render_playlist_header(const PlaylistHeader &header) {
  std::string out;
  out.reserve(160);
  char number[24];
  append_literal(out, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:");
  out.append(number, put_unsigned(number, header.target_duration_s));
  if (header.vod) append_literal(out, "\n#EXT-X-PLAYLIST-TYPE:VOD");
  append_literal(out, "\n#EXT-X-MEDIA-SEQUENCE:");
  out.append(number, put_unsigned(number, header.media_sequence));
  append_literal(out, "\n#EXT-X-DISCONTINUITY-SEQUENCE:");
  out.append(number, put_unsigned(number, header.discontinuity_sequence));
  out += '\n';
  return out;
}

// A segment's lines do not depend on where it sits in the list.
void append_segment_lines(std::string &out, const Segment &s,
                          const PlaylistHeader &header) {
  static constexpr std::string_view kDiscontinuity = "#EXT-X-DISCONTINUITY\n";
  static constexpr std::string_view kDate = "#EXT-X-PROGRAM-DATE-TIME:";
  static constexpr std::string_view kExtinf = "\n#EXTINF:";
  char line[kDiscontinuity.size() + kDate.size() + kProgramDateTimeMax +
            kExtinf.size() + kExtinfMax + 2];
  char *p = line;
  // A marked first segment keeps its tag: players count DISCONTINUITY-SEQUENCE from
  // it, and dropping the tag while it is listed would renumber it between reloads.
  if (s.discontinuity)
    p = std::copy(kDiscontinuity.begin(), kDiscontinuity.end(), p);
  p = std::copy(kDate.begin(), kDate.end(), p);
  p = put_program_date_time(p, s.start_us);
  p = std::copy(kExtinf.begin(), kExtinf.end(), p);
  p = put_extinf(p, s.duration_us);
  *p++ = ',';
  *p++ = '\n';
  out.append(line, p);
  if (header.own_folder.empty()) {
    out += s.filename;
  } else if (s.filename.compare(0, header.own_folder.size(),
                                header.own_folder) == 0) {
    out.append(s.filename, header.own_folder.size(), std::string::npos);
  } else {
    out += header.other_prefix;
    out += s.filename;
  }
  out += '\n';
}

}  // namespace

std::string format_program_date_time(int64_t unix_us) {
  char out[kProgramDateTimeMax];
  return std::string(out, put_program_date_time(out, unix_us));
}

std::string format_extinf(int64_t duration_us) {
  char out[kExtinfMax];
  return std::string(out, put_extinf(out, duration_us));
}

unsigned rounded_extinf_s(int64_t duration_us) {
  // Round what EXTINF shows (whole milliseconds), as a player reads it.
  const int64_t ms = (std::max<int64_t>(duration_us, 0) + 500) / 1000;
  return static_cast<unsigned>((ms + 500) / 1000);
}

unsigned target_duration_for(const std::deque<Segment> &segments,
                             unsigned configured_s) {
  unsigned target = configured_s > 0 ? configured_s : 1;
  for (const Segment &s : segments)
    target = std::max(target, rounded_extinf_s(s.duration_us));
  return target;
}

std::string render_playlist(const std::deque<Segment> &segments,
                            const PlaylistHeader &header) {
  std::string out = render_playlist_header(header);
  size_t names = 0;
  for (const Segment &s : segments) names += s.filename.size();
  out.reserve(out.size() + segments.size() * 72 + names + kEndlistLine.size());
  for (const Segment &s : segments) append_segment_lines(out, s, header);
  if (header.endlist) append_literal(out, kEndlistLine);
  return out;
}

}  // namespace dvr
