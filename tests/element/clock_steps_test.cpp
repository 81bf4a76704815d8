// The system clock steps under a running recorder (NTP after boot, an admin's
// fix, a resumed VM): dvrsink runs in gst-launch-1.0 under libfaketime, whose
// wall clock this test steps by rewriting its timestamp file, while the
// monotonic clock (GStreamer's) runs on.
#include <catch2/catch.hpp>
#include <gio/gio.h>
#include <gst/gst.h>
#include <glib/gstdio.h>

#include <csignal>
#include <cmath>
#include <functional>
#include <string>

#include "recording_checks.h"

namespace {

const char *kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

// Small and light: ten frames a second, a keyframe each second, 1 s segments.
const char *kCamera =
    "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=10/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! h264parse ! ";

// libfaketime's timestamp file: "+0", "-3600", "@1970-01-02 00:00:00", "+0 x1.0005".
class FakeClock {
 public:
  explicit FakeClock(const TempDir &dir) : path_(dir.path + "-faketime") {
    set("+0");
  }
  ~FakeClock() { g_unlink(path_.c_str()); }
  // Replaced atomically: the recorder rereads it at every clock reading.
  void set(const std::string &spec) {
    const std::string tmp = path_ + ".tmp";
    REQUIRE(
        g_file_set_contents(tmp.c_str(), (spec + "\n").c_str(), -1, nullptr));
    REQUIRE(g_rename(tmp.c_str(), path_.c_str()) == 0);
  }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

// gst-launch-1.0 -e -m recording into a folder under the fake clock.
class Recorder {
 public:
  Recorder(const TempDir &dir, const FakeClock &clock,
           const std::string &properties)
      : log_(dir.path + "-launch-" + std::to_string(++runs_) + ".log"),
        playlist_(dir.file("live.m3u8")) {
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    g_subprocess_launcher_setenv(launcher, "LD_PRELOAD", kFaketime, TRUE);
    g_subprocess_launcher_setenv(launcher, "FAKETIME_TIMESTAMP_FILE",
                                 clock.path().c_str(), TRUE);
    g_subprocess_launcher_setenv(launcher, "FAKETIME_NO_CACHE", "1", TRUE);
    g_subprocess_launcher_setenv(launcher, "FAKETIME_DONT_FAKE_MONOTONIC", "1",
                                 TRUE);
    g_subprocess_launcher_set_stdout_file_path(launcher, log_.c_str());
    g_subprocess_launcher_set_stderr_file_path(launcher,
                                               (log_ + ".err").c_str());
    const std::string desc = std::string(kCamera) +
                             "dvrsink location=" + dir.path +
                             " segment-duration=1 " + properties;
    g_auto(GStrv) argv = nullptr;
    REQUIRE(g_shell_parse_argv(("gst-launch-1.0 -e -m " + desc).c_str(),
                               nullptr, &argv, nullptr));
    g_autoptr(GError) error = nullptr;
    proc_ = g_subprocess_launcher_spawnv(launcher, argv, &error);
    INFO((error ? error->message : ""));
    REQUIRE(proc_ != nullptr);
  }
  ~Recorder() {
    if (proc_ && !stopped_) {
      g_subprocess_force_exit(proc_);
      g_subprocess_wait(proc_, nullptr, nullptr);
    }
    g_clear_object(&proc_);
    g_unlink(log_.c_str());
    g_unlink((log_ + ".err").c_str());
  }
  // Waits (at most 20 s) until the live playlist satisfies done.
  void wait_for(const std::function<bool(const ParsedPlaylist &)> &done,
                const char *what) {
    const gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
      if (file_exists(playlist_) && done(parse_playlist(read_file(playlist_))))
        return;
      g_usleep(50000);
    }
    FAIL("timed out waiting for " << what
                                  << "; gst-launch said: " << read_file(log_)
                                  << read_file(log_ + ".err"));
  }
  // Ctrl-C: gst-launch -e ends the stream, the last segment is listed.
  std::string stop() {
    g_subprocess_send_signal(proc_, SIGINT);
    REQUIRE(g_subprocess_wait(proc_, nullptr, nullptr));
    stopped_ = true;
    return read_file(log_) + read_file(log_ + ".err");
  }

