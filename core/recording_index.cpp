#include "recording_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "files.h"
#include "playlist.h"

namespace dvr {

namespace {

constexpr const char *kTemporaryPrefix = ".seg-";
constexpr const char *kTemporarySuffix = ".part";

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

RecordingIndex::RecordingIndex(const RecordingOptions &options)
    : options_(options) {}

RecordingIndex::~RecordingIndex() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
  if (hour_fd_ >= 0) ::close(hour_fd_);
}

int64_t RecordingIndex::grace_us() const {
  if (options_.grace_us >= 0) return options_.grace_us;
  return 3 * static_cast<int64_t>(target_duration()) * 1000000;
}

unsigned RecordingIndex::target_duration() const {
  const unsigned configured =
      options_.segment_duration_s > 0 ? options_.segment_duration_s : 1;
  return rounded_durations_.empty()
             ? configured
             : std::max(configured, rounded_durations_.rbegin()->first);
}

void RecordingIndex::list_back(const Segment &segment) {
  state_.listed.push_back(segment);
  rounded_durations_[rounded_extinf_s(segment.duration_us)]++;
}

void RecordingIndex::unlist_front() {
  const auto it = rounded_durations_.find(
      rounded_extinf_s(state_.listed.front().duration_us));
  if (it != rounded_durations_.end() && --it->second == 0)
    rounded_durations_.erase(it);
  state_.listed.pop_front();
}

void RecordingIndex::relist_all() {
  rounded_durations_.clear();
  for (const Segment &s : state_.listed)
    rounded_durations_[rounded_extinf_s(s.duration_us)]++;
}

std::unique_ptr<RecordingIndex> RecordingIndex::open(
    const RecordingOptions &options, int64_t now_us, std::string *error) {
  std::unique_ptr<RecordingIndex> index(new RecordingIndex(options));
  if (!make_directories(options.folder, error)) return nullptr;
  if (::access(options.folder.c_str(), W_OK) != 0) {
    if (error)
      *error =
          "cannot write to folder " + options.folder + ": " + errno_text(errno);
    return nullptr;
  }
  if (!read_journal_file(index->path(kJournalName), &index->state_, error))
    return nullptr;
  index->rejected_on_open_ = index->state_.rejected;
  // Compaction would overwrite it: keep it for a person to look at instead.
  if (index->state_.untrusted && !index->set_journal_aside(error))
    return nullptr;
  index->relist_all();
  // A resumed recording goes on live: ENDLIST would stop players from reloading.
  index->state_.ended = false;
  if (!index->open_archive(error)) return nullptr;
  index->recover_files();
  index->gap_pending_ = index->state_.next_sequence > 0;
  if (!index->load_clock_steps(error)) return nullptr;
  // Compacting now also drops a torn last line, which a later append would extend.
  if (!index->compact(error)) return nullptr;
  if (!index->check_clock(now_us, error)) return nullptr;
  if (!index->expire(now_us, error)) return nullptr;
  if (!index->state_.listed.empty() && !index->write_playlist(error))
    return nullptr;
  return index;
}

bool RecordingIndex::load_clock_steps(std::string *error) {
  std::ifstream in(path(ClockSteps::kFileName));
  if (!in) return true;
  std::stringstream text;
  text << in.rdbuf();
  clock_steps_ = ClockSteps::parse(text.str());
  // A step left open by a crash: every segment on disk was labelled before
  // it, and this run labels its own on the clock after it.
  return close_clock_steps(error);
}

bool RecordingIndex::check_clock(int64_t now_us, std::string *error) {
  // Steps that no segment on disk was labelled before no longer matter.
  const size_t before = clock_steps_.steps().size();
  clock_steps_.forget_before(first_on_disk());
  if (clock_steps_.steps().size() != before && !write_clock_steps(error))
    return false;
  int64_t newest = INT64_MIN;
  if (!state_.listed.empty()) {
    const Segment &s = state_.listed.back();
    newest = s.end_us() + clock_steps_.offset_for(s.sequence);
  } else if (!hours_.empty()) {
    newest = hours_.rbegin()->first;
  }
  newest_on_open_us_ = newest;
  trusted_from_us_ = clock_trusted_from(now_us, options_.earliest_plausible_us,
                                        newest, options_.clock_tolerance_us);
  return true;
}

int64_t RecordingIndex::age_clock(int64_t now_us) {
  if (trusted_from_us_ != INT64_MIN && now_us >= trusted_from_us_)
    trusted_from_us_ = INT64_MIN;
  // Far enough before any footage that nothing is old, far enough from the
  // limits that no horizon overflows.
  return trusted_from_us_ == INT64_MIN ? now_us : INT64_MIN / 4;
}

bool RecordingIndex::clock_stepped(int64_t delta_us, std::string *error) {
  clock_steps_.open_step(delta_us);
  // A file waiting out its grace keeps it in time that passes: a player that
  // just read the playlist may still fetch it. (Across a restart the grace
  // is over anyway.)
  if (delta_us > 0)
    for (PendingDeletion &p : state_.pending) p.due_us += delta_us;
  return write_clock_steps(error);
}

bool RecordingIndex::close_clock_steps(std::string *error) {
  if (!clock_steps_.has_open()) return true;
  clock_steps_.close(state_.next_sequence);
  return write_clock_steps(error);
}

bool RecordingIndex::write_clock_steps(std::string *error) {
  const std::string file = path(ClockSteps::kFileName);
  if (clock_steps_.steps().empty()) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      if (error) *error = "cannot delete " + file + ": " + errno_text(errno);
      return false;
    }
    return true;
  }
  return replace_file_atomically(file, clock_steps_.text(), options_.fsync,
                                 error);
}

