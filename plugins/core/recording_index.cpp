#include "recording_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "files.h"
#include "playlist.h"

namespace dvr {

namespace {

constexpr const char* kTemporaryPrefix = ".seg-";
constexpr const char* kTemporarySuffix = ".part";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> list_folder(const std::string& folder) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return names;
  while (struct dirent* entry = ::readdir(dir)) names.emplace_back(entry->d_name);
  ::closedir(dir);
  return names;
}

bool read_journal(const std::string& file, JournalState* state, std::string* error) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  JournalParser parser;
  if (fd < 0) {
    if (errno == ENOENT) {
      *state = parser.finish();
      return true;
    }
    if (error) *error = "cannot read " + file + ": " + errno_text(errno);
    return false;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      if (error) *error = "cannot read " + file + ": " + errno_text(err);
      return false;
    }
    if (n == 0) break;
    parser.feed(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  *state = parser.finish();
  return true;
}

}  // namespace

RecordingIndex::RecordingIndex(const RecordingOptions& options) : options_(options) {}

RecordingIndex::~RecordingIndex() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

int64_t RecordingIndex::grace_us() const {
  if (options_.grace_us >= 0) return options_.grace_us;
  return 3 * static_cast<int64_t>(target_duration()) * 1000000;
}

unsigned RecordingIndex::target_duration() const {
  const unsigned configured = options_.segment_duration_s > 0 ? options_.segment_duration_s : 1;
  return rounded_durations_.empty() ? configured : std::max(configured, rounded_durations_.rbegin()->first);
}

void RecordingIndex::list_back(const Segment& segment) {
  state_.listed.push_back(segment);
  rounded_durations_[rounded_extinf_s(segment.duration_us)]++;
}

void RecordingIndex::unlist_front() {
  const auto it = rounded_durations_.find(rounded_extinf_s(state_.listed.front().duration_us));
  if (it != rounded_durations_.end() && --it->second == 0) rounded_durations_.erase(it);
  state_.listed.pop_front();
}

void RecordingIndex::relist_all() {
  rounded_durations_.clear();
  for (const Segment& s : state_.listed) rounded_durations_[rounded_extinf_s(s.duration_us)]++;
}

std::unique_ptr<RecordingIndex> RecordingIndex::open(const RecordingOptions& options, int64_t now_us,
                                                     std::string* error) {
  std::unique_ptr<RecordingIndex> index(new RecordingIndex(options));
  if (!make_directories(options.folder, error)) return nullptr;
  if (::access(options.folder.c_str(), W_OK) != 0) {
    if (error) *error = "cannot write to folder " + options.folder + ": " + errno_text(errno);
    return nullptr;
  }
  if (!read_journal(index->path(kJournalName), &index->state_, error)) return nullptr;
  index->rejected_on_open_ = index->state_.rejected;
  // Compaction would overwrite it: keep it for a person to look at instead.
  if (index->state_.untrusted && !index->set_journal_aside(error)) return nullptr;
  index->relist_all();
  // A resumed recording goes on live: ENDLIST would stop players from reloading.
  index->state_.ended = false;
  index->recover_files();
  index->gap_pending_ = index->state_.next_sequence > 0;
  // Compacting now also drops a torn last line, which a later append would extend.
  if (!index->compact(error)) return nullptr;
  if (!index->expire(now_us, error)) return nullptr;
  if (!index->state_.listed.empty() && !index->write_playlist(error)) return nullptr;
  return index;
}

