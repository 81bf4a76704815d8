// What the server reads of the archive a recorder left: hours, spans for the
// timeline, hour pages and the segments of any period, from a real folder
// written by the recording index.
#include <catch2/catch.hpp>
#include <ftw.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "http/archive_catalog.h"
#include "http/recording_catalog.h"
#include "files.h"
#include "journal.h"
#include "recording_index.h"
#include "temp_folder.h"

using namespace dvr;
using dvr_test::TempFolder;

namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1714564800LL * kSecond;  // 2024-05-01T12:00:00Z

// Three hours of 2 s segments from 12:00 with a hole from 13:10 to 13:20,
// recorded with a 10-minute window and a 2-hour retention, as of 15:00.
std::unique_ptr<RecordingIndex> record(const TempFolder &folder) {
  RecordingOptions o;
  o.folder = folder.path() + "/door";
  o.retention.window_s = 600;
  o.retention.retention_s = 7200;
  o.grace_us = 0;
  o.fsync = false;
  std::string error;
  auto index = RecordingIndex::open(o, kT0, &error);
  REQUIRE(index);
  for (int64_t t = kT0; t < kT0 + 3 * 3600 * kSecond; t += 2 * kSecond) {
    if (t >= kT0 + 70 * 60 * kSecond && t < kT0 + 80 * 60 * kSecond) continue;
    const std::string tmp = index->temporary_path();
    std::ofstream(tmp) << "ts";
    const bool gap = t == kT0 + 80 * 60 * kSecond;
    REQUIRE(index->add_segment(tmp, t, 2 * kSecond, 2, gap, t + 2 * kSecond,
                               nullptr, &error));
  }
  return index;
}

// The recording of record(), and the server's two readers of it.
struct Recorded {
  TempFolder folder;
  std::unique_ptr<RecordingIndex> index = record(folder);
  RecordingCatalog live{folder.path()};
  ArchiveCatalog archive{folder.path(), live};
};

}  // namespace

TEST_CASE_METHOD(
    Recorded,
    "the archive's spans show the hours kept and the holes at a fine resolution only",
    "[archive]") {
  // Retention took the first hour but the segment ending at 13:00; 13:00 to
  // 15:00 is left, with its hole.
  const auto fine = archive.spans("door", INT64_MIN, INT64_MAX, 0);
  REQUIRE(fine.size() == 2);
  CHECK(fine[0].start_us == kT0 + 3600 * kSecond - 2 * kSecond);
  CHECK(fine[0].end_us == kT0 + 70 * 60 * kSecond);
  CHECK(fine[1].start_us == kT0 + 80 * 60 * kSecond);
  CHECK(fine[1].end_us == kT0 + 3 * 3600 * kSecond);
  // At an hour's resolution a ten-minute hole is not drawn.
  CHECK(archive.spans("door", INT64_MIN, INT64_MAX, 3600 * kSecond).size() ==
        1);
  // Asked for a part, the answer is clipped to it.
  const auto part = archive.spans("door", kT0 + 100 * 60 * kSecond,
                                  kT0 + 110 * 60 * kSecond, 0);
  REQUIRE(part.size() == 1);
  CHECK(part[0].start_us == kT0 + 100 * 60 * kSecond);
  const auto extent = archive.extent("door");
  REQUIRE(extent);
  CHECK(extent->end_us == kT0 + 3 * 3600 * kSecond);
}

