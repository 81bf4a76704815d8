// A recording folder on a real file system: names, playlist, retention, recovery.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "journal.h"
#include "recording_index.h"
#include "temp_folder.h"

using dvr::JournalState;
using dvr::RecordingIndex;
using dvr::RecordingOptions;
using dvr::Segment;
using dvr_test::TempFolder;

namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1700000000LL * kSecond;

bool exists(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void write_file(const std::string &path, const std::string &content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

std::vector<std::string> folder_names(const std::string &folder) {
  std::vector<std::string> names;
  DIR *dir = ::opendir(folder.c_str());
  REQUIRE(dir != nullptr);
  while (struct dirent *entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

RecordingOptions options_for(const TempFolder &folder, uint64_t window_s = 0) {
  RecordingOptions o;
  o.folder = folder.path();
  o.segment_duration_s = 2;
  o.retention.window_s = window_s;
  // What a test here can observe is the same with or without fsync, which only
  // matters at a power cut (the tests that model one set it themselves); off,
  // a test of a thousand segments takes milliseconds rather than a disk's
  // seconds.
  o.fsync = false;
  return o;
}

std::unique_ptr<RecordingIndex> open_index(const RecordingOptions &options,
                                           int64_t now_us) {
  std::string error;
  auto index = RecordingIndex::open(options, now_us, &error);
  INFO(error);
  REQUIRE(index != nullptr);
  return index;
}

// Writes a segment's bytes under a fresh temporary name and hands it to the index,
// as the writer does: ends at start + duration, which is also "now".
Segment add(RecordingIndex &index, int64_t start_us,
            int64_t duration_us = 2 * kSecond, bool discontinuity = false,
            uint64_t bytes = 1000) {
  const std::string tmp = index.temporary_path();
  write_file(tmp, std::string(static_cast<size_t>(bytes), 'G'));
  Segment added;
  std::string error;
  const bool ok =
      index.add_segment(tmp, start_us, duration_us, bytes, discontinuity,
                        start_us + duration_us, &added, &error);
  INFO(error);
  REQUIRE(ok);
  return added;
}

// Segment i of a regular 2 s recording starts at kT0 + 2 i s.
int64_t start_of(int64_t i) { return kT0 + i * 2 * kSecond; }

// Where segment seq is on disk: in its day/hour folder, or flat for recordings
// made before those folders.
std::string file_of(const TempFolder &folder, uint64_t seq) {
  const std::string name = dvr::segment_filename(seq);
  std::string found = folder / name;
  DIR *top = ::opendir(folder.path().c_str());
  REQUIRE(top != nullptr);
  while (struct dirent *day = ::readdir(top)) {
    const std::string d = day->d_name;
    if (d.size() != 10 || d[4] != '-') continue;
    DIR *hours = ::opendir((folder / d).c_str());
    while (hours && (day = ::readdir(hours))) {
      const std::string candidate =
          folder / (d + "/" + day->d_name + "/" + name);
      if (exists(candidate)) found = candidate;
    }
    if (hours) ::closedir(hours);
  }
  ::closedir(top);
  return found;
}

std::vector<uint64_t> listed_sequences(const std::deque<Segment> &listed) {
  std::vector<uint64_t> out;
  for (const Segment &s : listed) out.push_back(s.sequence);
  return out;
}

std::vector<uint64_t> pending_sequences(
    const std::deque<dvr::PendingDeletion> &pending) {
  std::vector<uint64_t> out;
  for (const auto &p : pending) out.push_back(p.sequence);
  return out;
}

std::vector<std::string> describe(const std::deque<Segment> &listed) {
  std::vector<std::string> out;
  for (const Segment &s : listed) {
    std::ostringstream line;
    line << s.sequence << ' ' << s.start_us << ' ' << s.duration_us << ' '
         << s.bytes << ' ' << s.discontinuity << ' ' << s.filename;
    out.push_back(line.str());
  }
  return out;
}

std::vector<std::string> describe(
    const std::deque<dvr::PendingDeletion> &pending) {
  std::vector<std::string> out;
  for (const auto &p : pending) {
    std::ostringstream line;
    line << p.sequence << ' ' << p.bytes << ' ' << p.due_us << ' '
         << p.filename;
    out.push_back(line.str());
  }
  return out;
}

// What a reopen would load from the journal on disk.
JournalState journal_on_disk(const TempFolder &folder) {
  const std::string text = read_file(folder / RecordingIndex::kJournalName);
  dvr::JournalParser parser;
  parser.feed(text.data(), text.size());
  return parser.finish();
}

// Segments are listed by their path in the recording folder, flat or in their
// day/hour folder.
bool lists(const std::string &playlist, const std::string &name) {
  return playlist.find("\n" + name + "\n") != std::string::npos ||
         playlist.find("/" + name + "\n") != std::string::npos;
}

// The segments, playlist and journal in a recording folder, by path inside it;
// the archive's own index files (hour journals, summary) left out.
std::vector<std::string> recorded_files(const std::string &folder,
                                        const std::string &prefix = "") {
  std::vector<std::string> out;
  for (const std::string &name :
       folder_names(folder + (prefix.empty() ? "" : "/" + prefix))) {
    const std::string rel = prefix.empty() ? name : prefix + "/" + name;
    struct stat st;
    REQUIRE(::lstat((folder + "/" + rel).c_str(), &st) == 0);
    if (S_ISDIR(st.st_mode)) {
      for (const std::string &inner : recorded_files(folder, rel))
        out.push_back(inner);
    } else if (name != "archive.index" &&
               !(name == "index.journal" && !prefix.empty())) {
      out.push_back(rel);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// kT0's day/hour folder.
const std::string kHour0 = "2023-11-14/22/";

}  // namespace

TEST_CASE("a finished segment is renamed to seg-NNNNNNNNNN.ts and listed",
          "[index]") {
  TempFolder folder;
  auto index = open_index(options_for(folder), kT0);
  CHECK(index->segments().empty());
  CHECK(index->next_sequence() == 0);

  const std::string tmp = index->temporary_path();
  CHECK(tmp.compare(0, folder.path().size() + 6, folder.path() + "/.seg-") ==
        0);
  CHECK(tmp.substr(tmp.size() - 5) == ".part");
  CHECK(index->temporary_path() != tmp);
  write_file(tmp, "first segment");
  Segment added;
  std::string error;
  REQUIRE(index->add_segment(tmp, kT0, 1960000, 13, false, kT0 + 1960000,
                             &added, &error));
  CHECK(added.sequence == 0);
  CHECK(added.filename == kHour0 + "seg-0000000000.ts");
  CHECK_FALSE(
      added
          .discontinuity);  // a new folder has nothing to be discontinuous with
  CHECK_FALSE(exists(tmp));
  CHECK(read_file(file_of(folder, 0)) == "first segment");
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{0});

  const std::string playlist = read_file(folder / "live.m3u8");
  CHECK(playlist == index->playlist_text());
  CHECK(lists(playlist, "seg-0000000000.ts"));
  CHECK(playlist.find("#EXTINF:1.960,\n") != std::string::npos);
  CHECK(playlist.find("#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n") !=
        std::string::npos);
  CHECK(playlist.find("#EXT-X-MEDIA-SEQUENCE:0\n") != std::string::npos);
  CHECK(playlist.find("ENDLIST") == std::string::npos);

  add(*index, start_of(1));
  CHECK(exists(file_of(folder, 1)));
  CHECK(lists(read_file(folder / "live.m3u8"), "seg-0000000001.ts"));
}

TEST_CASE(
    "the playlist file is replaced atomically and leaves no temporary behind",
    "[index]") {
  TempFolder folder;
  auto options = options_for(folder, 10);
  auto index = open_index(options, kT0);
  for (int i = 0; i < 20; i++) add(*index, start_of(i));
  index->end_stream(nullptr);
  std::vector<std::string> expected = {"index.journal", "live.m3u8"};
  for (const Segment &s : index->segments()) expected.push_back(s.filename);
  for (const auto &p : index->pending()) expected.push_back(p.filename);
  std::sort(expected.begin(), expected.end());
  CHECK(recorded_files(folder.path()) == expected);
  CHECK(read_file(folder / "live.m3u8") == index->playlist_text());
}

TEST_CASE("a custom playlist name is the file that is written", "[index]") {
  TempFolder folder;
  auto options = options_for(folder);
  options.playlist_name = "camera.m3u8";
  auto index = open_index(options, kT0);
  add(*index, start_of(0));
  CHECK(exists(folder / "camera.m3u8"));
  CHECK_FALSE(exists(folder / "live.m3u8"));
}

TEST_CASE("sequence numbers rise and are never reused across close and reopen",
          "[index]") {
  TempFolder folder;
  const auto options = options_for(folder);
  std::vector<uint64_t> seen;
  int64_t i = 0;
  for (int run = 0; run < 4; run++) {
    auto index = open_index(options, start_of(i));
    for (int k = 0; k < 3; k++, i++)
      seen.push_back(add(*index, start_of(i)).sequence);
  }
  CHECK(seen == std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  auto index = open_index(options, start_of(i));
  CHECK(index->next_sequence() == 12);
  CHECK(listed_sequences(index->segments()) == seen);
}

TEST_CASE(
    "a resumed recording marks its first new segment as a discontinuity and drops ENDLIST",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder);
  {
    auto index = open_index(options, kT0);
    add(*index, start_of(0));
    add(*index, start_of(1));
    REQUIRE(index->end_stream(nullptr));
    const std::string ended = read_file(folder / "live.m3u8");
    CHECK(ended.find("#EXT-X-ENDLIST\n") != std::string::npos);
  }
  auto index = open_index(options, start_of(30));
  // Players reload a live playlist only without ENDLIST.
  const std::string reopened = read_file(folder / "live.m3u8");
  CHECK(reopened.find("ENDLIST") == std::string::npos);
  CHECK(lists(reopened, "seg-0000000001.ts"));
  CHECK(reopened.find("#EXT-X-DISCONTINUITY\n") == std::string::npos);

  const Segment first = add(*index, start_of(30));
  const Segment second = add(*index, start_of(31));
  CHECK(first.sequence == 2);
  CHECK(first.discontinuity);
  CHECK_FALSE(second.discontinuity);
  const std::string playlist = read_file(folder / "live.m3u8");
  CHECK(
      playlist.find(
          "seg-0000000001.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:14:20.000Z\n"
          "#EXTINF:2.000,\n" +
          kHour0 + "seg-0000000002.ts\n") != std::string::npos);
  CHECK(playlist.find("ENDLIST") == std::string::npos);
}

TEST_CASE("ENDLIST is written only when the options ask for it", "[index]") {
  TempFolder folder;
  auto options = options_for(folder);
  options.endlist = false;
  auto index = open_index(options, kT0);
  add(*index, start_of(0));
  REQUIRE(index->end_stream(nullptr));
  CHECK(read_file(folder / "live.m3u8").find("ENDLIST") == std::string::npos);
}

TEST_CASE(
    "a segment leaves the playlist first and the disk only after the grace period",
    "[index]") {
  TempFolder folder;
  auto index = open_index(options_for(folder, 10), kT0);
  for (int i = 0; i < 6; i++) add(*index, start_of(i));  // kT0 .. kT0 + 12 s
  REQUIRE(listed_sequences(index->segments()) ==
          std::vector<uint64_t>{0, 1, 2, 3, 4, 5});
  const std::string seg0 = file_of(folder, 0);

  // Segment 0 ended at kT0 + 2 s: 10 s later plus a microsecond it leaves the playlist.
  const int64_t leave = kT0 + 12 * kSecond + 1;
  REQUIRE(index->expire(leave, nullptr));
  CHECK(listed_sequences(index->segments()) ==
        std::vector<uint64_t>{1, 2, 3, 4, 5});
  const std::string playlist = read_file(folder / "live.m3u8");
  CHECK_FALSE(lists(playlist, "seg-0000000000.ts"));
  CHECK(playlist.find("#EXT-X-MEDIA-SEQUENCE:1\n") != std::string::npos);
  CHECK(exists(seg0));

  // Default grace: three target durations, so a player that just read the old playlist can finish.
  const int64_t grace = 3 * 2 * kSecond;
  REQUIRE(index->pending().size() == 1);
  CHECK(index->pending()[0].due_us == leave + grace);
  REQUIRE(index->expire(leave + grace - 1, nullptr));
  CHECK(exists(seg0));
  CHECK(index->pending().front().sequence == 0);
  REQUIRE(index->expire(leave + grace, nullptr));
  CHECK_FALSE(exists(seg0));
  CHECK(index->pending().front().sequence != 0);
  // Segment 1 left later than 0, so it is still on disk.
  CHECK(exists(file_of(folder, 1)));
}

TEST_CASE("an explicit grace period is honoured to the microsecond",
          "[index]") {
  TempFolder folder;
  auto options = options_for(folder, 4);
  options.grace_us = 30 * kSecond;
  auto index = open_index(options, kT0);
  for (int i = 0; i < 4; i++) add(*index, start_of(i));
  // Segment 0 ended at kT0 + 2 s; it left when segment 3 was added at kT0 + 8 s.
  const int64_t left = kT0 + 8 * kSecond;
  REQUIRE(pending_sequences(index->pending()) == std::vector<uint64_t>{0});
  CHECK(index->pending()[0].due_us == left + 30 * kSecond);
  REQUIRE(index->expire(left + 30 * kSecond - 1, nullptr));
  CHECK(exists(file_of(folder, 0)));
  REQUIRE(index->expire(left + 30 * kSecond, nullptr));
  CHECK_FALSE(exists(file_of(folder, 0)));
}

TEST_CASE(
    "the size cap moves the oldest segments out, and off the disk after the grace period",
    "[index]") {
  TempFolder folder;
  auto options = options_for(folder);
  options.retention.max_bytes = 3500;
  options.grace_us = 10 * kSecond;
  auto index = open_index(options, kT0);
  for (int i = 0; i < 5; i++)
    add(*index, start_of(i), 2 * kSecond, false, 1000);
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{2, 3, 4});
  CHECK(pending_sequences(index->pending()) == std::vector<uint64_t>{0, 1});
  CHECK(exists(file_of(folder, 0)));
  REQUIRE(index->expire(start_of(5) + 10 * kSecond, nullptr));
  CHECK_FALSE(exists(file_of(folder, 0)));
  CHECK_FALSE(exists(file_of(folder, 1)));
}

TEST_CASE("making room after a full disk deletes every pending file at once",
          "[index]") {
  TempFolder folder;
  auto options = options_for(folder, 4);
  options.grace_us = 3600 * kSecond;
  auto index = open_index(options, kT0);
  for (int i = 0; i < 6; i++)
    add(*index, start_of(i), 2 * kSecond, false, 1000);
  const auto pending = pending_sequences(index->pending());
  const auto listed = listed_sequences(index->segments());
  REQUIRE(pending.size() >= 2);
  CHECK(index->make_room(start_of(6), nullptr) == 1000 * pending.size());
  CHECK(index->pending().empty());
  for (uint64_t seq : pending) CHECK_FALSE(exists(file_of(folder, seq)));
  // The playlist is left alone while pending files can make the room.
  CHECK(listed_sequences(index->segments()) == listed);
  // And the journal knows: a reopen does not bring them back.
  index.reset();
  auto reopened = open_index(options, start_of(6));
  CHECK(reopened->pending().empty());
  CHECK(listed_sequences(reopened->segments()) == listed);
}

TEST_CASE(
    "with nothing pending, making room retires the oldest listed segment and never the newest",
    "[index]") {
  TempFolder folder;
  auto index = open_index(options_for(folder), kT0);
  for (int i = 0; i < 3; i++)
    add(*index, start_of(i), 2 * kSecond, false, 1000);
  REQUIRE(index->pending().empty());
  CHECK(index->make_room(start_of(3), nullptr) == 1000);
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{1, 2});
  CHECK_FALSE(exists(file_of(folder, 0)));
  const std::string playlist = read_file(folder / "live.m3u8");
  CHECK_FALSE(lists(playlist, "seg-0000000000.ts"));
  CHECK(playlist.find("#EXT-X-MEDIA-SEQUENCE:1\n") != std::string::npos);
  CHECK(index->make_room(start_of(3), nullptr) == 1000);
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{2});
  // The live edge stays.
  CHECK(index->make_room(start_of(3), nullptr) == 0);
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{2});
  CHECK(exists(file_of(folder, 2)));
}

TEST_CASE("stale temporaries are removed on open", "[index]") {
  TempFolder folder;
  write_file(folder / ".seg-123-0.part", "cut short by a crash");
  write_file(folder / ".seg-99999-17.part", "");
  write_file(folder / ".live.m3u8.tmp", "#EXTM3U\n");
  write_file(folder / ".index.journal.tmp", "dvr-journal 1\n");
  auto index = open_index(options_for(folder), kT0);
  CHECK_FALSE(exists(folder / ".seg-123-0.part"));
  CHECK_FALSE(exists(folder / ".seg-99999-17.part"));
  CHECK_FALSE(exists(folder / ".live.m3u8.tmp"));
  CHECK_FALSE(exists(folder / ".index.journal.tmp"));
  CHECK(index->segments().empty());
}

TEST_CASE(
    "a segment renamed but not journaled before a crash stays on disk, unlisted, and its name is never reused",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder);
  {
    auto index = open_index(options, kT0);
    add(*index, start_of(0));
    add(*index, start_of(1));
  }
  // A crash between rename and journal leaves seg-2; 7 is likewise beyond the journal.
  write_file(file_of(folder, 2), "renamed, not journaled");
  write_file(file_of(folder, 7), "renamed, not journaled");
  write_file(folder / "notes.txt", "the user's");
  write_file(folder / "other.ts", "the user's");
  write_file(folder / "seg-0000000003.ts.bak", "the user's");
  write_file(folder / "segment-0000000004.ts", "the user's");
  ::mkdir((folder / "seg-0000000005.ts.d").c_str(), 0755);

  auto index = open_index(options, start_of(2));
  CHECK(read_file(file_of(folder, 2)) == "renamed, not journaled");
  CHECK(read_file(file_of(folder, 7)) == "renamed, not journaled");
  CHECK(index->unaccounted_segments() ==
        std::vector<std::string>{"seg-0000000002.ts", "seg-0000000007.ts"});
  CHECK(index->set_aside_journal().empty());
  CHECK(exists(file_of(folder, 0)));
  CHECK(exists(file_of(folder, 1)));
  CHECK(read_file(folder / "notes.txt") == "the user's");
  CHECK(read_file(folder / "other.ts") == "the user's");
  CHECK(exists(folder / "seg-0000000003.ts.bak"));
  CHECK(exists(folder / "segment-0000000004.ts"));
  CHECK(exists(folder / "seg-0000000005.ts.d"));
  // Listed is only what the journal vouches for.
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{0, 1});
  CHECK_FALSE(lists(read_file(folder / "live.m3u8"), "seg-0000000002.ts"));
  // The next segment gets a name that no file ever had.
  const Segment next = add(*index, start_of(2));
  CHECK(next.sequence == 8);
  CHECK(read_file(folder / next.filename) == std::string(1000, 'G'));
  CHECK(read_file(file_of(folder, 7)) == "renamed, not journaled");
  // Retention never takes what it does not track.
  REQUIRE(index->expire(start_of(1000), nullptr));
  CHECK(read_file(file_of(folder, 2)) == "renamed, not journaled");
  CHECK(read_file(file_of(folder, 7)) == "renamed, not journaled");
}

