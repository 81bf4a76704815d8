// One recording folder: its journal, its segments, its retention and its live
// playlist. Plain C++ over POSIX; the elements are thin glue around it.
//
// Every change follows the same order, so that a crash at any point leaves a
// folder that reopens cleanly: a segment is complete and fsynced under a hidden
// temporary name, renamed, recorded in the journal, and only then listed; a segment
// leaves the playlist first and the disk a grace period later.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archive.h"
#include "journal.h"
#include "playlist.h"
#include "defaults.h"
#include "retention.h"
#include "segment.h"
#include "timeline.h"

namespace dvr {

struct RecordingOptions {
  std::string folder;
  std::string playlist_name = kDefaultPlaylistName;
  unsigned segment_duration_s = kDefaultSegmentDuration;
  RetentionPolicy retention;
  int64_t grace_us =
      -1;  // time on disk after leaving the playlist; < 0: 3 target durations
  bool endlist = kDefaultEndlist;  // write EXT-X-ENDLIST when the stream ends
  // Sync the folder and journal at each new segment (the writer syncs the
  // segment itself). Off: a power cut may lose what the kernel had not yet
  // written back; the next open drops listed segments whose files are missing
  // or shorter than recorded.
  bool fsync = kDefaultFsync;
  // A clock this far before the newest footage on disk, on open, cannot be
  // trusted to age footage by (timeline.h).
  int64_t clock_tolerance_us = int64_t{kDefaultClockTolerance} * 1000;
  // A clock before this on open cannot be right either: the recorder gives
  // dvr::build_time_us(); INT64_MIN: no such floor.
  int64_t earliest_plausible_us = INT64_MIN;
};

class RecordingIndex {
 public:
  static constexpr const char *kJournalName = "index.journal";
  // Neither a segment nor a playlist: the launcher and web servers never serve it.
  static constexpr const char *kBadJournalPrefix = "index.journal.bad-";

  // Opens (creating the folder if needed) and recovers what a crash left: loads
  // the journal, removes stale temporaries, applies retention at now_us and
  // rewrites the journal and playlist. A journal it cannot trust (another
  // version, not a journal) is set aside under kBadJournalPrefix<n>, never
  // overwritten. Segment files the journal does not account for (it was lost,
  // or a crash came between rename and journal) are kept as they are, neither
  // listed nor deleted, and numbering goes on above the highest of them. A
  // listed segment whose file is gone leaves the playlist (missing_segments()).
  static std::unique_ptr<RecordingIndex> open(const RecordingOptions &options,
                                              int64_t now_us,
                                              std::string *error);
  ~RecordingIndex();
  RecordingIndex(const RecordingIndex &) = delete;
  RecordingIndex &operator=(const RecordingIndex &) = delete;

  // A fresh hidden name in the folder for the segment about to be written.
  std::string temporary_path();

  // Renames a complete, fsynced temporary file into the recording and lists it.
  // A recording resumed in a folder with history marks its first segment as a
  // discontinuity whatever the caller says.
  bool add_segment(const std::string &temporary, int64_t start_us,
                   int64_t duration_us, uint64_t bytes, bool discontinuity,
                   int64_t now_us, Segment *added, std::string *error);

  // Applies retention and deletes the files whose grace period is over.
  bool expire(int64_t now_us, std::string *error);

  // Makes room after ENOSPC: cuts the grace period short for every pending file,
  // or if none is pending, retires the oldest listed segment at once (the newest
  // always stays). Losing the oldest seconds beats losing the live ones. Returns
  // the bytes freed.
  uint64_t make_room(int64_t now_us, std::string *error);

  // Makes room ahead of the next segments (disk_space.h decides how many):
  // retires the `count` oldest listed segments at once (never the newest) and
  // deletes every file waiting out its grace period. Returns the bytes freed;
  // *retired gets how many listed segments left.
  uint64_t release_oldest(size_t count, int64_t now_us, size_t *retired,
                          std::string *error);
  // The oldest segments on disk in the order they would go: what is left of
  // the archive's oldest hour, then the live window.
  std::deque<Segment> oldest_on_disk();
  // Bytes of the files waiting out their grace period.
  uint64_t pending_bytes() const;

  // The stream ended: the playlist gets EXT-X-ENDLIST if the options ask for it.
  bool end_stream(std::string *error);

  std::string playlist_text() const;
  const std::deque<Segment> &segments() const { return state_.listed; }
  const std::deque<PendingDeletion> &pending() const { return state_.pending; }
  uint64_t next_sequence() const { return state_.next_sequence; }
  uint64_t discontinuity_sequence() const {
    return state_.discontinuity_sequence;
  }
  unsigned target_duration() const;
  const RecordingOptions &options() const { return options_; }
  // True while the folder exists and can be written to: an I/O error then is
  // passing (a full disk), not the end of the recording.
  bool folder_writable() const;
  // Lines of the journal that could not be trusted when it was opened.
  size_t rejected_journal_lines() const { return rejected_on_open_; }
  // The name an untrusted journal was set aside under on open, or empty.
  const std::string &set_aside_journal() const { return set_aside_journal_; }
  // Segment files found on open that the journal does not account for, oldest
  // first: kept on disk, never listed, never deleted by the recorder.
  const std::vector<std::string> &unaccounted_segments() const {
    return unaccounted_;
  }
  // Segments the journal listed whose files were gone on open, or (the newest
  // 256) shorter than recorded, oldest first: no longer listed, and the
  // segment after each starts after a gap.
  const std::vector<std::string> &missing_segments() const { return missing_; }