TEST_CASE_METHOD(
    Recorded,
    "an hour page lists that hour from its own folder and ends once the hour is over",
    "[archive]") {
  const int64_t hour13 = kT0 + 3600 * kSecond;
  const std::deque<Segment> segments = *archive.hour("door", hour13);
  REQUIRE(segments.size() == 1500);  // 50 minutes of 2 s segments
  const std::string page = render_hour_page(segments, hour13, true, 2);
  CHECK(page.find("#EXT-X-PLAYLIST-TYPE:VOD\n") != std::string::npos);
  CHECK(page.find("#EXT-X-ENDLIST\n") != std::string::npos);
  CHECK(page.find("\nseg-") != std::string::npos);
  CHECK(page.find("2024-05-01/13/") == std::string::npos);
  CHECK(page.find("#EXT-X-PROGRAM-DATE-TIME:2024-05-01T13:00:00.000Z\n") !=
        std::string::npos);
  // The hole is a discontinuity, as in the live playlist.
  CHECK(
      page.find(
          "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T13:20:00.000Z\n") !=
      std::string::npos);
  // A running hour is a playlist still growing.
  const std::string open = render_hour_page(segments, hour13, false, 2);
  CHECK(open.find("ENDLIST") == std::string::npos);
  CHECK(open.find("PLAYLIST-TYPE") == std::string::npos);
  // Of the hour retention took, only what is still on disk is listed.
  CHECK(archive.hour("door", kT0)->size() == 1);
}

TEST_CASE_METHOD(
    Recorded,
    "an hour page is the cached hour, not a copy, and a recording from before hour folders lists its flat segments",
    "[archive]") {
  const int64_t hour13 = kT0 + 3600 * kSecond;
  CHECK(archive.hour("door", hour13) == archive.hour("door", hour13));

  // A live journal with flat names, as a recorder before hour folders left it.
  JournalState old;
  for (uint64_t i = 0; i < 10; i++) {
    Segment s;
    s.sequence = i;
    s.filename = segment_filename(i);
    s.start_us = kT0 + static_cast<int64_t>(i) * 2 * kSecond;
    s.duration_us = 2 * kSecond;
    s.bytes = 2;
    old.listed.push_back(s);
  }
  old.next_sequence = 10;
  std::string error;
  REQUIRE(make_directories(folder.path() + "/porch", &error));
  REQUIRE(replace_file_atomically(
      folder.path() + "/porch/" + RecordingIndex::kJournalName,
      journal_snapshot(old), false, &error));
  const auto flat = archive.hour("porch", kT0);
  REQUIRE(flat->size() == 10);
  CHECK(flat->front().filename == segment_filename(0));
  CHECK(render_hour_page(*flat, kT0, true, 2).find("\n../../seg-") !=
        std::string::npos);
  CHECK(archive.hour("porch", kT0 + 3600 * kSecond)->empty());
}

TEST_CASE_METHOD(
    Recorded,
    "the segments of a period run across hours, and what left the disk is not among them",
    "[archive]") {
  const auto across = archive.segments("door", kT0 + 119 * 60 * kSecond,
                                       kT0 + 121 * 60 * kSecond);
  REQUIRE(across.size() == 60);
  CHECK(across.front().filename.compare(0, 14, "2024-05-01/13/") == 0);
  CHECK(across.back().filename.compare(0, 14, "2024-05-01/14/") == 0);
  for (size_t i = 1; i < across.size(); i++)
    CHECK(across[i].sequence == across[i - 1].sequence + 1);
  // Before the retention: gone from the disk, so not offered.
  CHECK(archive.segments("door", kT0, kT0 + 30 * 60 * kSecond).empty());
}

TEST_CASE("a month of hours reads from the summary in one go", "[archive]") {
  TempFolder folder;
  const std::string camera = folder.path() + "/cam";
  REQUIRE(::mkdir(camera.c_str(), 0755) == 0);
  std::map<int64_t, HourSummary> hours;
  uint64_t seq = 0;
  for (int h = 0; h < 30 * 24; h++) {
    HourSummary s;
    s.hour_start_us = kT0 + h * kHourUs;
    s.first_sequence = seq;
    s.count = 1800;
    seq += 1800;
    s.last_sequence = seq - 1;
    s.bytes = 1800;
    s.spans = {{s.hour_start_us, s.hour_start_us + kHourUs}};
    hours[s.hour_start_us] = s;
  }
  std::ofstream(camera + "/archive.index") << archive_summary_text(hours);
  RecordingCatalog live(folder.path());
  ArchiveCatalog archive(folder.path(), live);
  CHECK(archive.hours("cam").size() == 720);
}