 private:
  static inline int runs_ = 0;
  std::string log_, playlist_;
  GSubprocess *proc_ = nullptr;
  bool stopped_ = false;
};

size_t discontinuities(const ParsedPlaylist &pl) {
  size_t n = 0;
  for (size_t i = 1; i < pl.segments.size(); i++)
    n += pl.segments[i].discontinuity;
  return n;
}

// Listed after the last discontinuity.
size_t since_last_discontinuity(const ParsedPlaylist &pl) {
  size_t n = 0;
  for (const ListedSegment &s : pl.segments) n = s.discontinuity ? 1 : n + 1;
  return n;
}

// PROGRAM-DATE-TIME follows EXTINF between two segments of one run, and
// jumps only at a discontinuity. Returns the jumps at discontinuities (ms).
std::vector<long long> pdt_jumps(const ParsedPlaylist &pl) {
  std::vector<long long> jumps;
  for (size_t i = 1; i < pl.segments.size(); i++) {
    const long long prev =
        parse_program_date_time(pl.segments[i - 1].program_date_time);
    const long long cur =
        parse_program_date_time(pl.segments[i].program_date_time);
    const long long jump =
        cur - prev - std::llround(pl.segments[i - 1].duration * 1000);
    INFO("segment " << pl.segments[i].uri << " jumps by " << jump << " ms");
    if (pl.segments[i].discontinuity)
      jumps.push_back(jump);
    else
      CHECK(std::llabs(jump) <= 50);
  }
  return jumps;
}

// Every segment the run listed is still on disk.
void check_all_on_disk(const TempDir &dir, const ParsedPlaylist &pl) {
  for (const ListedSegment &s : pl.segments) {
    INFO(s.uri);
    CHECK(file_exists(dir.file(s.uri)));
  }
}

// False, with a warning that the test is skipped, without libfaketime.
bool have_faketime() {
  if (file_exists(kFaketime)) return true;
  WARN("libfaketime is not installed (Debian: faketime): skipped");
  return false;
}

// What a run said on its bus and stderr, and the playlist it left.
struct Run {
  std::string said;
  ParsedPlaylist playlist;
};

// Records two segments, sets the clock to `step`, records two more after the
// discontinuity that makes, and stops.
Run record_across_step(const TempDir &dir, FakeClock &clock,
                       const std::string &props, const std::string &step) {
  Recorder rec(dir, clock, props);
  rec.wait_for([](const ParsedPlaylist &pl) { return pl.segments.size() >= 2; },
               "two segments");
  clock.set(step);
  rec.wait_for(
      [](const ParsedPlaylist &pl) {
        return discontinuities(pl) == 1 && since_last_discontinuity(pl) >= 2;
      },
      "two segments after the step");
  Run run{rec.stop(), {}};
  run.playlist = parse_playlist(read_file(dir.file("live.m3u8")));
  return run;
}

// Records again into the folder until `more` segments past `before` are
// listed, and stops.
Run record_again(const TempDir &dir, const FakeClock &clock,
                 const std::string &props, const ParsedPlaylist &before,
                 size_t more) {
  Recorder again(dir, clock, props);
  again.wait_for(
      [&](const ParsedPlaylist &pl) {
        return pl.segments.size() >= before.segments.size() + more;
      },
      "segments after the restart");
  Run run{again.stop(), {}};
  run.playlist = parse_playlist(read_file(dir.file("live.m3u8")));
  return run;
}

}  // namespace

TEST_CASE(
    "a clock stepped back an hour gives one discontinuity, a warning, and keeps every segment",
    "[index][clock]") {
  if (!have_faketime()) return;
  TempDir dir;
  FakeClock clock(dir);
  const Run run = record_across_step(dir, clock, "window=60", "-3600");
  CHECK(run.said.find("dvr-clock-step") != std::string::npos);
  CHECK(run.said.find("source=(string)system") != std::string::npos);
  CHECK(run.said.find("The system clock stepped by -3600.0") !=
        std::string::npos);
  const ParsedPlaylist &before = run.playlist;
  const std::vector<long long> jumps = pdt_jumps(before);
  REQUIRE(jumps.size() == 1);
  CHECK(jumps[0] == Approx(-3600000).margin(1000));
  check_all_on_disk(dir, before);
  CHECK(file_exists(dir.file("clock.steps")));

  // A restart after the step: nothing deleted, numbering goes on, the restart
  // is the only other discontinuity.
  const ParsedPlaylist after =
      record_again(dir, clock, "window=60", before, 2).playlist;
  CHECK(pdt_jumps(after).size() == 2);
  CHECK(after.media_sequence == before.media_sequence);
  check_all_on_disk(dir, after);
}