bool RecordingIndex::set_journal_aside(std::string *error) {
  const std::vector<std::string> names = list_folder(options_.folder);
  for (unsigned n = 1;; n++) {
    const std::string name = kBadJournalPrefix + std::to_string(n);
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    if (::rename(path(kJournalName).c_str(), path(name).c_str()) != 0) {
      if (error)
        *error = "cannot set aside " + path(kJournalName) + " as " + name +
                 ": " + errno_text(errno);
      return false;
    }
    if (!fsync_directory(options_.folder, error)) return false;
    set_aside_journal_ = name;
    state_ = JournalState();
    return true;
  }
}

void RecordingIndex::recover_files() {
  uint64_t highest_on_disk = 0;
  bool any_on_disk = false;
  std::vector<uint64_t> tracked;
  for (const Segment &s : state_.listed) tracked.push_back(s.sequence);
  for (const PendingDeletion &p : state_.pending) tracked.push_back(p.sequence);
  std::sort(tracked.begin(), tracked.end());
  std::vector<std::pair<uint64_t, std::string>> unaccounted;
  std::vector<uint64_t> on_disk;
  // The hour folders the window and the pending deletions use, and the newest
  // one, where a crash between rename and journal leaves its file: never a
  // scan of the whole archive.
  std::vector<std::string> hour_dirs;
  for (const Segment &s : state_.listed) {
    const size_t slash = s.filename.rfind('/');
    if (slash != std::string::npos)
      hour_dirs.push_back(s.filename.substr(0, slash));
  }
  for (const PendingDeletion &p : state_.pending) {
    const size_t slash = p.filename.rfind('/');
    if (slash != std::string::npos)
      hour_dirs.push_back(p.filename.substr(0, slash));
  }
  if (!hours_.empty()) hour_dirs.push_back(hour_folder(hours_.rbegin()->first));
  if (newest_hour_folder_ != INT64_MIN)
    hour_dirs.push_back(hour_folder(newest_hour_folder_));
  for (int64_t hour : unjournaled_hours_)
    hour_dirs.push_back(hour_folder(hour));
  std::sort(hour_dirs.begin(), hour_dirs.end());
  hour_dirs.erase(std::unique(hour_dirs.begin(), hour_dirs.end()),
                  hour_dirs.end());
  uint64_t archived_last = 0;
  for (const auto &[start, h] : hours_)
    archived_last = std::max(archived_last, h.last_sequence);
  if (!hours_.empty() && archived_last + 1 > state_.next_sequence)
    state_.next_sequence = archived_last + 1;
  for (const std::string &dir : hour_dirs) {
    int64_t hour = 0;
    if (!parse_hour_folder(dir, &hour)) continue;
    const auto summary = hours_.find(hour);
    for (const std::string &name : list_folder(path(dir))) {
      uint64_t seq;
      if (!parse_segment_filename(name, &seq)) continue;
      any_on_disk = true;
      on_disk.push_back(seq);
      if (seq > highest_on_disk) highest_on_disk = seq;
      const bool journaled = summary != hours_.end() &&
                             seq >= summary->second.first_sequence &&
                             seq <= summary->second.last_sequence;
      if (!journaled &&
          !std::binary_search(tracked.begin(), tracked.end(), seq))
        unaccounted.emplace_back(seq, dir + "/" + name);
    }
  }
  for (const std::string &name : list_folder(options_.folder)) {
    if (starts_with(name, kTemporaryPrefix) &&
        ends_with(name, kTemporarySuffix)) {
      // A segment cut short by a crash: never listed, never complete.
      ::unlink(path(name).c_str());
      continue;
    }
    if (name == "." + options_.playlist_name + ".tmp" ||
        name == std::string(".") + kJournalName + ".tmp") {
      ::unlink(path(name).c_str());
      continue;
    }
    uint64_t seq;
    if (!parse_segment_filename(name, &seq)) continue;
    any_on_disk = true;
    on_disk.push_back(seq);
    if (seq > highest_on_disk) highest_on_disk = seq;
    if (!std::binary_search(tracked.begin(), tracked.end(), seq))
      unaccounted.emplace_back(seq, name);
  }
  // Complete footage the journal lost, or renamed just before a crash kept it
  // from being journaled: without its record it has no place in time, so it is
  // not listed, but it is the camera owner's recording and stays on disk.
  std::sort(unaccounted.begin(), unaccounted.end());
  unaccounted_.clear();
  for (const auto &u : unaccounted) unaccounted_.push_back(u.second);
  drop_missing(std::move(on_disk));
  // Names must never be reused, even if the journal was lost.
  if (any_on_disk && highest_on_disk + 1 > state_.next_sequence) {
    state_.next_sequence = highest_on_disk + 1;
  }
}