TEST_CASE(
    "a listed segment whose file is gone leaves the playlist on open, and a gap is marked where it was",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 5; i++) add(*index, start_of(i));
  }
  // Deleted by hand, or lost with a disk: the oldest and one in the middle.
  REQUIRE(::unlink((file_of(folder, 0)).c_str()) == 0);
  REQUIRE(::unlink((file_of(folder, 2)).c_str()) == 0);

  auto index = open_index(options, start_of(5));
  CHECK(index->missing_segments() ==
        std::vector<std::string>{kHour0 + "seg-0000000000.ts",
                                 kHour0 + "seg-0000000002.ts"});
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{1, 3, 4});
  CHECK(index->segments()[0].discontinuity);
  CHECK(index->segments()[1].discontinuity);
  CHECK_FALSE(index->segments()[2].discontinuity);
  const std::string playlist = read_file(folder / "live.m3u8");
  CHECK_FALSE(lists(playlist, "seg-0000000000.ts"));
  CHECK_FALSE(lists(playlist, "seg-0000000002.ts"));
  const size_t after_1 = playlist.find("seg-0000000001.ts");
  const size_t at_3 = playlist.find("seg-0000000003.ts");
  REQUIRE(after_1 < at_3);
  CHECK(
      playlist.substr(after_1, at_3 - after_1).find("#EXT-X-DISCONTINUITY\n") !=
      std::string::npos);
  CHECK(playlist.substr(at_3).find("#EXT-X-DISCONTINUITY") ==
        std::string::npos);
  // The journal now says so too: the next open finds nothing missing.
  CHECK(listed_sequences(journal_on_disk(folder).listed) ==
        std::vector<uint64_t>{1, 3, 4});
  index.reset();
  auto again = open_index(options, start_of(5));
  CHECK(again->missing_segments().empty());
  CHECK(listed_sequences(again->segments()) == std::vector<uint64_t>{1, 3, 4});
  // Numbering goes on above the journal's, not above the files left.
  CHECK(add(*again, start_of(5)).sequence == 5);
}

