// Playlist text as a player reads it (RFC 8216).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <deque>
#include <string>

#include "playlist.h"

using dvr::PlaylistHeader;
using dvr::Segment;

namespace {

constexpr int64_t kSecond = 1000000;
// 2023-11-14T22:13:20Z
constexpr int64_t kT0 = 1700000000LL * kSecond;

Segment make_segment(uint64_t sequence, int64_t start_us, int64_t duration_us,
                     bool discontinuity = false) {
  Segment s;
  s.sequence = sequence;
  s.filename = dvr::segment_filename(sequence);
  s.start_us = start_us;
  s.duration_us = duration_us;
  s.bytes = 1000;
  s.discontinuity = discontinuity;
  return s;
}

// What a player does with "#EXTINF:<text>,": parse the decimal, round to nearest.
long rounded_as_player(const std::string &extinf) {
  return std::lround(std::strtod(extinf.c_str(), nullptr));
}

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    n++;
  return n;
}

}  // namespace

TEST_CASE("EXTINF shows milliseconds, rounded to nearest", "[playlist]") {
  CHECK(dvr::format_extinf(1960000) == "1.960");
  CHECK(dvr::format_extinf(2000000) == "2.000");
  CHECK(dvr::format_extinf(1959500) == "1.960");
  CHECK(dvr::format_extinf(1959499) == "1.959");
  CHECK(dvr::format_extinf(999999) == "1.000");
  CHECK(dvr::format_extinf(10123456) == "10.123");
  CHECK(dvr::format_extinf(40000) == "0.040");
  CHECK(dvr::format_extinf(0) == "0.000");
  CHECK(dvr::format_extinf(-5) == "0.000");
}