TEST_CASE(
    "a clock stepped forward a day deletes nothing, before and after a restart",
    "[index][clock]") {
  if (!have_faketime()) return;
  TempDir dir;
  FakeClock clock(dir);
  // Twenty seconds kept: by the labels, all of the first run is a day old.
  const Run run = record_across_step(dir, clock, "window=20", "+86400");
  CHECK(run.said.find("The system clock stepped by +86400.0") !=
        std::string::npos);
  const ParsedPlaylist &before = run.playlist;
  REQUIRE(before.media_sequence == 0);
  const std::vector<long long> jumps = pdt_jumps(before);
  REQUIRE(jumps.size() == 1);
  CHECK(jumps[0] == Approx(86400000).margin(1000));
  check_all_on_disk(dir, before);

  const ParsedPlaylist after =
      record_again(dir, clock, "window=20", before, 1).playlist;
  // The first run's segments are still listed: they are seconds old, not a day.
  CHECK(after.media_sequence == 0);
  check_all_on_disk(dir, before);
}

TEST_CASE(
    "a recorder started with a 1970 clock warns, deletes nothing, and keeps its footage once NTP sets the clock",
    "[index][clock]") {
  if (!have_faketime()) return;
  TempDir dir;
  FakeClock clock(dir);
  clock.set("@1970-01-02 00:00:00");
  const Run run = record_across_step(dir, clock, "window=20", "+0");
  CHECK(run.said.find("cannot be right") != std::string::npos);
  CHECK(run.said.find("the date this recorder was built") != std::string::npos);
  CHECK(run.said.find("dvr-clock-step") != std::string::npos);
  const ParsedPlaylist &before = run.playlist;
  REQUIRE(before.segments.size() >= 4);
  CHECK(before.segments.front().program_date_time.rfind("1970-01-02T00:00:0",
                                                        0) == 0);
  CHECK(before.segments.front().uri.rfind("1970-01-02/00/", 0) == 0);
  const std::vector<long long> jumps = pdt_jumps(before);
  REQUIRE(jumps.size() == 1);
  CHECK(jumps[0] > 50LL * 365 * 86400 * 1000);
  check_all_on_disk(dir, before);

  const Run again = record_again(dir, clock, "window=20", before, 1);
  CHECK(again.said.find("cannot be right") == std::string::npos);
  CHECK(again.playlist.media_sequence == 0);
  check_all_on_disk(dir, before);
}

TEST_CASE("a clock slewed by 500 ppm is followed without a discontinuity",
          "[index][clock]") {
  if (!have_faketime()) return;
  TempDir dir;
  FakeClock clock(dir);
  clock.set("+0 x1.0005");
  Recorder rec(dir, clock, "window=60");
  rec.wait_for([](const ParsedPlaylist &pl) { return pl.segments.size() >= 3; },
               "three segments");
  const std::string said = rec.stop();
  CHECK(said.find("dvr-clock-step") == std::string::npos);
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  CHECK(pdt_jumps(pl).empty());
  CHECK_FALSE(file_exists(dir.file("clock.steps")));
}