TEST_CASE(
    "a newest segment shorter than its journal record leaves the playlist on open",
    "[index]") {
  // What a power cut can leave with fsync off: the journal written back, the
  // segment's data not (yet) all of it.
  for (const bool fsync : {true, false}) {
    TempFolder folder;
    auto options = options_for(folder);
    options.fsync = fsync;
    {
      auto index = open_index(options, kT0);
      for (int i = 0; i < 4; i++) add(*index, start_of(i));
    }
    REQUIRE(::truncate((file_of(folder, 2)).c_str(), 10) == 0);
    REQUIRE(::truncate((file_of(folder, 3)).c_str(), 0) == 0);
    auto index = open_index(options, start_of(4));
    INFO("fsync " << fsync);
    CHECK(index->missing_segments() ==
          std::vector<std::string>{kHour0 + "seg-0000000002.ts",
                                   kHour0 + "seg-0000000003.ts"});
    CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{0, 1});
    CHECK_FALSE(lists(read_file(folder / "live.m3u8"), "seg-0000000002.ts"));
    // The next segment comes after the gap, under a new number.
    const Segment next = add(*index, start_of(4));
    CHECK(next.sequence == 4);
    CHECK(next.discontinuity);
  }
}

TEST_CASE(
    "with the journal missing, the hour journals still account for every segment and numbering goes on",
    "[index][archive]") {
  TempFolder folder;
  const auto options = options_for(folder, 10);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 4; i++) add(*index, start_of(i));
  }
  REQUIRE(::unlink((folder / RecordingIndex::kJournalName).c_str()) == 0);

  // Long after the window: the hour journal still knows them, as footage of the archive.
  const int64_t later = kT0 + 3600 * kSecond;
  auto index = open_index(options, later);
  for (int i = 0; i < 4; i++)
    CHECK(read_file(file_of(folder, i)) == std::string(1000, 'G'));
  CHECK(index->segments().empty());
  CHECK(index->unaccounted_segments().empty());
  REQUIRE(index->hours().size() == 1);
  CHECK(index->hours().begin()->second.count == 4);
  CHECK(index->next_sequence() == 4);
  CHECK(add(*index, later).sequence == 4);
  CHECK(index->segments_between(kT0, later).size() == 4);
}

