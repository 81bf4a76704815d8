// Playlist and index at scale: how long dvr::render_playlist takes for a 2-hour
// window (3600 segments of 2 s) and a 7-day window (302400), how much memory the
// index of such a window holds, and what one new segment costs the recording
// index at that size (rename, journal, retention, playlist rewrite).
//
// Built and run by bench/run:
//   g++ -O2 -std=c++17 -I core bench/playlist_scale.cpp core/*.cpp $(pkg-config --cflags --libs glib-2.0)
//   ./playlist_scale SCRATCH_DIR
// Prints one JSON object per line on standard output.
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "files.h"
#include "journal.h"
#include "playlist.h"
#include "recording_index.h"
#include "measure.h"
#include "segment.h"

using bench::heap_in_use;
using bench::now_ms;
using bench::wall_us;

namespace {

constexpr int64_t kSegmentUs = 2000000;

size_t rss_bytes() {
  long pages = 0, resident = 0;
  FILE *f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<size_t>(resident) *
         static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

struct Timing {
  double median_ms, min_ms, max_ms;
  size_t runs;
};

Timing summarize(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  const size_t n = t.size();
  const double median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
  return Timing{median, t.front(), t.back(), n};
}

// A window as a camera leaves it: 2 s segments with a little jitter in duration,
// back to back on the wall clock from start_us, a discontinuity now and then
// (camera restarts).
std::deque<dvr::Segment> make_window(size_t count, int64_t start_us) {
  std::deque<dvr::Segment> segments;
  int64_t start = start_us;
  uint32_t rng = 12345;
  for (size_t i = 0; i < count; i++) {
    rng = rng * 1664525u + 1013904223u;
    dvr::Segment s;
    s.sequence = 1000000 + i;
    s.filename = dvr::dated_segment_path(s.sequence, start);
    s.start_us = start;
    s.duration_us = kSegmentUs - 40000 + static_cast<int64_t>(rng % 80001);
    s.bytes = 950000 + rng % 100000;
    s.discontinuity = i % 5000 == 0;
    start += s.duration_us;
    segments.push_back(std::move(s));
  }
  return segments;
}

void render_case(const char *name, size_t count, size_t runs) {
  const size_t heap_before = heap_in_use();
  const size_t rss_before = rss_bytes();
  std::deque<dvr::Segment> segments =
      make_window(count, wall_us() - static_cast<int64_t>(count) * kSegmentUs);
  const size_t heap = heap_in_use() - heap_before;
  const size_t rss = rss_bytes() - rss_before;

  dvr::PlaylistHeader header;
  header.target_duration_s = dvr::target_duration_for(segments, 2);
  header.media_sequence = segments.front().sequence;
  size_t bytes = 0;
  std::vector<double> times;
  for (size_t i = 0; i < runs + 2; i++) {
    const double t0 = now_ms();
    std::string text = dvr::render_playlist(segments, header);
    const double t1 = now_ms();
    bytes = text.size();
    if (i >= 2)
      times.push_back(t1 -
                      t0);  // the first two warm the caches and the allocator
  }
  std::vector<double> target_times;
  for (size_t i = 0; i < runs; i++) {
    const double t0 = now_ms();
    volatile unsigned target = dvr::target_duration_for(segments, 2);
    (void)target;
    target_times.push_back(now_ms() - t0);
  }
  const Timing r = summarize(times);
  const Timing td = summarize(target_times);
  std::printf(
      "{\"kind\":\"render\",\"name\":\"%s\",\"segments\":%zu,\"runs\":%zu,\"median_ms\":%.4f,\"min_ms\":%.4f,"
      "\"max_ms\":%.4f,\"target_duration_median_ms\":%.4f,\"playlist_bytes\":%zu,\"heap_bytes\":%zu,"
      "\"rss_bytes\":%zu,\"sizeof_segment\":%zu}\n",
      name, count, r.runs, r.median_ms, r.min_ms, r.max_ms, td.median_ms, bytes,
      heap, rss, sizeof(dvr::Segment));
  std::fflush(stdout);
}

// A listed segment's file as the index checks it on open: there, and (for
// the newest) as long as the journal says. Sparse: no data is written.
bool place_segment_file(const std::string &folder, const dvr::Segment &s,
                        std::string *error) {
  const std::string file = folder + "/" + s.filename;
  const std::string dir = file.substr(0, file.rfind('/'));
  if (!dvr::make_directories(dir, error)) return false;
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const bool ok = fd >= 0 && ::ftruncate(fd, static_cast<off_t>(s.bytes)) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) *error = "cannot make " + file + ": " + std::strerror(errno);
  return ok;
}

bool write_small_file(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  char block[4096];
  std::memset(block, 0x47, sizeof block);
  const bool ok =
      ::write(fd, block, sizeof block) == static_cast<ssize_t>(sizeof block);
  ::close(fd);
  return ok;
}

// A recording folder whose journal lists `count` segments, each file in its
// hour folder (sparse: the index checks that they are there, and the newest
// ones' sizes), reopened as after a restart, then fed `adds` new segments one
// segment-duration apart, each pushing the oldest out of the window as in
// steady state.
bool index_case(const char *name, size_t count, uint64_t window_s, size_t adds,
                const std::string &folder) {
  std::string error;
  if (!dvr::make_directories(folder, &error)) {
    std::fprintf(stderr, "playlist_scale: %s\n", error.c_str());
    return false;
  }
  const int64_t t_open = wall_us();
  {
    dvr::JournalState state;
    // The oldest segment ends just inside the window: every add pushes one out.
    state.listed =
        make_window(count, t_open - static_cast<int64_t>(window_s) * 1000000 +
                               kSegmentUs / 2);
    state.next_sequence = state.listed.back().sequence + 1;
    for (const dvr::Segment &s : state.listed)
      if (!place_segment_file(folder, s, &error)) {
        std::fprintf(stderr, "playlist_scale: %s\n", error.c_str());
        return false;
      }
    if (!dvr::replace_file_atomically(
            folder + "/" + dvr::RecordingIndex::kJournalName,
            dvr::journal_snapshot(state), false, &error)) {
      std::fprintf(stderr, "playlist_scale: %s\n", error.c_str());
      return false;
    }
  }
  malloc_trim(0);
  dvr::RecordingOptions options;
  options.folder = folder;
  options.segment_duration_s = 2;
  options.retention.window_s = window_s;
  options.endlist = false;

  const size_t heap_before = heap_in_use();
  const size_t rss_before = rss_bytes();
  const double o0 = now_ms();
  std::unique_ptr<dvr::RecordingIndex> index =
      dvr::RecordingIndex::open(options, t_open, &error);
  const double open_ms = now_ms() - o0;
  if (!index) {
    std::fprintf(stderr, "playlist_scale: open %s: %s\n", folder.c_str(),
                 error.c_str());
    return false;
  }
  malloc_trim(0);
  const size_t heap = heap_in_use() - heap_before;
  const size_t rss = rss_bytes() - rss_before;
  const size_t listed = index->segments().size();
  // Anything less measures a smaller index than the one named.
  if (listed != count) {
    std::fprintf(stderr,
                 "playlist_scale: %s: %zu of %zu segments listed on open\n",
                 folder.c_str(), listed, count);
    return false;
  }

  std::vector<double> times;
  int64_t clock_us = t_open;
  for (size_t i = 0; i < adds; i++) {
    const std::string temporary = index->temporary_path();
    if (!write_small_file(temporary)) {
      std::fprintf(stderr, "playlist_scale: cannot write %s\n",
                   temporary.c_str());
      return false;
    }
    clock_us += kSegmentUs;
    const double t0 = now_ms();
    if (!index->add_segment(temporary, clock_us - kSegmentUs, kSegmentUs, 4096,
                            false, clock_us, nullptr, &error)) {
      std::fprintf(stderr, "playlist_scale: add_segment: %s\n", error.c_str());
      return false;
    }
    times.push_back(now_ms() - t0);
  }
  const Timing a = summarize(times);
  std::printf(
      "{\"kind\":\"index\",\"name\":\"%s\",\"segments\":%zu,\"open_ms\":%.2f,\"heap_bytes\":%zu,\"rss_bytes\":%zu,"
      "\"adds\":%zu,\"add_median_ms\":%.3f,\"add_min_ms\":%.3f,\"add_max_ms\":%.3f,\"listed_after\":%zu}\n",
      name, listed, open_ms, heap, rss, a.runs, a.median_ms, a.min_ms, a.max_ms,
      index->segments().size());
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
  render_case("2 hours", 3600, 501);
  render_case("7 days", 302400, 21);
  bool ok = index_case("2 hours", 3600, 7200, 31, scratch + "/two-hours");
  ok = index_case("7 days", 302400, 7 * 86400, 11, scratch + "/seven-days") &&
       ok;
  return ok ? 0 : 1;
}