namespace {

// The camera's NTP clock as rtspsrc gives it, tied to the frames' capture
// (their timestamps): on this machine's time for the first step_after frames
// (counted, so that a loaded machine's slow start does not move the step),
// then an hour ahead. The first meta_from frames carry none, as rtspsrc's
// before the camera's first sender report.
struct CameraClock {
  int frames = 0;
  int step_after = 0;
  gint64 first_wall_us = 0;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  int meta_from = 0;
};

GstPadProbeReturn add_stepping_camera_clock(GstPad *, GstPadProbeInfo *info,
                                            gpointer data) {
  CameraClock *c = static_cast<CameraClock *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  if (c->first_wall_us == 0) {
    c->first_wall_us = g_get_real_time();
    c->first_pts = GST_BUFFER_PTS(buf);
  }
  const gint64 captured =
      c->first_wall_us +
      static_cast<gint64>(GST_BUFFER_PTS(buf) - c->first_pts) / 1000;
  if (c->frames < c->meta_from) {
    c->frames++;
    return GST_PAD_PROBE_OK;
  }
  const gint64 unix_us =
      captured + (c->frames++ >= c->step_after
                      ? G_GINT64_CONSTANT(3600) * G_USEC_PER_SEC
                      : 0);
  GST_PAD_PROBE_INFO_DATA(info) = with_camera_clock(buf, unix_us);
  return GST_PAD_PROBE_OK;
}

// 4.5 s of the test camera into dir with wall-clock=camera, its NTP clock
// as `camera` says.
void record_with_camera_clock(const TempDir &dir, CameraClock *camera,
                              BusLog *log) {
  run_pipeline(
      std::string(kCamera) +
          "identity name=parse ! dvrsink location=" + dir.path +
          " segment-duration=1 window=60 wall-clock=camera clock-tolerance=2000",
      4.5, log, [camera](GstElement *pipeline) {
        GstElement *parse = gst_bin_get_by_name(GST_BIN(pipeline), "parse");
        GstPad *pad = gst_element_get_static_pad(parse, "src");
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER,
                          add_stepping_camera_clock, camera, nullptr);
        gst_object_unref(pad);
        gst_object_unref(parse);
      });
}

}  // namespace

TEST_CASE(
    "a camera clock that steps gives a discontinuity and a warning, and no retention effect",
    "[index][clock]") {
  TempDir dir;
  BusLog log;
  CameraClock camera{0, 12, 0, GST_CLOCK_TIME_NONE};
  record_with_camera_clock(dir, &camera, &log);
  REQUIRE(log.errors.empty());
  size_t said = 0;
  for (const std::string &w : log.warnings)
    said +=
        w.find("The camera's clock stepped by +3600.0") != std::string::npos;
  CHECK(said == 1);
  for (const std::string &w : log.warnings)
    CHECK(w.find("off this machine's") == std::string::npos);
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  CHECK(discontinuities(pl) == 1);
  // The recording goes on by the local clock, on which the camera's agreed.
  const std::vector<long long> jumps = pdt_jumps(pl);
  REQUIRE(jumps.size() == 1);
  CHECK(std::llabs(jumps[0]) <= 50);
  CHECK_FALSE(file_exists(dir.file("clock.steps")));
}

TEST_CASE(
    "a camera clock that is off from its first reading is no step: the recording stays on the local clock "
    "without a discontinuity",
    "[index][clock]") {
  TempDir dir;
  BusLog log;
  // An hour ahead from the first sender report on, which reaches the 12th
  // frame: the frames before it were labelled by the local clock.
  CameraClock camera{0, 0, 0, GST_CLOCK_TIME_NONE, 12};
  const gint64 started_ms = g_get_real_time() / 1000;
  record_with_camera_clock(dir, &camera, &log);
  REQUIRE(log.errors.empty());
  REQUIRE(camera.frames > camera.meta_from + 10);
  size_t off = 0;
  for (const std::string &w : log.warnings) {
    CHECK(w.find("clock stepped") == std::string::npos);
    off += w.find("The camera's clock is +3600.0") != std::string::npos &&
           w.find("off this machine's") != std::string::npos;
  }
  // Said once, how far off: not a step, but not silent either.
  CHECK(off == 1);
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE(pl.segments.size() >= 3);
  CHECK(discontinuities(pl) == 0);
  CHECK(pdt_jumps(pl).empty());
  // Labelled by this machine's clock throughout, not the camera's hour.
  const long long last =
      parse_program_date_time(pl.segments.back().program_date_time);
  CHECK(std::llabs(last - started_ms) < 10000);
  CHECK_FALSE(file_exists(dir.file("clock.steps")));
}