TEST_CASE(
    "with every journal lost, the segments stay on disk unlisted and numbering goes on above them",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder, 10);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 4; i++) add(*index, start_of(i));
  }
  REQUIRE(::unlink((folder / RecordingIndex::kJournalName).c_str()) == 0);
  REQUIRE(::unlink((folder / (kHour0 + "index.journal")).c_str()) == 0);

  // Long after the window: with a journal these would expire; without one they are kept.
  const int64_t later = kT0 + 3600 * kSecond;
  auto index = open_index(options, later);
  for (int i = 0; i < 4; i++) {
    INFO(i);
    CHECK(read_file(file_of(folder, i)) == std::string(1000, 'G'));
  }
  CHECK(index->segments().empty());
  CHECK(index->pending().empty());
  REQUIRE(index->unaccounted_segments().size() == 4);
  CHECK(index->unaccounted_segments().front() == kHour0 + "seg-0000000000.ts");
  CHECK(index->set_aside_journal().empty());
  CHECK(index->next_sequence() == 4);
  const Segment next = add(*index, later);
  CHECK(next.sequence == 4);
  CHECK(index->playlist_text().find("#EXT-X-MEDIA-SEQUENCE:4\n") !=
        std::string::npos);
  // The new journal is trusted on the next open, and the old files are still unaccounted.
  index.reset();
  auto again = open_index(options, later + 4 * kSecond);
  CHECK(again->rejected_journal_lines() == 0);
  CHECK(listed_sequences(again->segments()) == std::vector<uint64_t>{4});
  CHECK(again->unaccounted_segments().size() == 4);
  // Retention takes what it tracks and nothing else.
  REQUIRE(again->expire(later + 3600 * kSecond, nullptr));
  REQUIRE(again->expire(later + 7200 * kSecond, nullptr));
  CHECK_FALSE(exists(file_of(folder, 4)));
  for (int i = 0; i < 4; i++) CHECK(exists(file_of(folder, i)));
}

namespace {

// Opens a folder whose recording is intact but whose journal was replaced by
// `journal`, and checks that nothing is lost and the journal is kept aside.
void check_untrusted_journal_is_set_aside(const std::string &journal) {
  TempFolder folder;
  const auto options = options_for(folder, 10);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 3; i++) add(*index, start_of(i));
  }
  write_file(folder / RecordingIndex::kJournalName, journal);

  auto index = open_index(options, start_of(3));
  CHECK(index->set_aside_journal() == "index.journal.bad-1");
  CHECK(read_file(folder / "index.journal.bad-1") == journal);
  for (int i = 0; i < 3; i++) {
    INFO(i);
    CHECK(read_file(file_of(folder, i)) == std::string(1000, 'G'));
  }
  CHECK(index->segments().empty());
  // Their hour journal still places them in time: archive footage, not lost.
  CHECK(index->unaccounted_segments().empty());
  CHECK(index->segments_between(kT0, start_of(3)).size() == 3);
  // A fresh journal this version reads, with numbers above every file on disk.
  const JournalState fresh = journal_on_disk(folder);
  CHECK_FALSE(fresh.untrusted);
  CHECK(fresh.rejected == 0);
  const Segment next = add(*index, start_of(3));
  CHECK(next.sequence == 3);
  CHECK(read_file(folder / "index.journal.bad-1") == journal);

  // The same again later: the first one set aside is not overwritten.
  index.reset();
  write_file(folder / RecordingIndex::kJournalName, journal);
  auto again = open_index(options, start_of(4));
  CHECK(again->set_aside_journal() == "index.journal.bad-2");
  CHECK(read_file(folder / "index.journal.bad-1") == journal);
  CHECK(again->next_sequence() == 4);
  for (int i = 0; i < 4; i++) CHECK(exists(file_of(folder, i)));
}

}  // namespace