  // The system clock stepped by delta_us while recording: footage labelled
  // before it ages by the clock after it. It applies to every segment until
  // close_clock_steps() names the first one labelled after the step. It is
  // written down at once: a crash before that segment forgets nothing, since
  // the next open counts every segment then on disk as labelled before it.
  bool clock_stepped(int64_t delta_us, std::string *error);
  // The next segment added is the first labelled after the steps noted so
  // far: they are written to ClockSteps::kFileName, so that the footage before
  // them keeps its age across a restart.
  bool close_clock_steps(std::string *error);
  const ClockSteps &clock_steps() const { return clock_steps_; }
  // False while the clock, on open, was before earliest_plausible_us or before the
  // newest footage on disk: nothing is deleted by age (max-bytes and a full
  // disk still apply) until the clock reaches trusted_from_us().
  bool clock_trusted() const { return trusted_from_us_ == INT64_MIN; }
  int64_t trusted_from_us() const { return trusted_from_us_; }
  // The end of the newest footage found on open, INT64_MIN if none.
  int64_t newest_on_open_us() const { return newest_on_open_us_; }

  // Segments on disk overlapping [from_us, to_us) by wall clock, the archive's
  // included, oldest first.
  std::deque<Segment> segments_between(int64_t from_us, int64_t to_us) const;

  // Every hour with footage on disk, the live window's included.
  const std::map<int64_t, HourSummary> &hours() const { return hours_; }
  // The lowest sequence number still on disk.
  uint64_t first_on_disk() const;
  // Bytes of every segment on disk.
  uint64_t bytes_on_disk() const { return bytes_on_disk_; }

 private:
  explicit RecordingIndex(const RecordingOptions &options);
  std::string path(const std::string &name) const {
    return options_.folder + "/" + name;
  }
  bool append(const std::string &record, std::string *error);
  bool compact(std::string *error);
  bool write_playlist(std::string *error);
  PlaylistHeader playlist_header() const;
  void list_back(const Segment &segment);
  void unlist_front();
  void relist_all();
  bool retire_expired(int64_t now_us, size_t *retired, std::string *error);
  bool set_journal_aside(std::string *error);
  void recover_files();
  void drop_missing(std::vector<uint64_t> on_disk);
  bool unlink_due(size_t count, std::string *error);
  int64_t grace_us() const;
  // The archive: hour journals and their summary.
  bool open_archive(std::string *error);
  bool append_to_hour(const Segment &segment, std::string *error);
  bool write_archive_summary(std::string *error);
  // fdatasync of the open hour journal if it has records not yet on disk.
  bool sync_hour(std::string *error);
  bool load_oldest_hour();
  // A segment left the disk: the hour that holds it follows.
  void forget(uint64_t sequence, uint64_t bytes);
  void remove_hour(int64_t hour);
  bool trim_archive(int64_t now_us, std::string *error);
  uint64_t live_first() const;

  RecordingOptions options_;
  JournalState state_;
  // Kept in step with state_.listed: TARGETDURATION without a scan of the window.
  std::map<unsigned, size_t>
      rounded_durations_;  // EXTINF as players round it -> listed segments
  int journal_fd_ = -1;
  size_t records_since_compaction_ = 0;
  size_t rejected_on_open_ = 0;
  std::string set_aside_journal_;
  std::vector<std::string> unaccounted_;
  std::vector<std::string> missing_;
  uint64_t temporary_counter_ = 0;
  bool gap_pending_ = false;
  bool journal_needs_rewrite_ = false;

  std::map<int64_t, HourSummary> hours_;
  uint64_t bytes_on_disk_ = 0;
  int64_t current_hour_ = INT64_MIN;  // the hour journal open for appending
  int hour_fd_ = -1;
  bool hour_dirty_ = false;
  int64_t oldest_hour_ = INT64_MIN;  // the hour oldest_ holds
  int64_t newest_hour_folder_ = INT64_MIN;
  std::vector<int64_t>
      unjournaled_hours_;       // hour folders whose journal is lost
  std::deque<Segment> oldest_;  // what is left on disk of the oldest hour
  ClockSteps clock_steps_;
  int64_t trusted_from_us_ = INT64_MIN;
  int64_t newest_on_open_us_ = INT64_MIN;
  // now_us, or a time before any footage while the clock cannot be trusted.
  int64_t age_clock(int64_t now_us);
  bool write_clock_steps(std::string *error);
  bool load_clock_steps(std::string *error);
  bool check_clock(int64_t now_us, std::string *error);
};

}  // namespace dvr