void RecordingIndex::drop_missing(std::vector<uint64_t> on_disk) {
  // A listed segment whose file is gone (deleted by hand, lost with a disk)
  // would send every player to a 404 and stall it there: it leaves the
  // playlist, and the one after it starts after a gap. So does one shorter
  // than recorded, which only the newest can be: written back by the kernel
  // after it was journaled (fsync off) when the power went.
  constexpr size_t kNewestSized = 256;
  std::sort(on_disk.begin(), on_disk.end());
  missing_.clear();
  std::deque<Segment> kept;
  bool gap = false;
  const size_t sized_from = state_.listed.size() > kNewestSized
                                ? state_.listed.size() - kNewestSized
                                : 0;
  size_t i = 0;
  for (Segment &s : state_.listed) {
    struct stat st;
    const bool sized = i++ >= sized_from;
    if (!std::binary_search(on_disk.begin(), on_disk.end(), s.sequence) ||
        (sized && (::stat(path(s.filename).c_str(), &st) != 0 ||
                   static_cast<uint64_t>(st.st_size) < s.bytes))) {
      missing_.push_back(s.filename);
      gap = true;
      continue;
    }
    if (gap) s.discontinuity = true;
    gap = false;
    kept.push_back(s);
  }
  if (missing_.empty()) return;
  state_.listed = std::move(kept);
  relist_all();
}