TEST_CASE(
    "a journal of another version is set aside, not overwritten, and the segments stay on disk",
    "[index]") {
  Segment s;
  s.sequence = 0;
  s.filename = dvr::segment_filename(0);
  check_untrusted_journal_is_set_aside("dvr-journal 2\n" +
                                       dvr::journal_header_record(0, 0) +
                                       dvr::journal_segment_record(s));
}

TEST_CASE(
    "a garbage journal is set aside, not overwritten, and the segments stay on disk",
    "[index]") {
  std::string garbage;
  for (int i = 0; i < 3000; i++)
    garbage += static_cast<char>((i * 7919 + 13) % 256);
  check_untrusted_journal_is_set_aside(garbage);
}

TEST_CASE(
    "reopening after longer than the window expires the old segments and deletes them after grace",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder, 10);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 5; i++) add(*index, start_of(i));
  }
  const int64_t later = kT0 + 3600 * kSecond;
  auto index = open_index(options, later);
  CHECK(index->segments().empty());
  CHECK(pending_sequences(index->pending()) ==
        std::vector<uint64_t>{0, 1, 2, 3, 4});
  for (int i = 0; i < 5; i++) CHECK(exists(file_of(folder, i)));
  const int64_t grace = 3 * 2 * kSecond;
  REQUIRE(index->expire(later + grace - 1, nullptr));
  CHECK(exists(file_of(folder, 0)));
  REQUIRE(index->expire(later + grace, nullptr));
  for (int i = 0; i < 5; i++) CHECK_FALSE(exists(file_of(folder, i)));
  CHECK(index->pending().empty());
  // History goes on with new numbers.
  const Segment next = add(*index, later + grace);
  CHECK(next.sequence == 5);
  CHECK(next.discontinuity);
  CHECK(index->playlist_text().find("#EXT-X-MEDIA-SEQUENCE:5\n") !=
        std::string::npos);
}

TEST_CASE(
    "after a restart past the window the playlist never lists a segment that left the disk",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder, 10);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 5; i++) add(*index, start_of(i));
  }
  const int64_t later = kT0 + 3600 * kSecond;
  auto index = open_index(options, later);
  REQUIRE(index->expire(later + 3 * 2 * kSecond, nullptr));
  REQUIRE(index->pending().empty());
  // The camera has not come back yet; whoever loads the playlist meanwhile must not
  // be sent to files that are gone.
  const std::string playlist = exists(folder / "live.m3u8")
                                   ? read_file(folder / "live.m3u8")
                                   : std::string();
  for (int i = 0; i < 5; i++) {
    INFO(playlist);
    CHECK_FALSE(lists(playlist, dvr::segment_filename(i)));
  }
}

TEST_CASE(
    "a garbled journal line is counted and the rest of the recording is recovered",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 4; i++) add(*index, start_of(i));
    CHECK(index->rejected_journal_lines() == 0);
  }
  std::string journal = read_file(folder / RecordingIndex::kJournalName);
  const size_t at = journal.find("\nS 1 ");
  REQUIRE(at != std::string::npos);
  journal[at + 8] ^= 0x01;
  write_file(folder / RecordingIndex::kJournalName, journal);

  auto index = open_index(options, start_of(4));
  CHECK(index->rejected_journal_lines() == 1);
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{0, 2, 3});
  CHECK(index->next_sequence() == 4);
  CHECK_FALSE(lists(read_file(folder / "live.m3u8"), "seg-0000000001.ts"));
  // The open rewrote the journal: the garbled line is gone for good.
  index.reset();
  auto again = open_index(options, start_of(4));
  CHECK(again->rejected_journal_lines() == 0);
  CHECK(listed_sequences(again->segments()) == std::vector<uint64_t>{0, 2, 3});
}

TEST_CASE(
    "a torn last journal line is dropped and later records are not glued to it",
    "[index]") {
  TempFolder folder;
  const auto options = options_for(folder);
  {
    auto index = open_index(options, kT0);
    add(*index, start_of(0));
  }
  Segment torn;
  torn.sequence = 1;
  torn.filename = dvr::segment_filename(1);
  std::string record = dvr::journal_segment_record(torn);
  {
    std::ofstream out(folder / RecordingIndex::kJournalName,
                      std::ios::binary | std::ios::app);
    out << record.substr(0, record.size() / 2);
  }
  {
    auto index = open_index(options, start_of(1));
    CHECK(index->rejected_journal_lines() == 1);
    add(*index, start_of(1));
    add(*index, start_of(2));
  }
  auto index = open_index(options, start_of(3));
  CHECK(index->rejected_journal_lines() == 0);
  CHECK(listed_sequences(index->segments()) == std::vector<uint64_t>{0, 1, 2});
}

TEST_CASE("DISCONTINUITY-SEQUENCE rises as marked segments leave the playlist",
          "[index]") {
  TempFolder folder;
  const auto options = options_for(folder, 10);
  auto index = open_index(options, kT0);
  add(*index, start_of(0));
  add(*index, start_of(1), 2 * kSecond, true);
  add(*index, start_of(2));
  add(*index, start_of(3), 2 * kSecond, true);
  add(*index, start_of(4));
  CHECK(index->discontinuity_sequence() == 0);

  // Leaving one by one: 0 (unmarked), 1 (marked), 2, 3 (marked).
  const std::vector<uint64_t> expected = {0, 1, 1, 2};
  for (int i = 0; i < 4; i++) {
    REQUIRE(index->expire(kT0 + (2 * i + 12) * kSecond + 1, nullptr));
    REQUIRE(index->segments().front().sequence == static_cast<uint64_t>(i + 1));
    CHECK(index->discontinuity_sequence() == expected[i]);
    const std::string playlist = read_file(folder / "live.m3u8");
    CHECK(playlist.find(
              "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(expected[i]) +
              "\n") != std::string::npos);
  }
  // And it survives a reopen.
  index.reset();
  auto reopened = open_index(options, kT0 + 18 * kSecond + 1);
  CHECK(reopened->discontinuity_sequence() == 2);
}

