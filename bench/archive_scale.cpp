// Retention at scale: a 2-hour live window over 2 hours, 1 day, 7 days and 30
// days of footage, and 50 cameras of 30 days opened at once. Each camera
// folder is synthesised as the recorder leaves it (live journal, hour
// journals, archive.index), with tiny files only where the index looks at them
// (the window and the oldest hour), then measured through the same code the
// recorder and the launcher run: RecordingIndex::open (a restart),
// add_segment (the work of a new segment), ArchiveCatalog::hour and
// render_hour_page (an hour page), ArchiveCatalog::spans (the timeline).
//
// Built and run by bench/run:
//   g++ -O2 -std=c++17 -I core -I launcher bench/archive_scale.cpp core/*.cpp
//       launcher/http/archive_catalog.cpp launcher/http/recording_catalog.cpp $(pkg-config --cflags --libs glib-2.0)
//   ./archive_scale SCRATCH_DIR
// Prints one JSON object per line on standard output.
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archive.h"
#include "http/archive_catalog.h"
#include "files.h"
#include "journal.h"
#include "measure.h"
#include "http/recording_catalog.h"
#include "recording_index.h"

using bench::heap_in_use;
using bench::now_ms;
using bench::wall_us;

namespace {

constexpr int64_t kSegmentUs = 2000000;
constexpr int64_t kWindowS = 7200;
constexpr uint64_t kBytes = 1000000;  // a 4 Mbit/s camera's 2 s segment

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t.size() % 2 ? t[t.size() / 2]
                      : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2;
}