TEST_CASE("PROGRAM-DATE-TIME is UTC with milliseconds", "[playlist]") {
  CHECK(dvr::format_program_date_time(kT0) == "2023-11-14T22:13:20.000Z");
  CHECK(dvr::format_program_date_time(kT0 + 123456) ==
        "2023-11-14T22:13:20.123Z");
  CHECK(dvr::format_program_date_time(kT0 + 999999) ==
        "2023-11-14T22:13:20.999Z");
  CHECK(dvr::format_program_date_time(1795587277LL * kSecond + 123000) ==
        "2026-11-25T06:14:37.123Z");
  CHECK(dvr::format_program_date_time(0) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE(
    "PROGRAM-DATE-TIME before 1970 borrows a second instead of printing a negative fraction",
    "[playlist]") {
  CHECK(dvr::format_program_date_time(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(dvr::format_program_date_time(-1000) == "1969-12-31T23:59:59.999Z");
  CHECK(dvr::format_program_date_time(-1000000) == "1969-12-31T23:59:59.000Z");
  CHECK(dvr::format_program_date_time(-1500000) == "1969-12-31T23:59:58.500Z");
}

TEST_CASE("TARGETDURATION stays at the configured value for regular segments",
          "[playlist]") {
  std::deque<Segment> segments;
  for (int i = 0; i < 10; i++)
    segments.push_back(make_segment(i, kT0 + i * 2 * kSecond, 2 * kSecond));
  segments.push_back(make_segment(10, kT0 + 20 * kSecond, 1960000));
  segments.push_back(make_segment(11, kT0 + 22 * kSecond, 2040000));
  segments.push_back(make_segment(12, kT0 + 24 * kSecond, 2400000));
  CHECK(dvr::target_duration_for(segments, 2) == 2);
  CHECK(dvr::target_duration_for({}, 2) == 2);
  CHECK(dvr::target_duration_for({}, 6) == 6);
  // Short segments never lower it: players would see it change between reloads.
  CHECK(dvr::target_duration_for({make_segment(0, kT0, 500000)}, 4) == 4);
  // 0 is no valid TARGETDURATION.
  CHECK(dvr::target_duration_for({}, 0) == 1);
}

TEST_CASE("TARGETDURATION rises to cover a long segment", "[playlist]") {
  std::deque<Segment> segments = {make_segment(0, kT0, 2 * kSecond),
                                  make_segment(1, kT0 + 2 * kSecond, 2600000)};
  CHECK(dvr::target_duration_for(segments, 2) == 3);
  segments.push_back(make_segment(2, kT0 + 5 * kSecond, 7 * kSecond));
  CHECK(dvr::target_duration_for(segments, 2) == 7);
  CHECK(dvr::target_duration_for({make_segment(0, kT0, 2500000)}, 2) == 3);
}

TEST_CASE("TARGETDURATION is never below an EXTINF as a player rounds it",
          "[playlist]") {
  // A player rounds the EXTINF text it reads, not our microseconds: check every
  // duration around the half-second points that rounding turns over.
  for (int64_t whole = 1; whole <= 4; whole++) {
    for (int64_t d = whole * kSecond + 498000; d <= whole * kSecond + 502000;
         d += 100) {
      const std::deque<Segment> segments = {make_segment(0, kT0, d)};
      const std::string extinf = dvr::format_extinf(d);
      INFO("duration_us " << d << " EXTINF " << extinf);
      CHECK(static_cast<long>(dvr::target_duration_for(segments, 1)) >=
            rounded_as_player(extinf));
    }
  }
}

TEST_CASE("a playlist lists each segment with its date, duration and name",
          "[playlist]") {
  std::deque<Segment> segments = {make_segment(7, kT0, 2 * kSecond),
                                  make_segment(8, kT0 + 2 * kSecond, 1960000)};
  PlaylistHeader header;
  header.target_duration_s = 2;
  header.media_sequence = 7;
  header.discontinuity_sequence = 0;
  CHECK(dvr::render_playlist(segments, header) ==
        "#EXTM3U\n"
        "#EXT-X-VERSION:3\n"
        "#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-MEDIA-SEQUENCE:7\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
        "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
        "#EXTINF:2.000,\n"
        "seg-0000000007.ts\n"
        "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z\n"
        "#EXTINF:1.960,\n"
        "seg-0000000008.ts\n");
}

TEST_CASE("MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE carry the header values",
          "[playlist]") {
  PlaylistHeader header;
  header.target_duration_s = 4;
  header.media_sequence = 12345678901ULL;
  header.discontinuity_sequence = 42;
  const std::string text = dvr::render_playlist(
      {make_segment(12345678901ULL, kT0, kSecond)}, header);
  CHECK(text.find("#EXT-X-TARGETDURATION:4\n") != std::string::npos);
  CHECK(text.find("\n#EXT-X-MEDIA-SEQUENCE:12345678901\n") !=
        std::string::npos);
  CHECK(text.find("\n#EXT-X-DISCONTINUITY-SEQUENCE:42\n") != std::string::npos);
  CHECK(text.find("seg-12345678901.ts\n") != std::string::npos);
  // The header comes before the first segment.
  CHECK(text.find("#EXT-X-DISCONTINUITY-SEQUENCE") < text.find("#EXTINF"));
}

TEST_CASE(
    "DISCONTINUITY comes right before the marked segment, also when it is first",
    "[playlist]") {
  std::deque<Segment> segments = {
      make_segment(3, kT0, 2 * kSecond, true),
      make_segment(4, kT0 + 2 * kSecond, 2 * kSecond),
      make_segment(5, kT0 + 60 * kSecond, 2 * kSecond, true)};
  PlaylistHeader header;
  header.media_sequence = 3;
  const std::string text = dvr::render_playlist(segments, header);
  CHECK(count(text, "#EXT-X-DISCONTINUITY\n") == 2);
  CHECK(
      text.find(
          "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n#EXTINF:2.000,\n"
          "seg-0000000003.ts\n") != std::string::npos);
  CHECK(
      text.find(
          "seg-0000000004.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:14:20.000Z\n"
          "#EXTINF:2.000,\nseg-0000000005.ts\n") != std::string::npos);
}

TEST_CASE("ENDLIST appears only when the recording is finished", "[playlist]") {
  std::deque<Segment> segments = {make_segment(0, kT0, 2 * kSecond)};
  PlaylistHeader header;
  const std::string live = dvr::render_playlist(segments, header);
  CHECK(live.find("ENDLIST") == std::string::npos);
  CHECK(live.find("PLAYLIST-TYPE") == std::string::npos);
  header.endlist = true;
  const std::string ended = dvr::render_playlist(segments, header);
  REQUIRE(ended.size() > 15);
  CHECK(ended.substr(ended.size() - 15) == "#EXT-X-ENDLIST\n");
  CHECK(count(ended, "ENDLIST") == 1);
}

TEST_CASE("a wall-clock range renders as a VOD playlist", "[playlist]") {
  PlaylistHeader header;
  header.vod = true;
  header.endlist = true;
  const std::string text =
      dvr::render_playlist({make_segment(0, kT0, 2 * kSecond)}, header);
  CHECK(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n") != std::string::npos);
  CHECK(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n") < text.find("#EXTINF"));
}

TEST_CASE(
    "PROGRAM-DATE-TIME names the right calendar day across leap days and centuries",
    "[playlist]") {
  CHECK(dvr::format_program_date_time(951782400LL * kSecond) ==
        "2000-02-29T00:00:00.000Z");
  CHECK(dvr::format_program_date_time(4107542399LL * kSecond + 999000) ==
        "2100-02-28T23:59:59.999Z");
  CHECK(dvr::format_program_date_time(4107542400LL * kSecond) ==
        "2100-03-01T00:00:00.000Z");
  // Every day from 1969 to 2200 at a time of day that moves, against the C library.
  for (int64_t day = -365; day < 84000; day++) {
    const int64_t seconds = day * 86400 + (day * 7919) % 86400;
    const time_t t = static_cast<time_t>(seconds);
    struct tm tm_utc;
    gmtime_r(&t, &tm_utc);
    char expected[96];
    std::snprintf(expected, sizeof expected,
                  "%04d-%02d-%02dT%02d:%02d:%02d.042Z", tm_utc.tm_year + 1900,
                  tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour,
                  tm_utc.tm_min, tm_utc.tm_sec);
    if (dvr::format_program_date_time(seconds * kSecond + 42000) != expected) {
      FAIL("day " << day << ": "
                  << dvr::format_program_date_time(seconds * kSecond + 42000)
                  << " != " << expected);
    }
  }
}