TEST_CASE("the journal on disk describes the recording after every change",
          "[index]") {
  TempFolder folder;
  auto index = open_index(options_for(folder, 20), kT0);
  size_t largest_journal = 0;
  for (int i = 0; i < 150; i++) {
    add(*index, start_of(i), 2 * kSecond, i % 17 == 5);
    const JournalState disk = journal_on_disk(folder);
    INFO("after segment " << i);
    REQUIRE(disk.rejected == 0);
    REQUIRE(describe(disk.listed) == describe(index->segments()));
    REQUIRE(describe(disk.pending) == describe(index->pending()));
    REQUIRE(disk.next_sequence == index->next_sequence());
    REQUIRE(disk.discontinuity_sequence == index->discontinuity_sequence());
    largest_journal =
        std::max(largest_journal,
                 read_file(folder / RecordingIndex::kJournalName).size());
  }
  // Compaction keeps the journal near the size of what it describes.
  CHECK(largest_journal < 150 * 80);
}

TEST_CASE(
    "a restart at any moment keeps every listed segment, in the playlist and on disk",
    "[index]") {
  const auto options_in = [](const TempFolder &folder) {
    return options_for(folder, 20);
  };
  for (int count = 1; count <= 60; count++) {
    TempFolder folder;
    std::vector<std::string> listed;
    {
      auto index = open_index(options_in(folder), kT0);
      for (int i = 0; i < count; i++) add(*index, start_of(i));
      listed = describe(index->segments());
    }
    auto index = open_index(options_in(folder), start_of(count));
    INFO("restart after " << count << " segments");
    REQUIRE(describe(index->segments()) == listed);
    for (uint64_t seq : listed_sequences(index->segments()))
      REQUIRE(exists(file_of(folder, seq)));
  }
}

TEST_CASE(
    "after many segments and compactions a reopen restores the same recording",
    "[index]") {
  TempFolder folder;
  auto options = options_for(folder, 6);
  options.grace_us = 4 * kSecond;
  std::vector<std::string> listed, pending;
  uint64_t next = 0, discontinuities = 0;
  const int64_t now = start_of(130);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 130; i++)
      add(*index, start_of(i), 2 * kSecond, i % 17 == 5);
    listed = describe(index->segments());
    pending = describe(index->pending());
    next = index->next_sequence();
    discontinuities = index->discontinuity_sequence();
    CHECK(discontinuities > 0);
  }
  CHECK(read_file(folder / RecordingIndex::kJournalName).size() < 130 * 80);
  auto index = open_index(options, now);
  CHECK(index->rejected_journal_lines() == 0);
  CHECK(describe(index->segments()) == listed);
  CHECK(describe(index->pending()) == pending);
  CHECK(index->next_sequence() == next);
  CHECK(index->discontinuity_sequence() == discontinuities);
  // Every file the recording still owns is on disk; none of the older ones is.
  std::vector<std::string> expected = {"index.journal", "live.m3u8"};
  for (const Segment &s : index->segments()) expected.push_back(s.filename);
  for (const auto &p : index->pending()) expected.push_back(p.filename);
  std::sort(expected.begin(), expected.end());
  CHECK(recorded_files(folder.path()) == expected);
}

TEST_CASE("a wall-clock range selects the listed segments that overlap it",
          "[index]") {
  TempFolder folder;
  auto index = open_index(options_for(folder), kT0);
  for (int i = 0; i < 5; i++)
    add(*index, start_of(i));  // [0,2) [2,4) [4,6) [6,8) [8,10) s
  const auto between = [&](int64_t from_s, int64_t to_s) {
    return listed_sequences(
        index->segments_between(kT0 + from_s * kSecond, kT0 + to_s * kSecond));
  };
  CHECK(between(3, 6) == std::vector<uint64_t>{1, 2});
  CHECK(between(4, 6) == std::vector<uint64_t>{2});
  CHECK(between(0, 10) == std::vector<uint64_t>{0, 1, 2, 3, 4});
  CHECK(between(-100, 100) == std::vector<uint64_t>{0, 1, 2, 3, 4});
  CHECK(between(5, 5) ==
        std::vector<uint64_t>{2});  // an instant inside a segment
  CHECK(between(10, 20).empty());
  CHECK(between(-10, 0).empty());
  CHECK(listed_sequences(index->segments_between(kT0 + 2 * kSecond - 1,
                                                 kT0 + 2 * kSecond)) ==
        std::vector<uint64_t>{0});
}

// Days of footage behind a short live window: retention apart from the window.

namespace {

RecordingOptions archive_options(const TempFolder &folder, uint64_t window_s,
                                 int64_t retention_s) {
  RecordingOptions o = options_for(folder, window_s);
  o.retention.retention_s = retention_s;
  o.grace_us = 0;
  return o;
}

size_t playlist_entries(const std::string &playlist) {
  size_t n = 0;
  for (size_t at = playlist.find("#EXTINF:"); at != std::string::npos;
       at = playlist.find("#EXTINF:", at + 1))
    n++;
  return n;
}

}  // namespace

TEST_CASE(
    "footage leaves the live playlist after the window and the disk only after the retention",
    "[index][archive]") {
  TempFolder folder;
  // A 20 s window over 2 minutes kept.
  auto index = open_index(archive_options(folder, 20, 120), kT0);
  for (int i = 0; i < 100; i++) add(*index, start_of(i));
  const int64_t now = start_of(100);
  // The live playlist lists the window, never the archive.
  CHECK(playlist_entries(read_file(folder / "live.m3u8")) <= 11);
  CHECK(index->segments().size() <= 11);
  // What left the window but not the retention is on disk and reachable by time.
  for (int i = 40; i < 100; i++) {
    INFO(i);
    CHECK(exists(file_of(folder, static_cast<uint64_t>(i))));
  }
  for (int i = 0; i < 38; i++) {
    INFO(i);
    CHECK_FALSE(exists(file_of(folder, static_cast<uint64_t>(i))));
  }
  const auto archived =
      index->segments_between(now - 100 * kSecond, now - 60 * kSecond);
  REQUIRE(archived.size() == 20);
  CHECK(archived.front().start_us == now - 100 * kSecond);
  // The journal holds the window only: its size does not grow with the retention.
  CHECK(journal_on_disk(folder).listed.size() == index->segments().size());
}