bool touch(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// A camera folder holding retention_s of 2 s segments up to now_us, the last
// two hours of them listed in the live journal.
bool synthesise(const std::string &folder, int64_t retention_s, int64_t now_us,
                bool full_journals) {
  std::string error;
  if (!dvr::make_directories(folder, &error)) return false;
  const int64_t first_us = now_us - retention_s * 1000000;
  const int64_t window_from = now_us - kWindowS * 1000000;
  std::map<int64_t, std::string> journals;
  std::map<int64_t, dvr::HourSummary> hours;
  dvr::JournalState live;
  uint64_t seq = 0;
  const int64_t oldest_hour = dvr::hour_start_us(first_us);
  for (int64_t t = first_us; t + kSegmentUs <= now_us; t += kSegmentUs, seq++) {
    dvr::Segment s;
    s.sequence = seq;
    s.start_us = t;
    s.duration_us = kSegmentUs;
    s.bytes = kBytes;
    s.filename = dvr::dated_segment_path(seq, t);
    const int64_t hour = dvr::hour_start_us(t);
    const bool looked_at = t >= window_from || hour == oldest_hour;
    std::string &journal = journals[hour];
    if (journal.empty()) {
      if (!dvr::make_directories(folder + "/" + dvr::hour_folder(hour), &error))
        return false;
      journal = dvr::journal_magic_line();
    }
    // Hour journals the open never reads stay empty for the 50-camera case.
    if (full_journals || looked_at || hour >= dvr::hour_start_us(window_from))
      journal += dvr::journal_segment_record(s);
    dvr::HourSummary &h = hours[hour];
    h.hour_start_us = hour;
    dvr::add_to_summary(&h, s);
    if (looked_at && !touch(folder + "/" + s.filename)) return false;
    if (t >= window_from) live.listed.push_back(s);
  }
  live.next_sequence = seq;
  for (const auto &[hour, text] : journals) {
    if (!dvr::replace_file_atomically(dvr::hour_journal_path(folder, hour),
                                      text, false, &error))
      return false;
  }
  hours.erase(std::prev(hours.end()));  // the running hour is not summarised
  return dvr::replace_file_atomically(folder + "/" + dvr::kArchiveSummaryName,
                                      dvr::archive_summary_text(hours), false,
                                      &error) &&
         dvr::replace_file_atomically(
             folder + "/" + dvr::RecordingIndex::kJournalName,
             dvr::journal_snapshot(live), false, &error);
}

dvr::RecordingOptions options_for(const std::string &folder,
                                  int64_t retention_s) {
  dvr::RecordingOptions o;
  o.folder = folder;
  o.segment_duration_s = 2;
  o.retention.window_s = kWindowS;
  o.retention.retention_s = retention_s;
  o.endlist = false;
  // The index's own work: how long the disk takes to flush is the disk's
  // (section 5 measures a new segment with fsync on).
  o.fsync = false;
  return o;
}

bool retention_case(const char *name, int64_t retention_s,
                    const std::string &storage) {
  const std::string folder = storage + "/cam";
  const int64_t now = wall_us();
  if (!synthesise(folder, retention_s, now, true)) {
    std::fprintf(stderr, "archive_scale: cannot synthesise %s\n",
                 folder.c_str());
    return false;
  }
  malloc_trim(0);
  const size_t heap_before = heap_in_use();
  std::string error;
  const double o0 = now_ms();
  auto index =
      dvr::RecordingIndex::open(options_for(folder, retention_s), now, &error);
  const double open_ms = now_ms() - o0;
  if (!index) {
    std::fprintf(stderr, "archive_scale: open: %s\n", error.c_str());
    return false;
  }
  malloc_trim(0);
  const size_t heap = heap_in_use() - heap_before;

  // New segments, one segment-duration apart: each pushes one out of the window
  // and, at the longest retentions, one off the disk.
  std::vector<double> adds;
  size_t playlist_bytes = 0;
  int64_t clock = now;
  for (int i = 0; i < 31; i++) {
    const std::string tmp = index->temporary_path();
    if (!touch(tmp)) return false;
    clock += kSegmentUs;
    const double t0 = now_ms();
    if (!index->add_segment(tmp, clock - kSegmentUs, kSegmentUs, kBytes, false,
                            clock, nullptr, &error)) {
      std::fprintf(stderr, "archive_scale: add_segment: %s\n", error.c_str());
      return false;
    }
    adds.push_back(now_ms() - t0);
  }
  struct stat st;
  if (::stat((folder + "/live.m3u8").c_str(), &st) == 0)
    playlist_bytes = static_cast<size_t>(st.st_size);
  const size_t journal_record =
      dvr::journal_segment_record(index->segments().back()).size();

  // The launcher's side: an hour page in the middle of the retention, and the
  // timeline of the whole retention at a minute's resolution.
  dvr::RecordingCatalog live(storage);
  dvr::ArchiveCatalog archive(storage, live);
  const int64_t middle = dvr::hour_start_us(now - retention_s * 500000);
  std::vector<double> pages, ranges;
  size_t page_bytes = 0, spans = 0;
  std::vector<int64_t> asked;
  for (const auto &[hour, h] : archive.hours("cam"))
    if (hour >= middle && asked.size() < 21) asked.push_back(hour);
  for (int64_t hour : asked) {
    // An hour not asked for before: its journal is read and parsed; the
    // summary and the oldest hour are the server's, already read.
    const double t0 = now_ms();
    const std::string page =
        dvr::render_hour_page(*archive.hour("cam", hour), hour, true, 2);
    pages.push_back(now_ms() - t0);
    page_bytes = page.size();
    const double r0 = now_ms();
    spans = archive.spans("cam", INT64_MIN, INT64_MAX, 60 * 1000000).size();
    ranges.push_back(now_ms() - r0);
  }
  std::printf(
      "{\"kind\":\"retention\",\"name\":\"%s\",\"retention_s\":%" PRId64
      ",\"hours\":%zu,\"open_ms\":%.2f,"
      "\"heap_bytes\":%zu,\"add_median_ms\":%.3f,\"live_playlist_bytes\":%zu,\"bytes_per_segment\":%zu,"
      "\"hour_page_ms\":%.3f,\"hour_page_bytes\":%zu,\"ranges_ms\":%.3f,\"spans\":%zu}\n",
      name, retention_s, index->hours().size(), open_ms, heap, median(adds),
      playlist_bytes, playlist_bytes + 2 * journal_record, median(pages),
      page_bytes, median(ranges), spans);
  std::fflush(stdout);
  index.reset();
  std::string ignored;
  return std::system(("rm -rf '" + folder + "'").c_str()) == 0;
}

bool many_cameras_case(int cameras, int64_t retention_s,
                       const std::string &storage) {
  const int64_t now = wall_us();
  for (int c = 0; c < cameras; c++) {
    if (!synthesise(storage + "/cam" + std::to_string(c), retention_s, now,
                    false))
      return false;
  }
  // What the launcher's cameras do at start, one after another on one core:
  // each dvrsink opens its folder before it records.
  malloc_trim(0);
  const size_t heap_before = heap_in_use();
  std::vector<std::unique_ptr<dvr::RecordingIndex>> indexes;
  std::string error;
  const double t0 = now_ms();
  for (int c = 0; c < cameras; c++) {
    auto index = dvr::RecordingIndex::open(
        options_for(storage + "/cam" + std::to_string(c), retention_s), now,
        &error);
    if (!index) {
      std::fprintf(stderr, "archive_scale: open: %s\n", error.c_str());
      return false;
    }
    indexes.push_back(std::move(index));
  }
  const double all_ms = now_ms() - t0;
  malloc_trim(0);
  const size_t heap = heap_in_use() - heap_before;
  std::printf("{\"kind\":\"cameras\",\"cameras\":%d,\"retention_s\":%" PRId64
              ",\"open_all_ms\":%.1f,\"heap_bytes\":%zu}\n",
              cameras, retention_s, all_ms, heap);
  std::fflush(stdout);
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  const std::string scratch = argv[1];
  bool ok = retention_case("2 hours", 7200, scratch + "/r2h");
  ok = retention_case("1 day", 86400, scratch + "/r1d") && ok;
  ok = retention_case("7 days", 7 * 86400, scratch + "/r7d") && ok;
  ok = retention_case("30 days", 30 * 86400, scratch + "/r30d") && ok;
  ok = many_cameras_case(50, 30 * 86400, scratch + "/fifty") && ok;
  return ok ? 0 : 1;
}