bool RecordingIndex::set_journal_aside(std::string* error) {
  const std::vector<std::string> names = list_folder(options_.folder);
  for (unsigned n = 1;; n++) {
    const std::string name = kBadJournalPrefix + std::to_string(n);
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    if (::rename(path(kJournalName).c_str(), path(name).c_str()) != 0) {
      if (error) *error = "cannot set aside " + path(kJournalName) + " as " + name + ": " + errno_text(errno);
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
  for (const Segment& s : state_.listed) tracked.push_back(s.sequence);
  for (const PendingDeletion& p : state_.pending) tracked.push_back(p.sequence);
  std::sort(tracked.begin(), tracked.end());
  std::vector<std::pair<uint64_t, std::string>> unaccounted;
  std::vector<uint64_t> on_disk;
  for (const std::string& name : list_folder(options_.folder)) {
    if (starts_with(name, kTemporaryPrefix) && ends_with(name, kTemporarySuffix)) {
      // A segment cut short by a crash: never listed, never complete.
      ::unlink(path(name).c_str());
      continue;
    }
    if (name == "." + options_.playlist_name + ".tmp" || name == std::string(".") + kJournalName + ".tmp") {
      ::unlink(path(name).c_str());
      continue;
    }
    uint64_t seq;
    if (!parse_segment_filename(name, &seq)) continue;
    any_on_disk = true;
    on_disk.push_back(seq);
    if (seq > highest_on_disk) highest_on_disk = seq;
    if (!std::binary_search(tracked.begin(), tracked.end(), seq)) unaccounted.emplace_back(seq, name);
  }
  // Complete footage the journal lost, or renamed just before a crash kept it
  // from being journaled: without its record it has no place in time, so it is
  // not listed, but it is the camera owner's recording and stays on disk.
  std::sort(unaccounted.begin(), unaccounted.end());
  unaccounted_.clear();
  for (const auto& u : unaccounted) unaccounted_.push_back(u.second);
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
  const size_t sized_from = state_.listed.size() > kNewestSized ? state_.listed.size() - kNewestSized : 0;
  size_t i = 0;
  for (Segment& s : state_.listed) {
    struct stat st;
    const bool sized = i++ >= sized_from;
    if (!std::binary_search(on_disk.begin(), on_disk.end(), s.sequence) ||
        (sized && (::stat(path(s.filename).c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) < s.bytes))) {
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
  std::snprintf(name, sizeof name, "%s%ld-%" PRIu64 "%s", kTemporaryPrefix, static_cast<long>(::getpid()),
                temporary_counter_++, kTemporarySuffix);
  return path(name);
}

bool RecordingIndex::append(const std::string& record, std::string* error) {
  // After a failed write (a torn line may be left) or once enough records piled up.
  if (journal_needs_rewrite_ && !compact(error)) return false;
  if (journal_fd_ < 0) {
    journal_fd_ = ::open(path(kJournalName).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (journal_fd_ < 0) {
      if (error) *error = "cannot open " + path(kJournalName) + ": " + errno_text(errno);
      return false;
    }
  }
  const char* data = record.data();
  size_t left = record.size();
  while (left > 0) {
    ssize_t n = ::write(journal_fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (error) *error = "cannot write " + path(kJournalName) + ": " + errno_text(errno);
      ::close(journal_fd_);
      journal_fd_ = -1;
      journal_needs_rewrite_ = true;
      return false;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (options_.fsync && ::fdatasync(journal_fd_) != 0) {
    if (error) *error = "cannot sync " + path(kJournalName) + ": " + errno_text(errno);
    journal_needs_rewrite_ = true;
    return false;
  }
  records_since_compaction_++;
  // Compact before the next record, not now: the caller applies this one to state_
  // only after it is written, so a snapshot taken here would leave it out.
  if (records_since_compaction_ > 2 * (state_.listed.size() + state_.pending.size()) + 64) journal_needs_rewrite_ = true;
  return true;
}

bool RecordingIndex::compact(std::string* error) {
  if (journal_fd_ >= 0) {
    ::close(journal_fd_);
    journal_fd_ = -1;
  }
  if (!replace_file_atomically(path(kJournalName), journal_snapshot(state_), true, error)) return false;
  journal_needs_rewrite_ = false;
  records_since_compaction_ = 0;
  return true;
}

bool RecordingIndex::write_playlist(std::string* error) {
  // Derived from the journal, so a crash may lose it: no fsync on this path.
  return replace_file_atomically(path(options_.playlist_name), playlist_text(), false, error);
}

PlaylistHeader RecordingIndex::playlist_header() const {
  PlaylistHeader header;
  header.target_duration_s = target_duration();
  header.media_sequence = state_.listed.empty() ? state_.next_sequence : state_.listed.front().sequence;
  header.discontinuity_sequence = state_.discontinuity_sequence;
  header.endlist = state_.ended && options_.endlist;
  return header;
}

std::string RecordingIndex::playlist_text() const {
  return render_playlist(state_.listed, playlist_header());
}

bool RecordingIndex::add_segment(const std::string& temporary, int64_t start_us, int64_t duration_us,
                                 uint64_t bytes, bool discontinuity, int64_t now_us, Segment* added,
                                 std::string* error) {
  Segment s;
  s.sequence = state_.next_sequence;
  s.filename = segment_filename(s.sequence);
  s.start_us = start_us;
  s.duration_us = duration_us < 0 ? 0 : duration_us;
  s.bytes = bytes;
  s.discontinuity = discontinuity || gap_pending_;
  if (::rename(temporary.c_str(), path(s.filename).c_str()) != 0) {
    if (error) *error = "cannot rename " + temporary + " to " + path(s.filename) + ": " + errno_text(errno);
    return false;
  }
  if (options_.fsync && !fsync_directory(options_.folder, error)) return false;
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
  // One playlist write for the new segment and the ones leaving with it: at a
  // week's window each write is tens of MiB. Files are unlinked only after it.
  std::string expire_error;
  size_t retired = 0;
  bool expired = retire_expired(now_us, &retired, &expire_error);
  if (!write_playlist(error)) return false;
  if (expired) expired = unlink_due(deletions_due(state_.pending, now_us), &expire_error);
  if (!expired && error) *error = expire_error;
  return expired;
}

bool RecordingIndex::retire_expired(int64_t now_us, size_t* retired, std::string* error) {
  const size_t leaving = segments_to_expire(state_.listed, options_.retention, now_us);
  const int64_t due = now_us + grace_us();
  for (size_t i = 0; i < leaving; i++) {
    const Segment& s = state_.listed.front();
    if (!append(journal_expired_record(s.sequence, due), error)) return false;
    if (s.discontinuity) state_.discontinuity_sequence++;
    state_.pending.push_back(PendingDeletion{s.sequence, s.filename, s.bytes, due});
    unlist_front();
    (*retired)++;
  }
  return true;
}

bool RecordingIndex::expire(int64_t now_us, std::string* error) {
  size_t retired = 0;
  bool ok = retire_expired(now_us, &retired, error);
  // Players must stop asking for them before they go.
  if (retired > 0 && ok) ok = write_playlist(error);
  if (!ok) return false;
  return unlink_due(deletions_due(state_.pending, now_us), error);
}

bool RecordingIndex::unlink_due(size_t count, std::string* error) {
  bool ok = true;
  for (size_t i = 0; i < count; i++) {
    const PendingDeletion p = state_.pending.front();
    if (::unlink(path(p.filename).c_str()) != 0 && errno != ENOENT) {
      // Not fatal: the file stays where it is and is no longer ours to track.
      if (error && ok) *error = "cannot delete " + path(p.filename) + ": " + errno_text(errno);
      ok = false;
    }
    state_.pending.pop_front();
    std::string ignored;
    append(journal_deleted_record(p.sequence), &ignored);
  }
  return ok;
}

uint64_t RecordingIndex::make_room(int64_t now_us, std::string* error) {
  if (state_.pending.empty() && state_.listed.size() > 1) {
    const Segment& s = state_.listed.front();
    if (!append(journal_expired_record(s.sequence, now_us), error)) return 0;
    if (s.discontinuity) state_.discontinuity_sequence++;
    state_.pending.push_back(PendingDeletion{s.sequence, s.filename, s.bytes, now_us});
    unlist_front();
    // Players must stop asking for it before it goes.
    if (!write_playlist(error)) return 0;
  }
  uint64_t freed = 0;
  for (const PendingDeletion& p : state_.pending) freed += p.bytes;
  unlink_due(state_.pending.size(), error);
  return freed;
}

uint64_t RecordingIndex::release_oldest(size_t count, int64_t now_us, size_t* retired, std::string* error) {
  // Files already out of the playlist go first: on a disk too full even for a
  // journal line, they are the room the records below need.
  uint64_t freed = pending_bytes();
  unlink_due(state_.pending.size(), error);
  size_t left = 0;
  while (left < count && state_.listed.size() > 1) {
    const Segment& s = state_.listed.front();
    if (!append(journal_expired_record(s.sequence, now_us), error)) break;
    if (s.discontinuity) state_.discontinuity_sequence++;
    state_.pending.push_back(PendingDeletion{s.sequence, s.filename, s.bytes, now_us});
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
  for (const PendingDeletion& p : state_.pending) bytes += p.bytes;
  return bytes;
}

bool RecordingIndex::end_stream(std::string* error) {
  if (state_.listed.empty()) return true;
  if (!append(journal_ended_record(), error)) return false;
  state_.ended = true;
  return write_playlist(error);
}

std::deque<Segment> RecordingIndex::segments_between(int64_t from_us, int64_t to_us) const {
  std::deque<Segment> out;
  for (const Segment& s : state_.listed) {
    if (s.end_us() > from_us && s.start_us < to_us) out.push_back(s);
  }
  return out;
}

}  // namespace dvr