TEST_CASE(
    "retention 0 keeps everything while the live playlist stays the window's size",
    "[index][archive]") {
  TempFolder folder;
  auto index = open_index(archive_options(folder, 10, 0), kT0);
  for (int i = 0; i < 60; i++) add(*index, start_of(i));
  REQUIRE(index->expire(start_of(60) + 3600LL * 24 * 30 * kSecond, nullptr));
  for (int i = 0; i < 60; i++)
    CHECK(exists(file_of(folder, static_cast<uint64_t>(i))));
  CHECK(index->segments().size() <= 1);
  CHECK(index->segments_between(kT0, start_of(60)).size() == 60);
}

TEST_CASE("max-bytes bounds the archive and the window together, oldest first",
          "[index][archive]") {
  TempFolder folder;
  auto options = archive_options(folder, 20, 0);
  options.retention.max_bytes = 30 * 1000;
  auto index = open_index(options, kT0);
  for (int i = 0; i < 50; i++) add(*index, start_of(i));
  CHECK(index->bytes_on_disk() <= 30 * 1000);
  CHECK(exists(file_of(folder, 49)));
  CHECK(exists(file_of(folder, 20)));
  CHECK_FALSE(exists(file_of(folder, 19)));
}

TEST_CASE(
    "segments go in one folder per UTC day and hour, and an emptied hour leaves with its folder",
    "[index][archive]") {
  TempFolder folder;
  auto index = open_index(archive_options(folder, 600, 3600), kT0);
  // kT0 is 22:13:20 UTC: 20 minutes run into the next day's hour 00 and on.
  const int64_t step = 60 * kSecond;
  for (int i = 0; i < 150; i++) add(*index, kT0 + i * step, 2 * kSecond);
  CHECK(exists(folder / "2023-11-14/23/index.journal"));
  CHECK(exists(folder / "2023-11-15/00/index.journal"));
  CHECK(index->segments().front().filename.compare(0, 11, "2023-11-15/") == 0);
  // Two and a half hours in with an hour kept: hour 22 is gone, folder and all.
  CHECK_FALSE(exists(folder / "2023-11-14/22"));
  CHECK(index->hours().count(kT0 - 800 * kSecond) == 0);
  // The summary lets a restart skip the closed hours' journals.
  CHECK(exists(folder / "archive.index"));
  index.reset();
  auto again = open_index(archive_options(folder, 600, 3600), kT0 + 150 * step);
  CHECK(again->hours().size() == 2);
  uint64_t count = 0;
  for (const auto &[hour, h] : again->hours()) count += h.count;
  // Opened a minute later, one more minute has left.
  CHECK(count == 60);
}

TEST_CASE(
    "a recording in the flat layout of earlier versions opens, plays and expires without loss",
    "[index][archive]") {
  TempFolder folder;
  // What an earlier version left: flat seg-*.ts and a journal listing them.
  std::string journal =
      dvr::journal_magic_line() + dvr::journal_header_record(0, 0);
  for (uint64_t i = 0; i < 30; i++) {
    Segment s;
    s.sequence = i;
    s.filename = dvr::segment_filename(i);
    s.start_us = start_of(static_cast<int64_t>(i));
    s.duration_us = 2 * kSecond;
    s.bytes = 1000;
    journal += dvr::journal_segment_record(s);
    write_file(folder / s.filename, std::string(1000, 'G'));
  }
  write_file(folder / RecordingIndex::kJournalName, journal);

  // Upgraded with a longer retention than its window.
  auto index = open_index(archive_options(folder, 120, 600), start_of(30));
  CHECK(index->segments().size() == 30);
  CHECK(index->unaccounted_segments().empty());
  const std::string playlist = read_file(folder / "live.m3u8");
  CHECK(playlist.find("\nseg-0000000000.ts\n") != std::string::npos);
  // New footage goes to the day/hour folders; old footage stays where it is.
  const Segment next = add(*index, start_of(30));
  CHECK(next.filename == kHour0 + "seg-0000000030.ts");
  CHECK(exists(folder / "seg-0000000000.ts"));
  // Past the window, the flat footage is archive footage, still reached by time.
  REQUIRE(index->expire(start_of(100), nullptr));
  CHECK(index->segments_between(kT0, start_of(10)).size() == 10);
  CHECK(index->segments_between(kT0, start_of(10)).front().filename ==
        "seg-0000000000.ts");
  // Past the retention, it leaves the disk.
  REQUIRE(index->expire(start_of(31) + 700 * kSecond, nullptr));
  CHECK_FALSE(exists(folder / "seg-0000000000.ts"));
  CHECK_FALSE(exists(folder / "seg-0000000029.ts"));
}

TEST_CASE("a window longer than the retention is refused naming both",
          "[index][archive]") {
  dvr::RetentionPolicy policy;
  policy.window_s = 7200;
  policy.retention_s = 3600;
  std::string error;
  CHECK_FALSE(dvr::check_retention(policy, &error));
  CHECK(error.find("window") != std::string::npos);
  CHECK(error.find("retention") != std::string::npos);
  policy.retention_s = -1;
  CHECK(dvr::check_retention(policy, &error));
  policy.retention_s = 0;
  CHECK(dvr::check_retention(policy, &error));
  policy.retention_s = 7200;
  CHECK(dvr::check_retention(policy, &error));
  CHECK_FALSE(policy.keeps_archive());
  policy.retention_s = 86400;
  CHECK(policy.keeps_archive());
}

namespace {

// Adds a segment with its own "now", which is not its end when the clock stepped.
Segment add_at(RecordingIndex &index, int64_t start_us, int64_t now_us) {
  const std::string tmp = index.temporary_path();
  write_file(tmp, std::string(1000, 'G'));
  Segment added;
  std::string error;
  const bool ok = index.add_segment(tmp, start_us, 2 * kSecond, 1000, false,
                                    now_us, &added, &error);
  INFO(error);
  REQUIRE(ok);
  return added;
}

constexpr int64_t kDay = 86400 * kSecond;

// A recording of ten 2 s segments from kT0, then a step of the clock by step_us.
std::unique_ptr<RecordingIndex> ten_segments_then_step(
    const RecordingOptions &options, int64_t step_us) {
  auto index = open_index(options, kT0);
  for (int i = 0; i < 10; i++) add(*index, start_of(i));
  REQUIRE(index->clock_stepped(step_us, nullptr));
  return index;
}

}  // namespace

