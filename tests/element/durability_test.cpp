// What a camera owner trusts: recordings that survive a crash, a long stop and a
// full disk.
#include <catch2/catch.hpp>
#include <gst/gst.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <thread>

#include "recording_checks.h"

extern char **environ;

namespace {

const char *kCamera =
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! ";

pid_t spawn_launch(const std::string &pipeline) {
  std::string cmd = "exec gst-launch-1.0 -e " + with_test_writer(pipeline) +
                    " >/dev/null 2>&1";
  const char *argv[] = {"sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = -1;
  posix_spawnp(&pid, "sh", nullptr, nullptr, const_cast<char **>(argv),
               environ);
  return pid;
}

}  // namespace

TEST_CASE(
    "killed with SIGKILL mid-segment and started again, a recording loses nothing it listed and marks the gap") {
  // With fsync off too: what the process wrote is in the page cache, which a
  // killed process does not take with it.
  const bool fsync = GENERATE(true, false);
  INFO("fsync " << fsync);
  TempDir dir;
  const std::string desc =
      std::string(kCamera) + "dvrsink location=" + dir.path +
      " segment-duration=1 window=0 fsync=" + (fsync ? "true" : "false");
  pid_t pid = spawn_launch(desc);
  REQUIRE(pid > 0);
  // Wait until a few segments are listed, then kill in the middle of the next one.
  ParsedPlaylist before;
  for (int i = 0; i < 100 && before.segments.size() < 3; i++) {
    g_usleep(100 * 1000);
    before = parse_playlist(read_file(dir.file("live.m3u8")));
  }
  REQUIRE(before.segments.size() >= 3);
  g_usleep(500 * 1000);
  before = parse_playlist(read_file(dir.file("live.m3u8")));
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));

  // Started again: 3 s of frames, not live, as fast as they encode (what the
  // crash left is what is checked).
  BusLog log;
  std::string again = desc;
  again.replace(again.find("is-live=true"), 12, "is-live=false num-buffers=90");
  run_pipeline(again, 60.0, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist after = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE(after.segments.size() >= before.segments.size() + 2);
  for (size_t i = 0; i < before.segments.size(); i++) {
    CHECK(after.segments[i].uri == before.segments[i].uri);
    CHECK(after.segments[i].duration == before.segments[i].duration);
  }
  // Sequence numbers rise without a hole, and the gap is marked once.
  int marked = 0;
  for (size_t i = 0; i < after.segments.size(); i++) {
    CHECK(uri_name(after.segments[i].uri) ==
          segment_name(static_cast<long long>(i)));
    marked += after.segments[i].discontinuity ? 1 : 0;
  }
  CHECK(marked == 1);
  require_segments_valid(dir, after);
  require_no_temporaries(dir);
}

TEST_CASE(
    "started again after longer than the window, the old segments expire by wall clock and are deleted",
    "[index]") {
  TempDir dir;
  const std::string desc = std::string(kCamera) +
                           "dvrsink location=" + dir.path +
                           " segment-duration=1 window=2 delete-grace=1";
  BusLog first;
  run_pipeline(desc, 2.5, &first);
  REQUIRE(first.errors.empty());
  ParsedPlaylist old = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE_FALSE(old.segments.empty());
  g_usleep(4 * G_USEC_PER_SEC);  // longer than window + grace

  BusLog second;
  run_pipeline(desc, 2.5, &second);
  REQUIRE(second.errors.empty());
  ParsedPlaylist now = parse_playlist(read_file(dir.file("live.m3u8")));
  std::set<std::string> listed;
  for (const auto &s : now.segments) listed.insert(s.uri);
  for (const auto &s : old.segments) {
    INFO(s.uri);
    CHECK(listed.count(s.uri) == 0);
    CHECK_FALSE(file_exists(dir.file(s.uri)));
  }
  // Numbering goes on where it stopped.
  CHECK(now.media_sequence >
        static_cast<long long>(old.media_sequence + old.segments.size() - 1));
  REQUIRE_FALSE(now.segments.empty());
  require_segments_valid(dir, now);
}

// A full disk: full_disk_test.cpp.
