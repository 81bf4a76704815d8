#include "http/archive_catalog.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "playlist.h"
#include "timeline.h"

namespace dvr {

namespace {

constexpr size_t kCachedJournals = 48;

bool stamp_of(const std::string &path, dev_t *dev, ino_t *ino, off_t *size,
              int64_t *mtime_ns) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  *dev = st.st_dev;
  *ino = st.st_ino;
  *size = st.st_size;
  *mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

bool on_disk(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string render_hour_page(const std::deque<Segment> &segments,
                             int64_t hour_start, bool over,
                             unsigned configured_target_s) {
  if (segments.empty()) return {};
  // Recording order; two runs whose labels overlap after a clock step stay
  // apart, the later behind a discontinuity.
  constexpr int64_t kBreakUs = 1000000;
  std::deque<Segment> marked;
  if (has_unmarked_break(segments, kBreakUs)) {
    marked = segments;
    mark_breaks(marked, kBreakUs);
  }
  const std::deque<Segment> &ordered = marked.empty() ? segments : marked;
  PlaylistHeader header;
  header.own_folder = hour_folder(hour_start) + "/";
  header.other_prefix = "../../";
  header.target_duration_s = target_duration_for(segments, configured_target_s);
  header.media_sequence = segments.front().sequence;
  header.endlist = over;
  header.vod = over;
  std::string text = render_playlist(ordered, header);
  // A discontinuity before the first segment is outside this page.
  if (segments.front().discontinuity) {
    const size_t tag =
        text.find("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME");
    if (tag != std::string::npos)
      text.erase(tag, std::strlen("#EXT-X-DISCONTINUITY\n"));
  }
  return text;
}

const std::map<int64_t, HourSummary> &ArchiveCatalog::summarized(
    const std::string &camera) {
  auto &[stamp, summary] = summaries_[camera];
  Cached now;
  if (!stamp_of(folder(camera) + "/" + kArchiveSummaryName, &now.dev, &now.ino,
                &now.size, &now.mtime_ns)) {
    summary.clear();
    stamp = Cached();
  } else if (now.dev != stamp.dev || now.ino != stamp.ino ||
             now.size != stamp.size || now.mtime_ns != stamp.mtime_ns) {
    read_archive_summary(folder(camera), &summary);
    stamp = now;
  }
  return summary;
}

std::map<int64_t, HourSummary> ArchiveCatalog::hours(
    const std::string &camera) {
  std::map<int64_t, HourSummary> out = summarized(camera);
  // The hour being written is not in the summary yet, nor (after an upgrade,
  // before the recorder opened the folder) a flat listed segment's hour.
  const auto listed = live_.segments(camera);
  std::vector<int64_t> open_hours;
  for (const Segment &s : *listed) {
    const int64_t h = hour_start_us(s.start_us);
    if (!out.count(h) && (open_hours.empty() || open_hours.back() != h))
      open_hours.push_back(h);
  }
  for (int64_t h : open_hours) {
    if (out.count(h)) continue;
    const auto journal = hour_journal(camera, h);
    if (!journal->empty()) out[h] = summarize_hour(h, *journal);
  }
  for (const Segment &s : *listed) {
    const int64_t h = hour_start_us(s.start_us);
    HourSummary &summary = out[h];
    if (summary.count > 0 && s.sequence <= summary.last_sequence) continue;
    summary.hour_start_us = h;
    add_to_summary(&summary, s);
  }
  return out;
}

std::shared_ptr<const std::deque<Segment>> ArchiveCatalog::hour_journal(
    const std::string &camera, int64_t hour_start) {
  const std::string path = hour_journal_path(folder(camera), hour_start);
  Journal &j = journals_[{camera, hour_start}];
  Cached now;
  if (!stamp_of(path, &now.dev, &now.ino, &now.size, &now.mtime_ns)) {
    j = Journal();
  } else if (now.dev != j.stamp.dev || now.ino != j.stamp.ino ||
             now.size != j.stamp.size || now.mtime_ns != j.stamp.mtime_ns) {
    auto segments = std::make_shared<std::deque<Segment>>();
    read_hour_journal(path, segments.get(), nullptr);
    j.segments = std::move(segments);
    j.stamp = now;
  }
  if (journals_.size() > kCachedJournals) {
    // Keep this one; drop the oldest hours, which are asked for least.
    for (auto it = journals_.begin();
         it != journals_.end() && journals_.size() > kCachedJournals;) {
      if (it->first == std::make_pair(camera, hour_start))
        ++it;
      else
        it = journals_.erase(it);
    }
  }
  return journals_[{camera, hour_start}].segments;
}

uint64_t ArchiveCatalog::floor(const std::string &camera,
                               const std::map<int64_t, HourSummary> &hours) {
  if (hours.empty()) return 0;
  auto oldest = hours.begin();
  for (auto it = hours.begin(); it != hours.end(); ++it)
    if (it->second.first_sequence < oldest->second.first_sequence) oldest = it;
  const auto journal = hour_journal(camera, oldest->first);
  const std::deque<Segment> &segments = *journal;
  // Segments leave oldest first: the first file on disk, found by bisection.
  size_t lo = 0, hi = segments.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (on_disk(folder(camera) + "/" + segments[mid].filename))
      hi = mid;
    else
      lo = mid + 1;
  }
  if (lo < segments.size()) return segments[lo].sequence;
  return oldest->second.last_sequence + 1;
}

std::shared_ptr<const std::deque<Segment>> ArchiveCatalog::hour(
    const std::string &camera, int64_t hour_start) {
  const auto cached = hour_journal(camera, hour_start);
  const std::deque<Segment> &journal = *cached;
  auto from = journal.begin();
  // Retention takes the oldest segments first, so only the oldest hour may
  // list files that are gone: the first one still on disk, by bisection.
  if (!journal.empty()) {
    bool oldest = true;
    for (const auto &[h, summary] : summarized(camera))
      if (h != hour_start && summary.first_sequence < journal.front().sequence)
        oldest = false;
    if (oldest) {
      from = std::partition_point(
          journal.begin(), journal.end(), [&](const Segment &s) {
            return !on_disk(folder(camera) + "/" + s.filename);
          });
    }
  }
  // Flat segments of an upgraded recording, listed but not yet in a journal.
  const auto listed = live_.segments(camera);
  const uint64_t last = journal.empty() ? 0 : journal.back().sequence;
  const auto flat_here = [&](const Segment &s) {
    return hour_start_us(s.start_us) == hour_start &&
           (journal.empty() || s.sequence > last);
  };
  const bool flat = !listed->empty() &&
                    listed->front().filename.find('/') == std::string::npos &&
                    std::any_of(listed->begin(), listed->end(), flat_here);
  if (from == journal.begin() && !flat) return cached;
  auto out = std::make_shared<std::deque<Segment>>(from, journal.end());
  if (flat)
    for (const Segment &s : *listed)
      if (flat_here(s)) out->push_back(s);
  return out;
}

std::deque<Segment> ArchiveCatalog::segments(const std::string &camera,
                                             int64_t from_us, int64_t to_us) {
  std::deque<Segment> out;
  const auto all = hours(camera);
  for (const auto &[h, summary] : all) {
    // A segment is filed under the hour it starts in, so one that overlaps
    // from_us may start in the hour before.
    if (h + 2 * kHourUs <= from_us || h >= to_us) continue;
    const auto filed = hour(camera, h);
    for (const Segment &s : *filed)
      if (s.end_us() > from_us && s.start_us < to_us) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const Segment &a, const Segment &b) {
    return a.sequence < b.sequence;
  });
  return out;
}

std::vector<Span> ArchiveCatalog::spans(const std::string &camera,
                                        int64_t from_us, int64_t to_us,
                                        int64_t resolution_us) {
  auto all = hours(camera);
  if (all.empty()) return {};
  // What retention already took from the oldest hour is not drawn.
  const uint64_t first = floor(camera, all);
  for (auto it = all.begin(); it != all.end();) {
    if (it->second.last_sequence < first) {
      it = all.erase(it);
    } else if (it->second.first_sequence < first) {
      std::deque<Segment> left;
      const auto journal = hour_journal(camera, it->first);
      for (const Segment &s : *journal)
        if (s.sequence >= first) left.push_back(s);
      it->second = summarize_hour(it->first, left);
      ++it;
    } else {
      ++it;
    }
  }
  std::vector<Span> spans;
  for (const auto &[h, summary] : all)
    for (const Span &s : summary.spans) spans.push_back(s);
  return clip_spans(merge_spans(std::move(spans), resolution_us), from_us,
                    to_us);
}

std::optional<Span> ArchiveCatalog::extent(const std::string &camera) {
  const auto spans_all = spans(camera, INT64_MIN, INT64_MAX, 0);
  if (spans_all.empty()) return std::nullopt;
  Span out{spans_all.front().start_us, spans_all.front().end_us};
  for (const Span &s : spans_all) out.end_us = std::max(out.end_us, s.end_us);
  return out;
}

}  // namespace dvr
