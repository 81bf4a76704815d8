// What the server reads out of a recording: times in queries, the recorded
// range and its gaps from the journal, range playlists and where a clip cuts.
#include <catch2/catch.hpp>
#include <glib.h>
#include <glib/gstdio.h>

#include <fstream>

#include "journal.h"
#include "http/range_playlist.h"
#include "http/recording_catalog.h"
#include "http/time_range.h"

using namespace dvr;

namespace {

constexpr std::int64_t kT0 = 1714564800000000;  // 2024-05-01T12:00:00Z

Segment seg(std::uint64_t seq, std::int64_t start_ms, std::int64_t duration_ms,
            bool disc = false) {
  Segment s;
  s.sequence = seq;
  s.filename = segment_filename(seq);
  s.start_us = kT0 + start_ms * 1000;
  s.duration_us = duration_ms * 1000;
  s.bytes = 1000;
  s.discontinuity = disc;
  return s;
}

}  // namespace

TEST_CASE("a time is ISO 8601 or epoch seconds", "[time]") {
  CHECK(parse_wall_clock("2024-05-01T12:00:00Z") == kT0);
  CHECK(parse_wall_clock("2024-05-01T12:00:00.250Z") == kT0 + 250000);
  CHECK(parse_wall_clock("2024-05-01T14:00:00+02:00") == kT0);
  CHECK(parse_wall_clock("2024-05-01T14:00:00 02:00") ==
        kT0);  // '+' decoded to a space
  CHECK(parse_wall_clock("2024-05-01T12:00:00") == kT0);  // no zone: UTC
  CHECK(parse_wall_clock("1714564800") == kT0);
  CHECK(parse_wall_clock("1714564800.5") == kT0 + 500000);
  for (const char *bad :
       {"", "now", "1714564800.", "1714564800.1234567", "-5", "17145648001234",
        "2024-13-01T00:00:00Z", "2024-05-01", "1e9", "0x10"})
    CHECK_FALSE(parse_wall_clock(bad).has_value());
}

TEST_CASE("a range needs both ends, in order", "[time]") {
  std::string error;
  auto r = parse_time_range("1714564800", "2024-05-01T12:00:10Z", error);
  REQUIRE(r);
  CHECK(r->length_us() == 10000000);
  CHECK_FALSE(parse_time_range("1714564810", "1714564800", error));
  CHECK(error == "end must be later than start");
  CHECK_FALSE(parse_time_range("1714564800", "1714564800", error));
  CHECK_FALSE(parse_time_range(nullptr, "1714564800", error));
  CHECK_FALSE(parse_time_range("x", "1714564800", error));
  CHECK_THAT(error, Catch::StartsWith("start is not a time"));
  CHECK(compact_utc(kT0 + 999999) == "20240501-120000Z");
}

TEST_CASE(
    "a gap is a marked segment starting over half a second after the previous one ended",
    "[recording]") {
  const std::deque<Segment> segments = {
      seg(0, 0, 2000), seg(1, 2000, 2000), seg(2, 4300, 2000, true),
      seg(3, 9000, 2000, true), seg(4, 20000, 2000)};
  const auto gaps = find_gaps(segments);
  // 4000→4300 is a reset, not missing time; 11000→20000 is not marked.
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].start_us == kT0 + 6300000);
  CHECK(gaps[0].end_us == kT0 + 9000000);
  const auto span = recorded_span(segments);
  REQUIRE(span);
  CHECK(span->start_us == kT0);
  CHECK(span->end_us == kT0 + 22000000);
  CHECK_FALSE(recorded_span({}).has_value());
}

TEST_CASE(
    "the range playlist lists what overlaps, as VOD, with the recording's discontinuities",
    "[recording]") {
  const std::deque<Segment> segments = {
      seg(5, 0, 2000, true), seg(6, 2000, 2000), seg(7, 6000, 3400, true),
      seg(8, 9400, 2000)};
  const std::string text =
      render_range_playlist(segments, {kT0 + 1000000, kT0 + 7000000}, 2);
  CHECK(
      text ==
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n"
      "#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z\n#EXTINF:2.000,\nseg-0000000005.ts\n"
      "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:02.000Z\n#EXTINF:2.000,\nseg-0000000006.ts\n"
      "#EXT-X-DISCONTINUITY\n"
      "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:06.000Z\n#EXTINF:3.400,\nseg-0000000007.ts\n"
      "#EXT-X-ENDLIST\n");
  // End is exclusive: a segment starting exactly there is not in it.
  CHECK(render_range_playlist(segments, {kT0 + 4000000, kT0 + 6000000}, 2)
            .empty());
  CHECK(render_range_playlist({}, {kT0, kT0 + 1}, 2).empty());
}

