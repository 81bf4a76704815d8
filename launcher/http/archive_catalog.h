// The footage of each camera folder beyond its live playlist, read from the
// hour journals and archive.index that the recorder keeps: archive pages by
// the hour, spans for the timeline, and the segments of any period for range
// playlists and clips. Never a scan of a segment folder. Read-only; runs on
// the server's main context, so it needs no lock.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive.h"
#include "http/recording_catalog.h"

namespace dvr {

// An hour page: the VOD playlist of one UTC hour's segments, served from the
// hour's folder (/hls/<camera>/YYYY-MM-DD/HH/index.m3u8), so a segment of that
// hour is named as it is and any other (flat, from earlier versions) by
// "../../". over: the hour is done and the page will not change (ENDLIST).
std::string render_hour_page(const std::deque<Segment> &segments,
                             int64_t hour_start_us, bool over,
                             unsigned configured_target_s);

class ArchiveCatalog {
 public:
  ArchiveCatalog(std::string storage_dir, RecordingCatalog &live)
      : storage_dir_(std::move(storage_dir)), live_(live) {}

  // Every hour with footage on disk, the live window's included.
  std::map<int64_t, HourSummary> hours(const std::string &camera);
  // The recorded spans inside [from_us, to_us), holes shorter than resolution_us closed.
  std::vector<Span> spans(const std::string &camera, int64_t from_us,
                          int64_t to_us, int64_t resolution_us);
  // From the oldest footage on disk to the newest.
  std::optional<Span> extent(const std::string &camera);
  // The segments on disk overlapping [from_us, to_us), oldest first.
  std::deque<Segment> segments(const std::string &camera, int64_t from_us,
                               int64_t to_us);
  // The segments filed under one hour, without those that already left the
  // disk. Shared with the cache when that is all of them, as for every hour
  // but the oldest: a page is not a copy of 1,800 segments.
  std::shared_ptr<const std::deque<Segment>> hour(const std::string &camera,
                                                  int64_t hour_start_us);

 private:
  struct Cached {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
  };
  struct Journal {
    Cached stamp;
    std::shared_ptr<const std::deque<Segment>> segments =
        std::make_shared<const std::deque<Segment>>();
  };
  std::shared_ptr<const std::deque<Segment>> hour_journal(
      const std::string &camera, int64_t hour_start_us);
  // archive.index, read again only when it changed.
  const std::map<int64_t, HourSummary> &summarized(const std::string &camera);
  // The first sequence number still on disk: retention takes the oldest first.
  uint64_t floor(const std::string &camera,
                 const std::map<int64_t, HourSummary> &hours);
  std::string folder(const std::string &camera) const {
    return storage_dir_ + "/" + camera;
  }

  std::string storage_dir_;
  RecordingCatalog &live_;
  std::map<std::string, std::pair<Cached, std::map<int64_t, HourSummary>>>
      summaries_;
  // A few hour journals, the ones asked for last: closed hours do not change.
  std::map<std::pair<std::string, int64_t>, Journal> journals_;
};

}  // namespace dvr
