#include "http/recording_catalog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "journal.h"
#include "recording_index.h"

namespace dvr {
namespace {

const RecordingCatalog::Segments &no_segments() {
  static const RecordingCatalog::Segments empty =
      std::make_shared<const std::deque<Segment>>();
  return empty;
}

std::deque<Segment> parse_journal(int fd) {
  JournalParser parser;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    parser.feed(buf, static_cast<size_t>(n));
  }
  return parser.finish().listed;
}

std::uint64_t media_position_ns(const std::vector<Segment> &segments,
                                std::int64_t t) {
  std::int64_t pos = 0;
  for (const Segment &s : segments) {
    if (t < s.start_us) break;
    if (t < s.end_us())
      return static_cast<std::uint64_t>(pos + (t - s.start_us)) * 1000;
    pos += s.duration_us;
  }
  return static_cast<std::uint64_t>(pos) * 1000;
}

}  // namespace

ClipCut clip_cut(const std::vector<Segment> &segments, const TimeRange &range) {
  return {media_position_ns(segments, range.start_us),
          media_position_ns(segments, range.end_us)};
}

std::vector<WallClockSpan> find_gaps(const std::deque<Segment> &segments,
                                     std::int64_t min_gap_us) {
  // By label: after a clock step back, recording order is not label order, and
  // what lies between the later run's labels and the earlier run's is a hole
  // too. Recorded in order (no step), this is the recording order itself.
  std::vector<const Segment *> by_label;
  by_label.reserve(segments.size());
  for (const Segment &s : segments) by_label.push_back(&s);
  const auto earlier = [](const Segment *a, const Segment *b) {
    return a->start_us < b->start_us;
  };
  // Every recording without a step back is in order already: a window of
  // thousands of segments is then read once, not sorted on every request.
  if (!std::is_sorted(by_label.begin(), by_label.end(), earlier))
    std::stable_sort(by_label.begin(), by_label.end(), earlier);
  std::vector<WallClockSpan> gaps;
  if (by_label.empty()) return gaps;
  // The furthest any label so far reaches: a run whose labels overlap another's
  // leaves no hole.
  std::int64_t covered = by_label.front()->end_us();
  for (std::size_t i = 1; i < by_label.size(); ++i) {
    const Segment &prev = *by_label[i - 1];
    const Segment &s = *by_label[i];
    const bool recorded_next = s.sequence == prev.sequence + 1;
    if ((s.discontinuity || !recorded_next) &&
        s.start_us - covered > min_gap_us)
      gaps.push_back({covered, s.start_us});
    covered = std::max(covered, s.end_us());
  }
  return gaps;
}

std::optional<WallClockSpan> recorded_span(
    const std::deque<Segment> &segments) {
  if (segments.empty()) return std::nullopt;
  // After a clock step back the newest footage has the earlier labels: the
  // span covers every label, so its start is never after its end.
  WallClockSpan span{segments.front().start_us, segments.front().end_us()};
  for (const Segment &s : segments) {
    span.start_us = std::min(span.start_us, s.start_us);
    span.end_us = std::max(span.end_us, s.end_us());
  }
  return span;
}

std::deque<Segment> segments_overlapping(const std::deque<Segment> &segments,
                                         std::int64_t start_us,
                                         std::int64_t end_us) {
  std::deque<Segment> out;
  for (const Segment &s : segments)
    if (s.end_us() > start_us && s.start_us < end_us) out.push_back(s);
  return out;
}

RecordingCatalog::RecordingCatalog(std::string storage_dir)
    : storage_dir_(std::move(storage_dir)) {}

RecordingCatalog::Segments RecordingCatalog::segments(
    const std::string &camera) {
  const std::string path = folder(camera) + "/" + RecordingIndex::kJournalName;
  const int fd =
      ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    cache_.erase(camera);
    return no_segments();
  }
  const std::int64_t mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 +
      st.st_mtim.tv_nsec;
  Entry &e = cache_[camera];
  if (!e.segments || e.dev != st.st_dev || e.ino != st.st_ino ||
      e.size != st.st_size || e.mtime_ns != mtime_ns) {
    e = Entry{st.st_dev, st.st_ino, st.st_size, mtime_ns,
              std::make_shared<const std::deque<Segment>>(parse_journal(fd))};
  }
  ::close(fd);
  return e.segments;
}

}  // namespace dvr
