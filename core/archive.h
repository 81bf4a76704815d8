// The footage of a recording folder, hour by hour, as the recorder leaves it
// on disk for days or weeks: read by the recorder (retention) and by the
// launcher (archive pages, spans for the timeline) without a scan of a
// segment folder.
//
//   <folder>/YYYY-MM-DD/HH/index.journal   every segment that started in that
//                                          UTC hour: the journal's magic line
//                                          and S records, appended as they come
//   <folder>/archive.index                 one summary line per hour, so that a
//                                          month of hours opens in one read
//
// The summary is a cache of the hour journals: lost or torn, it is rebuilt
// from them. Segments leave the disk oldest first (by sequence), so what is
// left of the oldest hour is its journal from the first file still on disk.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "segment.h"

namespace dvr {

struct Span {
  int64_t start_us = 0;
  int64_t end_us = 0;
};

// Consecutive segments closer than this belong to one span: timestamp jitter
// and resets, not missing time.
constexpr int64_t kSpanJoinUs = 500000;

// Adds a segment to spans kept in recording order.
void extend_spans(std::vector<Span> *spans, int64_t start_us, int64_t end_us);
// Sorted by start, overlapping spans merged, and holes shorter than
// resolution_us closed: what a timeline can draw at that resolution.
std::vector<Span> merge_spans(std::vector<Span> spans, int64_t resolution_us);
// The spans clipped to [from_us, to_us).
std::vector<Span> clip_spans(const std::vector<Span> &spans, int64_t from_us,
                             int64_t to_us);

struct HourSummary {
  int64_t hour_start_us = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t count = 0;
  uint64_t bytes = 0;
  std::vector<Span> spans;  // recording order
};

HourSummary summarize_hour(int64_t hour_start_us,
                           const std::deque<Segment> &segments);
void add_to_summary(HourSummary *summary, const Segment &segment);

constexpr const char *kHourJournalName = "index.journal";
constexpr const char *kArchiveSummaryName = "archive.index";

std::string hour_journal_path(const std::string &folder, int64_t hour_start_us);
// The segments an hour journal lists (none if it does not exist). false only
// when it exists and cannot be read.
bool read_hour_journal(const std::string &path, std::deque<Segment> *segments,
                       std::string *error);

std::string archive_summary_text(const std::map<int64_t, HourSummary> &hours);
// Lines that fail their CRC or make no sense are left out: those hours are
// rebuilt from their journals.
std::map<int64_t, HourSummary> parse_archive_summary(const std::string &text);
bool read_archive_summary(const std::string &folder,
                          std::map<int64_t, HourSummary> *hours);

// The hour folders in the recording folder ("YYYY-MM-DD/HH"), by hour start.
std::vector<int64_t> list_hour_folders(const std::string &folder);

// Reads a whole small file; false if it cannot be read.
bool read_small_file(const std::string &path, std::string *out, size_t limit);

}  // namespace dvr