TEST_CASE(
    "a clock stepped forward by a day deletes nothing, and the footage before it ages by time that passed",
    "[index][clock]") {
  TempFolder folder;
  // A 20 s window kept for a minute.
  const auto options = archive_options(folder, 20, 60);
  {
    // The clock steps forward by a day while segment 10 is written.
    auto index = ten_segments_then_step(options, kDay);
    add_at(*index, start_of(10),
           start_of(11) + kDay);  // labelled before the step
    REQUIRE(index->close_clock_steps(nullptr));
    for (int i = 11; i < 14; i++) add(*index, start_of(i) + kDay);
    for (int i = 0; i < 14; i++) {
      INFO(i);
      CHECK(exists(file_of(folder, i)));
    }
    // The live playlist still lists the last 20 s of footage by elapsed time.
    CHECK(index->segments().size() >= 10);
    CHECK(index->segments().front().sequence <= 4);
    CHECK(exists(folder / dvr::ClockSteps::kFileName));
  }
  // A restart a day later by the new clock: the footage keeps its real age.
  auto index = open_index(options, start_of(14) + kDay);
  for (int i = 0; i < 14; i++) {
    INFO(i);
    CHECK(exists(file_of(folder, i)));
  }
  REQUIRE(index->clock_steps().steps().size() == 1);
  CHECK(index->clock_steps().steps()[0].first_sequence == 11);
  // It leaves by the retention counted in time that passed: 60 s after it ended.
  REQUIRE(index->expire(start_of(1) + kDay + 60 * kSecond + 1, nullptr));
  CHECK_FALSE(exists(file_of(folder, 0)));
  CHECK(exists(file_of(folder, 1)));
  REQUIRE(index->expire(start_of(14) + kDay + 61 * kSecond, nullptr));
  for (int i = 0; i < 13; i++) {
    INFO(i);
    CHECK_FALSE(exists(file_of(folder, i)));
  }
  // Once no footage before the step is left, the step is forgotten on open.
  index.reset();
  index = open_index(options, start_of(14) + kDay + 62 * kSecond);
  CHECK(index->clock_steps().steps().empty());
  CHECK_FALSE(exists(folder / dvr::ClockSteps::kFileName));
}

TEST_CASE(
    "a clock step forward is not forgotten by a crash before the first segment after it",
    "[index][clock]") {
  TempFolder folder;
  const auto options = archive_options(folder, 20, 60);
  // The process dies just after the step: no segment after it is ever listed.
  ten_segments_then_step(options, kDay);
  // Restarted on the new clock: by their labels every segment is a day old.
  const int64_t now = start_of(10) + kDay + 5 * kSecond;
  auto index = open_index(options, now);
  REQUIRE(index->clock_steps().steps().size() == 1);
  CHECK(index->clock_steps().steps()[0].first_sequence == 10);
  CHECK_FALSE(index->clock_steps().has_open());
  REQUIRE(index->expire(now, nullptr));
  for (int i = 0; i < 10; i++) {
    INFO(i);
    CHECK(exists(file_of(folder, i)));
  }
  // The live playlist holds the last 20 s by time that passed: 2 to 9.
  CHECK(index->segments().size() == 8);
  // This run's own segments age by their labels.
  add_at(*index, now, now + 2 * kSecond);
  CHECK(index->clock_steps().offset_for(10) == 0);
  CHECK(index->clock_steps().offset_for(9) == kDay);
}

TEST_CASE(
    "a clock stepped back never keeps footage longer than its retention plus the step",
    "[index][clock]") {
  TempFolder folder;
  const auto options = archive_options(folder, 20, 60);
  const int64_t back = -3600 * kSecond;
  auto index = ten_segments_then_step(options, back);
  REQUIRE(index->close_clock_steps(nullptr));
  for (int i = 10; i < 14; i++) add(*index, start_of(i) + back);
  for (int i = 0; i < 14; i++) CHECK(exists(file_of(folder, i)));
  // Counted in time that passed: segment 0 ended 60 s before this.
  REQUIRE(index->expire(start_of(1) + back + 60 * kSecond + 1, nullptr));
  CHECK_FALSE(exists(file_of(folder, 0)));
  CHECK(exists(file_of(folder, 1)));
}

TEST_CASE(
    "a clock before the newest footage on open deletes nothing by age until it reaches it",
    "[index][clock]") {
  TempFolder folder;
  const auto options = archive_options(folder, 20, 60);
  {
    auto index = open_index(options, kT0);
    for (int i = 0; i < 20; i++) add(*index, start_of(i));
  }
  // Restarted with the clock an hour back (a board without a battery clock).
  const int64_t wrong = start_of(20) - 3600 * kSecond;
  auto index = open_index(options, wrong);
  CHECK_FALSE(index->clock_trusted());
  CHECK(index->trusted_from_us() == start_of(20) - options.clock_tolerance_us);
  for (int i = 0; i < 20; i++)
    add_at(*index, wrong + i * 2 * kSecond, wrong + (i + 1) * 2 * kSecond);
  for (int i = 0; i < 40; i++) {
    INFO(i);
    CHECK(exists(file_of(folder, i)));
  }
  // The clock is plausible again: ageing resumes.
  REQUIRE(index->expire(start_of(20) + 3600 * kSecond, nullptr));
  CHECK(index->clock_trusted());
  CHECK_FALSE(exists(file_of(folder, 0)));
}

TEST_CASE("a clock before the earliest plausible date deletes nothing by age",
          "[index][clock]") {
  TempFolder folder;
  auto options = archive_options(folder, 10, 20);
  options.earliest_plausible_us = kT0 + kDay;
  auto index = open_index(options, 0);
  for (int i = 0; i < 30; i++)
    add_at(*index, i * 2 * kSecond, (i + 1) * 2 * kSecond);
  CHECK_FALSE(index->clock_trusted());
  for (int i = 0; i < 30; i++) CHECK(exists(file_of(folder, i)));
  CHECK(index->segments().size() == 30);
  // Set by NTP: the step is noted, and the footage before it is a minute old.
  const int64_t step = kT0 + 2 * kDay - 60 * kSecond;
  REQUIRE(index->clock_stepped(step, nullptr));
  REQUIRE(index->close_clock_steps(nullptr));
  add_at(*index, 60 * kSecond + step, 62 * kSecond + step);
  CHECK(index->clock_trusted());
  // Window 10 s: the listed segments are the last 10 s by elapsed time.
  CHECK(index->segments().front().sequence >= 24);
  // Retention 20 s: footage of the last 20 s is still on disk.
  for (int i = 21; i < 31; i++) {
    INFO(i);
    CHECK(exists(file_of(folder, i)));
  }
}

TEST_CASE("a file waiting out its grace keeps it after a clock step forward",
          "[index][clock]") {
  TempFolder folder;
  auto index = open_index(options_for(folder, 10), kT0);
  for (int i = 0; i < 10; i++) add(*index, start_of(i));
  REQUIRE_FALSE(index->pending().empty());
  const uint64_t waiting = index->pending().front().sequence;
  const int64_t due = index->pending().front().due_us;
  REQUIRE(index->clock_stepped(kDay, nullptr));
  REQUIRE(index->expire(due + kDay - 1, nullptr));
  CHECK(exists(file_of(folder, waiting)));
  REQUIRE(index->expire(due + kDay, nullptr));
  CHECK_FALSE(exists(file_of(folder, waiting)));
}