TEST_CASE("a clip cuts on the recording's own timeline, gaps left out",
          "[recording]") {
  const std::vector<Segment> segments = {seg(0, 0, 2000), seg(1, 2000, 2000),
                                         seg(2, 10000, 2000, true)};
  auto cut = clip_cut(segments, {kT0 + 1500000, kT0 + 11000000});
  CHECK(cut.start_ns == 1500000000);
  CHECK(cut.end_ns == 5000000000);
  // A bound inside the gap moves to the gap's edge.
  cut = clip_cut(segments, {kT0 + 5000000, kT0 + 7000000});
  CHECK(cut.start_ns == 4000000000);
  CHECK(cut.end_ns == 4000000000);
  cut = clip_cut(segments, {kT0 - 5000000, kT0 + 60000000});
  CHECK(cut.start_ns == 0);
  CHECK(cut.end_ns == 6000000000);
}

TEST_CASE("the catalog reads the journal again only when it changed",
          "[recording]") {
  g_autofree char *dir = g_dir_make_tmp("dvr-catalog-XXXXXX", nullptr);
  REQUIRE(dir);
  const std::string folder = std::string(dir) + "/cam1";
  g_mkdir(folder.c_str(), 0755);
  RecordingCatalog catalog(dir);
  CHECK(catalog.segments("cam1")->empty());

  JournalState state;
  state.listed = {seg(0, 0, 2000), seg(1, 2000, 2000)};
  state.next_sequence = 2;
  const std::string journal = folder + "/index.journal";
  { std::ofstream(journal) << journal_snapshot(state); }
  const auto first = catalog.segments("cam1");
  CHECK(first->size() == 2);
  CHECK(catalog.segments("cam1") == first);  // the same parse, not a new one

  {
    std::ofstream(journal, std::ios::app)
        << journal_segment_record(seg(2, 4000, 2000)) << "torn";
  }
  const auto second = catalog.segments("cam1");
  CHECK(second != first);
  REQUIRE(second->size() == 3);
  CHECK(second->back().sequence == 2);

  g_unlink(journal.c_str());
  CHECK(catalog.segments("cam1")->empty());
  g_rmdir(folder.c_str());
  g_rmdir(dir);
}

TEST_CASE(
    "after a clock step back the recorded range starts before it ends; the hour between the runs' labels is a gap, "
    "an overlap is none",
    "[recording][clock]") {
  // Two segments, then the clock stepped back an hour: the newest footage has
  // the earliest labels.
  const std::deque<Segment> segments = {seg(0, 0, 2000), seg(1, 2000, 2000),
                                        seg(2, 4000 - 3600000, 2000, true),
                                        seg(3, 6000 - 3600000, 2000)};
  const auto span = recorded_span(segments);
  REQUIRE(span);
  CHECK(span->start_us == kT0 + (4000 - 3600000) * 1000LL);
  CHECK(span->end_us == kT0 + 4000000);
  CHECK(span->start_us < span->end_us);
  // Nothing was recorded between the later run's last label and the earlier
  // run's first.
  const auto gaps = find_gaps(segments);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].start_us == kT0 + (8000 - 3600000) * 1000LL);
  CHECK(gaps[0].end_us == kT0);

  // A step back of 3 s: the later run's labels fall inside the earlier run's.
  const std::deque<Segment> overlapping = {
      seg(0, 0, 2000), seg(1, 2000, 2000), seg(2, 4000, 2000),
      seg(3, 3000, 2000, true), seg(4, 5000, 2000)};
  CHECK(find_gaps(overlapping).empty());
}

TEST_CASE(
    "a range over two runs whose labels overlap keeps them apart, in recording order, behind a discontinuity",
    "[recording][clock]") {
  // Run one labelled 12:00:00 to 12:00:08; the clock stepped back 5 s, and
  // run two's labels (12:00:03 on) overlap it. Its first segment was marked.
  const std::deque<Segment> segments = {
      seg(10, 0, 2000),    seg(11, 2000, 2000),       seg(12, 4000, 2000),
      seg(13, 6000, 2000), seg(14, 3000, 2000, true), seg(15, 5000, 2000)};
  const std::string text =
      render_range_playlist(segments, {kT0 + 4500000, kT0 + 5500000}, 2);
  // 12 and 13 of run one, then 14 and 15 of run two: 13 does not overlap, so
  // 12 → 14 skips a number, and 14 → 15 overlaps 12's labels.
  const std::string expected =
      "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:04.000Z\n#EXTINF:2.000,\nseg-0000000012.ts\n"
      "#EXT-X-DISCONTINUITY\n"
      "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:03.000Z\n#EXTINF:2.000,\nseg-0000000014.ts\n"
      "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:05.000Z\n#EXTINF:2.000,\nseg-0000000015.ts\n";
  INFO(text);
  CHECK(text.find(expected) != std::string::npos);
  // A number skipped is a discontinuity even where the labels follow on.
  const std::deque<Segment> skipped = {seg(1, 0, 2000), seg(3, 2000, 2000)};
  CHECK(render_range_playlist(skipped, {kT0, kT0 + 4000000}, 2)
            .find("#EXT-X-DISCONTINUITY\n") != std::string::npos);
}
