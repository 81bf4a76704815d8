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

extern char** environ;

namespace {

const char* kCamera =
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! ";

pid_t spawn_launch(const std::string& pipeline) {
  std::string cmd = "exec gst-launch-1.0 -e " + with_test_muxer(pipeline) + " >/dev/null 2>&1";
  const char* argv[] = {"sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = -1;
  posix_spawnp(&pid, "sh", nullptr, nullptr, const_cast<char**>(argv), environ);
  return pid;
}

}  // namespace

TEST_CASE("killed with SIGKILL mid-segment and started again, a recording loses nothing it listed and marks the gap") {
  // With fsync off too: what the process wrote is in the page cache, which a
  // killed process does not take with it.
  const bool fsync = GENERATE(true, false);
  INFO("fsync " << fsync);
  TempDir dir;
  const std::string desc = std::string(kCamera) + "dvrsink location=" + dir.path +
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

  BusLog log;
  run_pipeline(desc, 3.0, &log);
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
    CHECK(uri_name(after.segments[i].uri) == segment_name(static_cast<long long>(i)));
    marked += after.segments[i].discontinuity ? 1 : 0;
  }
  CHECK(marked == 1);
  require_segments_valid(dir, after);
  require_no_temporaries(dir);
}

TEST_CASE("started again after longer than the window, the old segments expire by wall clock and are deleted", "[index]") {
  TempDir dir;
  const std::string desc =
      std::string(kCamera) + "dvrsink location=" + dir.path + " segment-duration=1 window=2 delete-grace=1";
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
  for (const auto& s : now.segments) listed.insert(s.uri);
  for (const auto& s : old.segments) {
    INFO(s.uri);
    CHECK(listed.count(s.uri) == 0);
    CHECK_FALSE(file_exists(dir.file(s.uri)));
  }
  // Numbering goes on where it stopped.
  CHECK(now.media_sequence > static_cast<long long>(old.media_sequence + old.segments.size() - 1));
  REQUIRE_FALSE(now.segments.empty());
  require_segments_valid(dir, now);
}

TEST_CASE("a full disk is a warning naming the folder; recording goes on when space is back") {
  if (geteuid() != 0) {
    // Not a pass: nothing was shown about a full disk.
    FAIL("needs root to mount a small tmpfs: run the element suite as root");
  }
  TempDir dir;
  const std::string mnt = dir.file("small");
  REQUIRE(mkdir(mnt.c_str(), 0755) == 0);
  REQUIRE(mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=3m") == 0);
  // Unmounted before the folder goes, whichever check fails.
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string folder = mnt + "/cam";
  const std::string filler = mnt + "/filler";
  // Leave about 140 KB: a few 40 KB segments fit, then the disk is full.
  int status = -1;
  run_command("head -c 3000000 /dev/zero > " + filler, &status);
  REQUIRE(status == 0);

  BusLog log;
  bool freed = false;
  run_pipeline(std::string(kCamera) + "dvrsink name=dvr location=" + folder + " segment-duration=1 window=0", 9.0,
               &log, [&](GstElement* pipeline) {
                 GstBus* bus = gst_element_get_bus(pipeline);
                 // In the streaming thread: free space as soon as the recorder warns.
                 gst_bus_set_sync_handler(
                     bus,
                     +[](GstBus*, GstMessage* msg, gpointer data) -> GstBusSyncReply {
                       auto* state = static_cast<std::pair<std::string, bool*>*>(data);
                       if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING && !*state->second) {
                         *state->second = true;
                         unlink(state->first.c_str());
                       }
                       return GST_BUS_PASS;
                     },
                     new std::pair<std::string, bool*>(filler, &freed), nullptr);
                 gst_object_unref(bus);
               });
  ParsedPlaylist pl = parse_playlist(read_file(folder + "/live.m3u8"));
  std::vector<std::string> names = list_recording(folder);
  // Every listed segment, also those written around the full disk, is whole.
  require_segments_valid(folder, pl);

  CHECK(log.errors.empty());
  REQUIRE_FALSE(log.warnings.empty());
  CHECK(log.warnings[0].find(folder) != std::string::npos);
  CHECK(freed);
  // Segments were listed after the disk filled up, with the hole marked.
  REQUIRE(pl.segments.size() >= 3);
  bool marked = false;
  for (const auto& s : pl.segments) marked = marked || s.discontinuity;
  CHECK(marked);
  CHECK(log.segments_added.size() >= 5);
  // Every listed segment is on disk (checked before the tmpfs went away).
  std::set<std::string> on_disk(names.begin(), names.end());
  for (const auto& s : pl.segments) {
    INFO(s.uri);
    CHECK(on_disk.count(s.uri) == 1);
  }
}