bool RecordingIndex::folder_writable() const {
  struct stat st;
  return ::stat(options_.folder.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::access(options_.folder.c_str(), W_OK) == 0;
}

std::string RecordingIndex::temporary_path() {
  char name[64];
  std::snprintf(name, sizeof name, "%s%ld-%" PRIu64 "%s", kTemporaryPrefix,
                static_cast<long>(::getpid()), temporary_counter_++,
                kTemporarySuffix);
  return path(name);
}

bool RecordingIndex::append(const std::string &record, std::string *error) {
  // After a failed write (a torn line may be left) or once enough records piled up.
  if (journal_needs_rewrite_ && !compact(error)) return false;
  if (journal_fd_ < 0) {
    journal_fd_ =
        ::open(path(kJournalName).c_str(),
               O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (journal_fd_ < 0) {
      if (error)
        *error = "cannot open " + path(kJournalName) + ": " + errno_text(errno);
      return false;
    }
  }
  const char *data = record.data();
  size_t left = record.size();
  while (left > 0) {
    ssize_t n = ::write(journal_fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (error)
        *error =
            "cannot write " + path(kJournalName) + ": " + errno_text(errno);
      ::close(journal_fd_);
      journal_fd_ = -1;
      journal_needs_rewrite_ = true;
      return false;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (options_.fsync && ::fdatasync(journal_fd_) != 0) {
    if (error)
      *error = "cannot sync " + path(kJournalName) + ": " + errno_text(errno);
    journal_needs_rewrite_ = true;
    return false;
  }
  records_since_compaction_++;
  // Compact before the next record, not now: the caller applies this one to state_
  // only after it is written, so a snapshot taken here would leave it out.
  if (records_since_compaction_ >
      2 * (state_.listed.size() + state_.pending.size()) + 64)
    journal_needs_rewrite_ = true;
  return true;
}

bool RecordingIndex::compact(std::string *error) {
  if (journal_fd_ >= 0) {
    ::close(journal_fd_);
    journal_fd_ = -1;
  }
  if (!replace_file_atomically(path(kJournalName), journal_snapshot(state_),
                               true, error))
    return false;
  journal_needs_rewrite_ = false;
  records_since_compaction_ = 0;
  return true;
}

bool RecordingIndex::write_playlist(std::string *error) {
  // Derived from the journal, so a crash may lose it: no fsync on this path.
  return replace_file_atomically(path(options_.playlist_name), playlist_text(),
                                 false, error);
}

PlaylistHeader RecordingIndex::playlist_header() const {
  PlaylistHeader header;
  header.target_duration_s = target_duration();
  header.media_sequence = state_.listed.empty()
                              ? state_.next_sequence
                              : state_.listed.front().sequence;
  header.discontinuity_sequence = state_.discontinuity_sequence;
  header.endlist = state_.ended && options_.endlist;
  return header;
}

std::string RecordingIndex::playlist_text() const {
  return render_playlist(state_.listed, playlist_header());
}

bool RecordingIndex::add_segment(const std::string &temporary, int64_t start_us,
                                 int64_t duration_us, uint64_t bytes,
                                 bool discontinuity, int64_t now_us,
                                 Segment *added, std::string *error) {
  Segment s;
  s.sequence = state_.next_sequence;
  s.filename = dated_segment_path(s.sequence, start_us);
  s.start_us = start_us;
  s.duration_us = duration_us < 0 ? 0 : duration_us;
  s.bytes = bytes;
  s.discontinuity = discontinuity || gap_pending_;
  const std::string hour_dir = path(hour_folder(start_us));
  const bool new_hour = hour_start_us(start_us) != current_hour_ &&
                        ::access(hour_dir.c_str(), F_OK) != 0;
  if (new_hour) {
    if (!make_directories(hour_dir, error)) return false;
    // The new folders' entries must reach the disk before a name inside them does.
    if (options_.fsync &&
        !(fsync_directory(hour_dir.substr(0, hour_dir.rfind('/')), error) &&
          fsync_directory(options_.folder, error)))
      return false;
  }
  if (::rename(temporary.c_str(), path(s.filename).c_str()) != 0) {
    if (error)
      *error = "cannot rename " + temporary + " to " + path(s.filename) + ": " +
               errno_text(errno);
    return false;
  }
  if (options_.fsync && !fsync_directory(hour_dir, error)) return false;
  if (!append(journal_segment_record(s), error)) {
    // Not journaled, so never listed: no player can be reading it.
    // Its number is reused by the next segment, so listed numbers stay contiguous.
    ::unlink(path(s.filename).c_str());
    return false;
  }
  state_.next_sequence = s.sequence + 1;
  state_.ended = false;
  gap_pending_ = false;
  list_back(s);
  if (added) *added = s;
  // The live journal has it: a lost hour record is put back on the next open.
  std::string hour_error;
  if (!append_to_hour(s, &hour_error) && error) *error = hour_error;
  // One playlist write for the new segment and the ones leaving with it: at a
  // week's window each write is tens of MiB. Files are unlinked only after it.
  std::string expire_error;
  size_t retired = 0;
  bool expired = retire_expired(now_us, &retired, &expire_error);
  if (!write_playlist(error)) return false;
  if (expired)
    expired = unlink_due(deletions_due(state_.pending, now_us), &expire_error);
  if (!expired && error) *error = expire_error;
  return expired;
}

bool RecordingIndex::retire_expired(int64_t now_us, size_t *retired,
                                    std::string *error) {
  size_t leaving = 0;
  // Pending deletions keep their own clock; what ages by the labels is below.
  const int64_t age_us = age_clock(now_us);
  if (options_.retention.keeps_archive()) {
    // Leaving the live playlist is not leaving the disk: the hour journals keep it.
    RetentionPolicy window_only = options_.retention;
    window_only.max_bytes = 0;
    const size_t archived =
        segments_to_expire(state_.listed, window_only, age_us, &clock_steps_);
    // The hour journal must hold what the live journal is about to forget.
    if (archived > 0 && !sync_hour(error)) return false;
    for (size_t i = 0; i < archived; i++) {
      if (!append(journal_retired_record(state_.listed.front().sequence),
                  error))
        return false;
      if (state_.listed.front().discontinuity) state_.discontinuity_sequence++;
      unlist_front();
      (*retired)++;
    }
    if (!trim_archive(age_us, error)) return false;
    // Over max-bytes with no archive left to give: the window itself shrinks.
    if (options_.retention.max_bytes > 0 &&
        bytes_on_disk_ > options_.retention.max_bytes) {
      RetentionPolicy bytes_only;
      bytes_only.window_s = 0;
      bytes_only.max_bytes = options_.retention.max_bytes;
      leaving =
          segments_to_expire(state_.listed, bytes_only, age_us, &clock_steps_);
    }
  } else {
    leaving = segments_to_expire(state_.listed, options_.retention, age_us,
                                 &clock_steps_);
  }
  const int64_t due = now_us + grace_us();
  for (size_t i = 0; i < leaving; i++) {
    const Segment &s = state_.listed.front();
    if (!append(journal_expired_record(s.sequence, due), error)) return false;
    if (s.discontinuity) state_.discontinuity_sequence++;
    state_.pending.push_back(
        PendingDeletion{s.sequence, s.filename, s.bytes, due});
    unlist_front();
    (*retired)++;
  }
  return true;
}

bool RecordingIndex::expire(int64_t now_us, std::string *error) {
  size_t retired = 0;
  bool ok = retire_expired(now_us, &retired, error);
  // Players must stop asking for them before they go.
  if (retired > 0 && ok) ok = write_playlist(error);
  if (!ok) return false;
  return unlink_due(deletions_due(state_.pending, now_us), error);
}

bool RecordingIndex::unlink_due(size_t count, std::string *error) {
  bool ok = true;
  for (size_t i = 0; i < count; i++) {
    const PendingDeletion p = state_.pending.front();
    if (::unlink(path(p.filename).c_str()) != 0 && errno != ENOENT) {
      // Not fatal: the file stays where it is and is no longer ours to track.
      if (error && ok)
        *error = "cannot delete " + path(p.filename) + ": " + errno_text(errno);
      ok = false;
    }
    state_.pending.pop_front();
    std::string ignored;
    append(journal_deleted_record(p.sequence), &ignored);
    forget(p.sequence, p.bytes);
  }
  return ok;
}

uint64_t RecordingIndex::make_room(int64_t now_us, std::string *error) {
  // The archive's oldest footage goes before anything a live player may read.
  if (load_oldest_hour() && oldest_.front().sequence < live_first()) {
    const Segment s = oldest_.front();
    if (::unlink(path(s.filename).c_str()) != 0 && errno != ENOENT && error)
      *error = "cannot delete " + path(s.filename) + ": " + errno_text(errno);
    forget(s.sequence, s.bytes);
    return s.bytes;
  }
  if (state_.pending.empty() && state_.listed.size() > 1) {
    const Segment &s = state_.listed.front();
    if (!append(journal_expired_record(s.sequence, now_us), error)) return 0;
    if (s.discontinuity) state_.discontinuity_sequence++;
    state_.pending.push_back(
        PendingDeletion{s.sequence, s.filename, s.bytes, now_us});
    unlist_front();
    // Players must stop asking for it before it goes.
    if (!write_playlist(error)) return 0;
  }
  uint64_t freed = 0;
  for (const PendingDeletion &p : state_.pending) freed += p.bytes;
  unlink_due(state_.pending.size(), error);
  return freed;
}

std::deque<Segment> RecordingIndex::oldest_on_disk() {
  std::deque<Segment> out;
  if (load_oldest_hour()) {
    const uint64_t first_live = live_first();
    for (const Segment &s : oldest_) {
      if (s.sequence >= first_live) break;
      out.push_back(s);
    }
  }
  out.insert(out.end(), state_.listed.begin(), state_.listed.end());
  return out;
}

uint64_t RecordingIndex::release_oldest(size_t count, int64_t now_us,
                                        size_t *retired, std::string *error) {
  // Files already out of the playlist go first: on a disk too full even for a
  // journal line, they are the room the records below need.
  uint64_t freed = pending_bytes();
  unlink_due(state_.pending.size(), error);
  size_t left = 0;
  // Then the archive's oldest, which no live player is reading.
  while (left < count && load_oldest_hour() &&
         oldest_.front().sequence < live_first()) {
    const Segment s = oldest_.front();
    if (::unlink(path(s.filename).c_str()) != 0 && errno != ENOENT && error)
      *error = "cannot delete " + path(s.filename) + ": " + errno_text(errno);
    forget(s.sequence, s.bytes);
    freed += s.bytes;
    left++;
  }
  if (left == count) {
    if (retired) *retired = left;
    return freed;
  }
  while (left < count && state_.listed.size() > 1) {
    const Segment &s = state_.listed.front();
    if (!append(journal_expired_record(s.sequence, now_us), error)) break;
    if (s.discontinuity) state_.discontinuity_sequence++;
    state_.pending.push_back(
        PendingDeletion{s.sequence, s.filename, s.bytes, now_us});
    unlist_front();
    left++;
  }
  if (retired) *retired = left;
  if (left == 0) return freed;
  // Players must stop asking for them before they go. If even the playlist
  // cannot be written, they go anyway: the newest footage wins.
  write_playlist(error);
  freed += pending_bytes();
  unlink_due(state_.pending.size(), error);
  return freed;
}

uint64_t RecordingIndex::pending_bytes() const {
  uint64_t bytes = 0;
  for (const PendingDeletion &p : state_.pending) bytes += p.bytes;
  return bytes;
}

bool RecordingIndex::end_stream(std::string *error) {
  if (state_.listed.empty()) return true;
  if (!append(journal_ended_record(), error)) return false;
  state_.ended = true;
  return write_playlist(error);
}

std::deque<Segment> RecordingIndex::segments_between(int64_t from_us,
                                                     int64_t to_us) const {
  std::deque<Segment> out;
  const uint64_t floor = first_on_disk();
  for (const auto &[hour, summary] : hours_) {
    if (hour + kHourUs + kHourUs <= from_us || hour >= to_us) continue;
    std::deque<Segment> segments;
    if (!read_hour_journal(hour_journal_path(options_.folder, hour), &segments,
                           nullptr))
      continue;
    for (Segment &s : segments) {
      if (s.sequence >= floor && s.end_us() > from_us && s.start_us < to_us)
        out.push_back(std::move(s));
    }
  }
  // Segments listed before the day/hour folders, not yet in an hour journal.
  for (const Segment &s : state_.listed) {
    if (s.end_us() > from_us && s.start_us < to_us &&
        s.filename.find('/') == std::string::npos)
      out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const Segment &a, const Segment &b) {
    return a.sequence < b.sequence;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Segment &a, const Segment &b) {
                          return a.sequence == b.sequence;
                        }),
            out.end());
  return out;
}

uint64_t RecordingIndex::live_first() const {
  uint64_t first = state_.listed.empty() ? state_.next_sequence
                                         : state_.listed.front().sequence;
  if (!state_.pending.empty())
    first = std::min(first, state_.pending.front().sequence);
  return first;
}

uint64_t RecordingIndex::first_on_disk() const {
  if (!oldest_.empty()) return oldest_.front().sequence;
  uint64_t first = live_first();
  for (const auto &[hour, h] : hours_)
    first = std::min(first, h.first_sequence);
  return first;
}

bool RecordingIndex::open_archive(std::string *error) {
  std::map<int64_t, HourSummary> summarized;
  const bool had_summary = read_archive_summary(options_.folder, &summarized);
  const std::vector<int64_t> folders = list_hour_folders(options_.folder);
  if (!folders.empty()) newest_hour_folder_ = folders.back();
  bool rewrite = !had_summary && !folders.empty();
  for (int64_t hour : folders) {
    auto it = summarized.find(hour);
    if (it != summarized.end()) {
      hours_[hour] = it->second;
      continue;
    }
    // Not summarised: the hour that was being written, or a summary lost in a crash.
    std::deque<Segment> segments;
    if (!read_hour_journal(hour_journal_path(options_.folder, hour), &segments,
                           error))
      return false;
    if (segments.empty()) {
      unjournaled_hours_.push_back(hour);
      continue;
    }
    hours_[hour] = summarize_hour(hour, segments);
    rewrite = true;
  }
  if (summarized.size() > hours_.size())
    rewrite = true;  // hours whose folders are gone
  // Listed segments every hour journal should hold: recordings made before the
  // day/hour folders, and records an unsynced append lost.
  for (const Segment &s : state_.listed) {
    const int64_t hour = hour_start_us(s.start_us);
    auto it = hours_.find(hour);
    if (it != hours_.end() && s.sequence <= it->second.last_sequence) continue;
    if (!append_to_hour(s, error)) return false;
    rewrite = true;
  }
  for (const auto &[hour, h] : hours_) bytes_on_disk_ += h.bytes;
  // Files retention already removed from the oldest hour.
  if (load_oldest_hour()) {
    const HourSummary &h = hours_[oldest_hour_];
    bytes_on_disk_ -= h.bytes;
    hours_[oldest_hour_] = summarize_hour(oldest_hour_, oldest_);
    bytes_on_disk_ += hours_[oldest_hour_].bytes;
  }
  for (const PendingDeletion &p : state_.pending) {
    if (p.filename.find('/') == std::string::npos) bytes_on_disk_ += p.bytes;
  }
  if (rewrite && !write_archive_summary(error)) return false;
  return true;
}

bool RecordingIndex::append_to_hour(const Segment &s, std::string *error) {
  const int64_t hour = hour_start_us(s.start_us);
  if (hour != current_hour_ || hour_fd_ < 0) {
    std::string sync_error;
    if (!sync_hour(&sync_error) && error) *error = sync_error;
    if (hour_fd_ >= 0) ::close(hour_fd_);
    hour_fd_ = -1;
    const int64_t previous = current_hour_;
    current_hour_ = hour;
    // The hour before is over: its summary line lets a restart skip its journal.
    if (previous != INT64_MIN && previous != hour &&
        !write_archive_summary(error))
      return false;
    const std::string dir = path(hour_folder(hour));
    if (!make_directories(dir, error)) return false;
    const std::string file = dir + "/" + kHourJournalName;
    hour_fd_ =
        ::open(file.c_str(),
               O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (hour_fd_ < 0) {
      if (error) *error = "cannot open " + file + ": " + errno_text(errno);
      return false;
    }
    struct stat st;
    if (::fstat(hour_fd_, &st) == 0 && st.st_size == 0) {
      const std::string magic = journal_magic_line();
      if (::write(hour_fd_, magic.data(), magic.size()) !=
          static_cast<ssize_t>(magic.size())) {
        if (error) *error = "cannot write " + file + ": " + errno_text(errno);
        ::close(hour_fd_);
        hour_fd_ = -1;
        return false;
      }
    }
  }
  // Not synced here: the live journal has the segment, and an open puts back
  // what an hour journal lost. It is synced before the live journal forgets it.
  const std::string record = journal_segment_record(s);
  if (::write(hour_fd_, record.data(), record.size()) !=
      static_cast<ssize_t>(record.size())) {
    if (error)
      *error = "cannot write " + path(hour_folder(hour)) + "/" +
               kHourJournalName + ": " + errno_text(errno);
    ::close(hour_fd_);
    hour_fd_ = -1;
    return false;
  }
  hour_dirty_ = options_.fsync;
  HourSummary &h = hours_[hour];
  h.hour_start_us = hour;
  add_to_summary(&h, s);
  // The oldest hour may still be the one being written.
  if (hour == oldest_hour_ && !oldest_.empty()) oldest_.push_back(s);
  bytes_on_disk_ += s.bytes;
  return true;
}

bool RecordingIndex::sync_hour(std::string *error) {
  if (!hour_dirty_ || hour_fd_ < 0) return true;
  if (::fdatasync(hour_fd_) != 0) {
    if (error)
      *error = "cannot sync " + path(hour_folder(current_hour_)) + "/" +
               kHourJournalName + ": " + errno_text(errno);
    return false;
  }
  hour_dirty_ = false;
  return true;
}

bool RecordingIndex::write_archive_summary(std::string *error) {
  // Every hour but the one being written, which a restart reads whole.
  std::map<int64_t, HourSummary> closed = hours_;
  if (current_hour_ != INT64_MIN) closed.erase(current_hour_);
  return replace_file_atomically(path(kArchiveSummaryName),
                                 archive_summary_text(closed), options_.fsync,
                                 error);
}

bool RecordingIndex::load_oldest_hour() {
  if (!oldest_.empty()) return true;
  while (!hours_.empty()) {
    // Oldest by sequence: after a clock step the labels may disagree.
    auto oldest = hours_.begin();
    for (auto it = hours_.begin(); it != hours_.end(); ++it) {
      if (it->second.first_sequence < oldest->second.first_sequence)
        oldest = it;
    }
    oldest_hour_ = oldest->first;
    std::deque<Segment> segments;
    read_hour_journal(hour_journal_path(options_.folder, oldest_hour_),
                      &segments, nullptr);
    // Segments leave the disk oldest first: skip the ones already gone.
    while (!segments.empty()) {
      struct stat st;
      if (::stat(path(segments.front().filename).c_str(), &st) == 0) break;
      segments.pop_front();
    }
    if (!segments.empty()) {
      oldest_ = std::move(segments);
      return true;
    }
    // Nothing of it left: the hour goes.
    remove_hour(oldest_hour_);
  }
  return false;
}

void RecordingIndex::remove_hour(int64_t hour) {
  auto it = hours_.find(hour);
  if (it == hours_.end()) return;
  bytes_on_disk_ -= std::min(bytes_on_disk_, it->second.bytes);
  const std::string dir = path(hour_folder(hour));
  ::unlink((dir + "/" + kHourJournalName).c_str());
  // Left alone when something else is in them: only the recorder's own files go.
  ::rmdir(dir.c_str());
  ::rmdir(dir.substr(0, dir.rfind('/')).c_str());
  hours_.erase(it);
  if (hour == oldest_hour_) {
    oldest_.clear();
    oldest_hour_ = INT64_MIN;
  }
  if (hour == current_hour_) {
    if (hour_fd_ >= 0) ::close(hour_fd_);
    hour_fd_ = -1;
    current_hour_ = INT64_MIN;
  }
  std::string ignored;
  write_archive_summary(&ignored);
}

void RecordingIndex::forget(uint64_t sequence, uint64_t bytes) {
  auto it = hours_.end();
  if (oldest_hour_ != INT64_MIN && !oldest_.empty()) {
    auto o = hours_.find(oldest_hour_);
    if (o != hours_.end() && sequence >= o->second.first_sequence &&
        sequence <= o->second.last_sequence)
      it = o;
  }
  for (auto h = hours_.begin(); it == hours_.end() && h != hours_.end(); ++h) {
    if (sequence >= h->second.first_sequence &&
        sequence <= h->second.last_sequence)
      it = h;
  }
  if (it == hours_.end()) return;
  const int64_t hour = it->first;
  if (hour == oldest_hour_ && !oldest_.empty()) {
    auto seg =
        std::find_if(oldest_.begin(), oldest_.end(),
                     [&](const Segment &s) { return s.sequence == sequence; });
    if (seg == oldest_.end()) return;
    oldest_.erase(seg);
    const uint64_t before = it->second.bytes;
    it->second = summarize_hour(hour, oldest_);
    bytes_on_disk_ -=
        std::min(bytes_on_disk_, before - std::min(before, it->second.bytes));
    if (oldest_.empty()) remove_hour(hour);
    return;
  }
  // Out of order (an hour that is not the oldest): its counts follow, its spans
  // are redrawn once it is the oldest.
  HourSummary &h = it->second;
  h.count = h.count > 0 ? h.count - 1 : 0;
  const uint64_t freed = std::min(h.bytes, bytes);
  h.bytes -= freed;
  bytes_on_disk_ -= std::min(bytes_on_disk_, freed);
  if (sequence == h.first_sequence && h.first_sequence < h.last_sequence)
    h.first_sequence++;
  if (h.count == 0) remove_hour(hour);
}

bool RecordingIndex::trim_archive(int64_t now_us, std::string *error) {
  const RetentionPolicy &policy = options_.retention;
  const int64_t horizon = policy.retention_s > 0
                              ? now_us - policy.retention_s * 1000000
                              : INT64_MIN;
  bool ok = true;
  while (load_oldest_hour()) {
    const Segment s = oldest_.front();
    if (s.sequence >= live_first()) break;
    const bool too_old =
        s.end_us() + clock_steps_.offset_for(s.sequence) < horizon;
    const bool too_big =
        policy.max_bytes > 0 && bytes_on_disk_ > policy.max_bytes;
    if (!too_old && !too_big) break;
    if (::unlink(path(s.filename).c_str()) != 0 && errno != ENOENT) {
      if (ok && error)
        *error = "cannot delete " + path(s.filename) + ": " + errno_text(errno);
      ok = false;
    }
    forget(s.sequence, s.bytes);
  }
  return ok;
}

}  // namespace dvr
