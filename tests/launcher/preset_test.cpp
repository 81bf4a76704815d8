// Preset parsing: what a user sees when a preset is right, and the message
// that points at the mistake when it is not.
#include <glib.h>
#include <glib/gstdio.h>

#include <catch2/catch.hpp>
#include <string>

#include "supervise/pipeline_description.h"
#include "config/preset.h"

using namespace dvr;

namespace {

const std::string kFile = "/tmp/p.ini";

Preset parse_ok(const std::string &text) {
  auto r = parse_preset(text, kFile);
  INFO(r.error);
  REQUIRE(r.preset);
  return *r.preset;
}

std::string parse_error(const std::string &text) {
  auto r = parse_preset(text, kFile);
  REQUIRE_FALSE(r.preset);
  return r.error;
}

const char *kRtspCamera =
    "[camera door]\n"
    "source = rtsp\n"
    "url = rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0\n"
    "user = admin\n"
    "password = s3cr3t-Pa55\n";

// What `dvr-launcher --preset PATH --check` printed, and whether it succeeded.
struct CheckRun {
  bool ok = false;
  std::string out, err;
};

CheckRun run_check(const char *launcher, const char *path) {
  const char *argv[] = {launcher, "--preset", path, "--check", nullptr};
  g_autofree char *out = nullptr;
  g_autofree char *err = nullptr;
  int status = 0;
  CheckRun run;
  REQUIRE(g_spawn_sync(nullptr, const_cast<char **>(argv), nullptr,
                       G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err, &status,
                       nullptr));
  run.ok = g_spawn_check_wait_status(status, nullptr);
  run.out = out ? out : "";
  run.err = err ? err : "";
  return run;
}

}  // namespace

TEST_CASE(
    "the demo preset gives two test cameras with 2 s segments and a 120 s window",
    "[preset]") {
  auto r = load_preset(TEST_PRESETS_DIR "/demo.ini");
  INFO(r.error);
  REQUIRE(r.preset);
  const Preset &p = *r.preset;
  REQUIRE(p.cameras.size() == 2);
  CHECK(p.cameras[0].name == "cam1");
  CHECK(p.cameras[1].name == "cam2");
  CHECK(p.cameras[0].test.pattern != p.cameras[1].test.pattern);
  for (const auto &cam : p.cameras) {
    CHECK(cam.source == SourceKind::Test);
    CHECK(cam.dvr.segment_duration == 2);
    CHECK(cam.dvr.window == 120);
    CHECK(cam.dvr.max_bytes == 0);
  }
  CHECK(p.listen.port == 8080);
  CHECK(p.listen.is_loopback());
  CHECK(p.storage == "recordings");
}

TEST_CASE("the dahua template is a valid preset of rtsp cameras", "[preset]") {
  auto r = load_preset(TEST_PRESETS_DIR "/dahua.ini");
  INFO(r.error);
  REQUIRE(r.preset);
  REQUIRE(r.preset->cameras.size() == 2);
  for (const auto &cam : r.preset->cameras) {
    CHECK(cam.source == SourceKind::Rtsp);
    CHECK(cam.rtsp.url.rfind("rtsp://", 0) == 0);
    CHECK_THAT(cam.rtsp.url,
               Catch::EndsWith("/cam/realmonitor?channel=1&subtype=0"));
    CHECK(cam.rtsp.transport == "tcp");
    CHECK(cam.rtsp.codec == std::nullopt);
    CHECK(cam.dvr.segment_duration == 2);
    CHECK(cam.dvr.stall_timeout == 10);
    CHECK(cam.dvr.auth_retry == 300);
  }
  const auto &door = r.preset->cameras[0];
  CHECK(door.dvr.window == 7200);  // two hours of 2 s segments
  CHECK(door.dvr.retention == 7 * 86400);
  CHECK(r.preset->cameras[1].dvr.window == 7200);
  CHECK(r.preset->cameras[1].dvr.retention == 30 * 86400);
  CHECK(door.dvr.audio == AudioMode::Aac);
  CHECK(r.preset->cameras[1].dvr.audio == AudioMode::Off);
}

TEST_CASE(
    "a camera takes [dvr] defaults wherever [dvr] stands, and may override them",
    "[preset]") {
  auto p = parse_ok(
      "[camera a]\nsource = test\nwindow = 30\n"
      "[camera b]\nsource = test\n"
      "[dvr]\nsegment-duration = 4\nwindow = 600\nmax-bytes = 1000000000\n");
  REQUIRE(p.cameras.size() == 2);
  CHECK(p.cameras[0].dvr.segment_duration == 4);
  CHECK(p.cameras[0].dvr.window == 30);
  CHECK(p.cameras[1].dvr.window == 600);
  CHECK(p.cameras[1].dvr.max_bytes == 1000000000ull);
  CHECK(p.cameras[1].test.width == 640);  // defaults when unset
}

TEST_CASE("an unknown key is reported as file:section:key", "[preset]") {
  auto e = parse_error("[camera cam1]\nsource = test\ncolour = red\n");
  CHECK_THAT(e, Catch::Contains(kFile + ":camera cam1:colour: unknown key"));
  e = parse_error("[server]\nport = 80\n[camera cam1]\nsource = test\n");
  CHECK_THAT(e, Catch::Contains(kFile + ":server:port: unknown key"));
}

TEST_CASE("a key of the other source type is reported", "[preset]") {
  auto e = parse_error("[camera cam1]\nsource = test\nurl = rtsp://x/\n");
  CHECK_THAT(e,
             Catch::Contains(kFile + ":camera cam1:url: only for source=rtsp"));
}

TEST_CASE("a bad number names the key and the value", "[preset]") {
  auto e = parse_error("[camera cam1]\nsource = test\nwidth = wide\n");
  CHECK_THAT(e, Catch::Contains(kFile + ":camera cam1:width:"));
  CHECK_THAT(e, Catch::Contains("\"wide\""));
  CHECK_THAT(
      parse_error("[dvr]\nsegment-duration = 0\n[camera c]\nsource = test\n"),
      Catch::Contains(
          kFile +
          ":dvr:segment-duration: expected a whole number from 1 to 60"));
  CHECK_THAT(parse_error("[dvr]\nwindow = -5\n[camera c]\nsource = test\n"),
             Catch::Contains(":dvr:window:"));
  CHECK_THAT(parse_error("[camera c]\nsource = test\nframerate = 25.5\n"),
             Catch::Contains(":camera c:framerate:"));
}

TEST_CASE("every mistake of a preset is reported at once", "[preset]") {
  auto e = parse_error("[camera cam1]\nsource = test\nwidth = x\nheight = y\n");
  CHECK_THAT(e, Catch::Contains(":camera cam1:width:"));
  CHECK_THAT(e, Catch::Contains(":camera cam1:height:"));
}

TEST_CASE("an rtsp camera without url is reported", "[preset]") {
  auto e = parse_error("[camera door]\nsource = rtsp\nuser = admin\n");
  CHECK_THAT(e, Catch::Contains(kFile + ":camera door:url: missing"));
}

TEST_CASE(
    "a camera without source, with a bad source, or a bad url is reported",
    "[preset]") {
  CHECK_THAT(parse_error("[camera c]\npattern = ball\n"),
             Catch::Contains(kFile + ":camera c:source: missing"));
  CHECK_THAT(
      parse_error("[camera c]\nsource = usb\n"),
      Catch::Contains(kFile + ":camera c:source: expected test or rtsp"));
  CHECK_THAT(parse_error("[camera c]\nsource = rtsp\nurl = http://cam/\n"),
             Catch::Contains(kFile + ":camera c:url: expected an rtsp:// URL"));
  CHECK_THAT(parse_error("[camera c]\nsource = test\npattern = plaid\n"),
             Catch::Contains(
                 kFile + ":camera c:pattern: unknown videotestsrc pattern"));
  CHECK_THAT(
      parse_error(
          "[camera c]\nsource = rtsp\nurl = rtsp://h/\ntransport = carrier-pigeon\n"),
      Catch::Contains(kFile + ":camera c:transport:"));
}

TEST_CASE(
    "ingest picks dvrrtspsrc or rtspsrc per camera: lean over TCP unless told, rtspsrc for UDP",
    "[preset]") {
  const std::string base = "[camera c]\nsource = rtsp\nurl = rtsp://h/\n";
  CHECK(parse_ok(base).cameras[0].rtsp.ingest == Ingest::Lean);
  CHECK(parse_ok(base + "ingest = rtspsrc\n").cameras[0].rtsp.ingest ==
        Ingest::Rtspsrc);
  CHECK(parse_ok(base + "ingest = lean\ntransport = tcp\n")
            .cameras[0]
            .rtsp.ingest == Ingest::Lean);
  CHECK(parse_ok(base + "transport = udp\n").cameras[0].rtsp.ingest ==
        Ingest::Rtspsrc);
  CHECK_THAT(
      parse_error(base + "transport = udp\ningest = lean\n"),
      Catch::Contains(
          kFile + ":camera c:ingest: ingest = lean receives over TCP only"));
  CHECK_THAT(parse_error(base + "ingest = ffmpeg\n"),
             Catch::Contains(
                 kFile +
                 ":camera c:ingest: expected lean or rtspsrc, got \"ffmpeg\""));
  // A change of ingest is a different way of recording: a reload restarts the camera.
  CHECK(parse_ok(base).cameras[0] !=
        parse_ok(base + "ingest = rtspsrc\n").cameras[0]);
}

TEST_CASE(
    "wall-clock = camera labels footage by the camera's sender reports, which only rtspsrc reads",
    "[preset]") {
  const std::string base = "[camera c]\nsource = rtsp\nurl = rtsp://h/\n";
  const auto plain = parse_ok(base).cameras[0].rtsp;
  CHECK(plain.wall_clock == WallClock::Local);
  CHECK(parse_ok(base + "wall-clock = local\n").cameras[0].rtsp.ingest ==
        Ingest::Lean);
  const auto camera = parse_ok(base + "wall-clock = camera\n").cameras[0].rtsp;
  CHECK(camera.wall_clock == WallClock::Camera);
  CHECK(camera.ingest == Ingest::Rtspsrc);
  CHECK(parse_ok(base + "wall-clock = camera\ningest = rtspsrc\n")
            .cameras[0]
            .rtsp.ingest == Ingest::Rtspsrc);
  CHECK_THAT(
      parse_error(base + "wall-clock = camera\ningest = lean\n"),
      Catch::Contains(kFile + ":camera c:ingest: ingest = lean does not read "
                              "the camera's RTCP sender reports"));
  CHECK_THAT(
      parse_error(base + "wall-clock = gps\n"),
      Catch::Contains(
          kFile +
          ":camera c:wall-clock: expected local or camera, got \"gps\""));
  CHECK_THAT(
      parse_error("[camera t]\nsource = test\nwall-clock = camera\n"),
      Catch::Contains(kFile + ":camera t:wall-clock: only for source=rtsp"));
  // Another clock labels the footage differently: a reload restarts the camera.
  CHECK(parse_ok(base + "ingest = rtspsrc\n").cameras[0] !=
        parse_ok(base + "wall-clock = camera\n").cameras[0]);
}

TEST_CASE("sections and camera names are checked", "[preset]") {
  CHECK_THAT(parse_error("[cameras]\n[camera c]\nsource = test\n"),
             Catch::Contains(kFile + ":cameras: unknown section"));
  CHECK_THAT(parse_error("[camera Cam1]\nsource = test\n"),
             Catch::Contains(kFile + ":camera Cam1: camera name"));
  CHECK_THAT(parse_error("[camera ../etc]\nsource = test\n"),
             Catch::Contains("camera name"));
  CHECK_THAT(parse_error("[camera -x]\nsource = test\n"),
             Catch::Contains("camera name"));
  CHECK_THAT(
      parse_error("[camera c]\nsource = test\n[camera c]\npattern = ball\n"),
      Catch::Contains("more than once"));
  CHECK_THAT(parse_error("[server]\nlisten = 127.0.0.1:8080\n"),
             Catch::Contains("no camera defined"));
  CHECK_THAT(
      parse_error("[camera c]\nsource = test\n[server]\nlisten = nowhere\n"),
      Catch::Contains(kFile + ":server:listen:"));
  CHECK(is_valid_camera_name("a"));
  CHECK(is_valid_camera_name("front-door_2"));
  CHECK_FALSE(is_valid_camera_name(std::string(33, 'a')));
  CHECK(is_valid_camera_name(std::string(32, 'a')));
}

TEST_CASE("a syntax error names the file", "[preset]") {
  CHECK_THAT(parse_error("this is not a key file\n"),
             Catch::StartsWith(kFile + ":1: "));
}

TEST_CASE("a line without '=' is reported by its number, never by its text",
          "[preset][secrets]") {
  const std::string e = parse_error(
      "# cameras\n"
      "[camera door]\n"
      "source = rtsp\n"
      "url = rtsp://192.168.1.108/cam/realmonitor?channel=1&subtype=0\n"
      "password s3cr3t-Pa55\n"
      "user = admin\n"
      "  hunter2-Secret\r\n");
  INFO(e);
  CHECK_THAT(e, Catch::Contains(kFile + ":5: not a key = value line"));
  CHECK_THAT(e, Catch::Contains(kFile + ":7: not a key = value line"));
  CHECK_THAT(e, !Catch::Contains("s3cr3t"));
  CHECK_THAT(e, !Catch::Contains("hunter2"));
  CHECK_THAT(e, !Catch::Contains("password"));
}

TEST_CASE(
    "every key-file syntax error is reported with its line, and only its line",
    "[preset][secrets]") {
  const std::string e = parse_error(
      "pass = w0rd-One\n"  // before any section
      "[camera c]\n"
      "= w0rd-Two\n"           // no key
      "pass[x = w0rd-Three\n"  // not a key name
      "[a[b]\n"                // not a section name
      "source = test\n");
  INFO(e);
  CHECK_THAT(
      e, Catch::Contains(kFile + ":1: key = value before the first [section]"));
  CHECK_THAT(e, Catch::Contains(kFile + ":3: a value without a key"));
  CHECK_THAT(e, Catch::Contains(kFile + ":4: not a valid key name"));
  CHECK_THAT(e, Catch::Contains(kFile + ":5: not a valid section name"));
  CHECK_THAT(e, !Catch::Contains("w0rd"));
}

TEST_CASE("the line check accepts exactly what GLib's key-file parser accepts",
          "[preset]") {
  // Each line after a valid [camera c] section.
  const char *lines[] = {"source = test",
                         "  # indented comment",
                         "\t",
                         "[camera d]  \t",
                         "[camera e] x",
                         "[]",
                         "[a]b]",
                         "key",
                         "=v",
                         "k[de_DE.UTF-8@euro] = v",
                         "k[de = v",
                         "k] = v",
                         "k[] = v",
                         "k = v = w",
                         "k=",
                         "[a\x01]",
                         "[unclosed",
                         "[x=y",
                         " [camera f]",
                         "k\r"};
  for (const char *line : lines) {
    const std::string text =
        std::string("[camera c]\nsource = test\n") + line + "\n";
    g_autoptr(GKeyFile) kf = g_key_file_new();
    const bool glib_ok = g_key_file_load_from_data(kf, text.data(), text.size(),
                                                   G_KEY_FILE_NONE, nullptr);
    const auto r = parse_preset(text, kFile);
    INFO("line: " << line << "\n" << r.error);
    CHECK(glib_ok == (r.error.find(kFile + ":3: ") == std::string::npos));
  }
}

TEST_CASE(
    "a preset that does not set them gets a 10 s stall timeout and a 300 s auth retry",
    "[preset]") {
  auto p = parse_ok(std::string(kRtspCamera) +
                    "[camera yard]\nsource = test\n[dvr]\nwindow = 60\n");
  REQUIRE(p.cameras.size() == 2);
  for (const auto &cam : p.cameras) {
    CHECK(cam.dvr.stall_timeout == 10);
    CHECK(cam.dvr.auth_retry == 300);
  }
  // Set in [dvr], they are inherited; set on a camera, they are its own.
  p = parse_ok(
      "[dvr]\nstall-timeout = 4\nauth-retry = 900\n[camera a]\nsource = test\n"
      "[camera b]\nsource = test\nstall-timeout = 20\nauth-retry = 60\n");
  CHECK(p.cameras[0].dvr.stall_timeout == 4);
  CHECK(p.cameras[0].dvr.auth_retry == 900);
  CHECK(p.cameras[1].dvr.stall_timeout == 20);
  CHECK(p.cameras[1].dvr.auth_retry == 60);
}

TEST_CASE("a password comes from the preset or from an environment variable",
          "[preset]") {
  auto p = parse_ok(kRtspCamera);
  CHECK(p.cameras[0].rtsp.password == "s3cr3t-Pa55");

  g_setenv("DVR_TEST_PASSWORD", "from-env", TRUE);
  p = parse_ok(
      "[camera c]\nsource = rtsp\nurl = rtsp://h/\npassword-env = DVR_TEST_PASSWORD\n");
  CHECK(p.cameras[0].rtsp.password == "from-env");
  g_unsetenv("DVR_TEST_PASSWORD");
  CHECK_THAT(
      parse_error(
          "[camera c]\nsource = rtsp\nurl = rtsp://h/\npassword-env = DVR_TEST_PASSWORD\n"),
      Catch::Contains(
          kFile +
          ":camera c:password-env: environment variable DVR_TEST_PASSWORD is not set"));
  CHECK_THAT(
      parse_error(
          "[camera c]\nsource = rtsp\nurl = rtsp://h/\npassword = a\npassword-env = B\n"),
      Catch::Contains("either password or password-env"));
}

TEST_CASE(
    "retention is apart from the window, equals it when unset, and is never shorter",
    "[preset]") {
  auto p = parse_ok(
      "[dvr]\nwindow = 600\nretention = 86400\n"
      "[camera a]\nsource = test\n"
      "[camera b]\nsource = test\nretention = 0\n"
      "[camera c]\nsource = test\nwindow = 60\n");
  CHECK(p.cameras[0].dvr.retention == 86400);
  CHECK(p.cameras[1].dvr.retention_held() == 0);
  CHECK(p.cameras[2].dvr.retention_held() == 86400);
  auto unset = parse_ok("[camera a]\nsource = test\nwindow = 90\n");
  CHECK(unset.cameras[0].dvr.retention_held() == 90);
  CHECK_THAT(
      pipeline_description(p.cameras[0], {"/rec/a", false}, Secrets::Omit),
      Catch::Contains(" retention=86400"));
  CHECK_THAT(
      pipeline_description(unset.cameras[0], {"/rec/a", false}, Secrets::Omit),
      !Catch::Contains("retention"));
  const std::string error = parse_error(
      "[camera a]\nsource = test\nwindow = 7200\nretention = 3600\n");
  CHECK_THAT(error, Catch::Contains("/tmp/p.ini:camera a:window"));
  CHECK_THAT(error, Catch::Contains(
                        "window (7200 s) is longer than retention (3600 s)"));
}

TEST_CASE("min-free is a percentage of the storage filesystem or bytes",
          "[preset]") {
  const std::string cam = "[camera a]\nsource = test\n";
  auto percent = parse_ok("[server]\nmin-free = 10%\n" + cam);
  CHECK(percent.min_free_percent == 10);
  CHECK(percent.min_free_bytes == 0);
  CHECK(parse_ok("[server]\nmin-free = 50G\n" + cam).min_free_bytes ==
        50ull << 30);
  CHECK(parse_ok("[server]\nmin-free = 2000000\n" + cam).min_free_bytes ==
        2000000);
  CHECK(parse_ok(cam).min_free_bytes == 0);
  for (const char *bad : {"95%", "0%", "lots", "10 %", "5P", "-1"}) {
    INFO(bad);
    CHECK_THAT(
        parse_error(std::string("[server]\nmin-free = ") + bad + "\n" + cam),
        Catch::Contains("/tmp/p.ini:server:min-free: expected a percentage"));
  }
}

TEST_CASE(
    "a test camera's pipeline encodes, parses and records with the preset's settings",
    "[pipeline]") {
  auto p = parse_ok(
      "[camera cam1]\nsource = test\npattern = ball\nwidth = 320\nheight = 240\nframerate = 10\n"
      "bitrate = 500\nsegment-duration = 1\nwindow = 20\n");
  const std::string d =
      pipeline_description(p.cameras[0], {"/rec/cam1", true}, Secrets::Omit);
  CHECK_THAT(
      d,
      Catch::StartsWith(
          "videotestsrc name=src is-live=true pattern=ball ! "
          "video/x-raw,width=320,height=240,framerate=10/1 ! clockoverlay "));
  CHECK_THAT(
      d,
      Catch::Contains(
          "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 bitrate=500 ! "
          "video/x-h264,profile=main ! dvrsink name=sink location=/rec/cam1 "
          "segment-duration=1 window=20 max-bytes=0 endlist=false send-keyframe-requests=true"));
  CHECK_THAT(
      pipeline_description(p.cameras[0], {"/rec/cam1", false}, Secrets::Omit),
      !Catch::Contains("clockoverlay"));
}

TEST_CASE(
    "a storage path with spaces and quotes survives both gst-launch and the shell",
    "[pipeline]") {
  auto p = parse_ok("[camera c]\nsource = test\n");
  const std::string d = pipeline_description(
      p.cameras[0], {"/my rec/it's \"here\"", false}, Secrets::Omit);
  CHECK_THAT(d, Catch::Contains("location=\"/my rec/it's \\\"here\\\"\""));
  const std::string cmd =
      gst_launch_command(p.cameras[0], {"/my rec/it's \"here\"", false});
  CHECK_THAT(cmd,
             Catch::Contains("'location=\"/my rec/it'\\''s \\\"here\\\"\"'"));
}

TEST_CASE(
    "a password never appears in a pipeline description or in the --check line",
    "[pipeline][secrets]") {
  auto p = parse_ok(kRtspCamera);
  const auto &cam = p.cameras[0];
  const PipelineOptions opts{"/rec/door", true};

  const std::string shown = gst_launch_command(cam, opts);
  CHECK_THAT(shown,
             Catch::StartsWith("gst-launch-1.0 -e dvrrtspsrc name=src "));
  CHECK_THAT(shown, Catch::Contains(
                        "user-id=admin 'user-pw=***' src.video ! dvrsink"));
  auto fallback = parse_ok(std::string(kRtspCamera) + "ingest = rtspsrc\n");
  const std::string shown_rtspsrc =
      gst_launch_command(fallback.cameras[0], opts);
  CHECK_THAT(shown_rtspsrc,
             Catch::StartsWith("gst-launch-1.0 -e rtspsrc name=src "));
  CHECK_THAT(
      shown_rtspsrc,
      Catch::Contains(
          "user-id=admin 'user-pw=***' protocols=tcp latency=200 src. ! "
          "application/x-rtp,media=video,encoding-name=H264 ! rtph264depay ! dvrsink"));
  CHECK_THAT(shown_rtspsrc, !Catch::Contains("s3cr3t"));
  CHECK_THAT(shown, Catch::Contains("send-keyframe-requests=false"));
  CHECK_THAT(
      shown,
      Catch::Contains(
          "'location=\"rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0\"'"));
  CHECK_THAT(shown, !Catch::Contains("s3cr3t"));

  const std::string masked = pipeline_description(cam, opts, Secrets::Mask);
  CHECK_THAT(masked, Catch::Contains("user-pw=***"));
  CHECK_THAT(masked, !Catch::Contains("s3cr3t"));

  // What the launcher runs holds no secret at all: they are set as properties.
  const std::string run = pipeline_description(cam, opts, Secrets::Omit);
  CHECK_THAT(run, !Catch::Contains("s3cr3t"));
  CHECK_THAT(run, !Catch::Contains("user-pw"));
  CHECK_THAT(run, !Catch::Contains("rtsp://"));
}

TEST_CASE(
    "a password inside the url is masked too, and redacted from error texts",
    "[pipeline][secrets]") {
  auto p = parse_ok(
      "[camera c]\nsource = rtsp\nurl = rtsp://admin:p%40ss@10.0.0.2/live\n");
  const auto &cam = p.cameras[0];
  const std::string shown = gst_launch_command(cam, {"/rec/c", false});
  CHECK_THAT(shown, Catch::Contains("rtsp://admin:***@10.0.0.2/live"));
  CHECK_THAT(shown, !Catch::Contains("p%40ss"));
  CHECK(mask_url("rtsp://10.0.0.2/a@b") == "rtsp://10.0.0.2/a@b");
  CHECK(mask_url("rtsp://user@10.0.0.2/") == "rtsp://user@10.0.0.2/");
  CHECK(
      redact("could not connect to rtsp://admin:p%40ss@10.0.0.2 as admin/p@ss",
             cam.secrets()) ==
      "could not connect to rtsp://admin:***@10.0.0.2 as admin/***");
}

TEST_CASE(
    "dvr-launcher --check prints each camera's gst-launch line with the password masked",
    "[check][secrets]") {
  const char *launcher = g_getenv("DVR_LAUNCHER");
  if (!launcher) {
    WARN("DVR_LAUNCHER not set: run through meson test");
    return;
  }
  g_autofree char *dir = g_dir_make_tmp("dvr-preset-XXXXXX", nullptr);
  REQUIRE(dir);
  g_autofree char *path = g_build_filename(dir, "cams.ini", nullptr);
  const std::string text =
      std::string(kRtspCamera) + "[camera cam2]\nsource = test\n";
  REQUIRE(g_file_set_contents(path, text.c_str(), -1, nullptr));

  const CheckRun good = run_check(launcher, path);
  INFO(good.out);
  INFO(good.err);
  CHECK(good.ok);
  const std::string all = good.out + good.err;
  CHECK_THAT(
      all,
      Catch::Contains(
          "# camera door (rtsp: video auto, audio: not recorded; the line shows H.264)\n"
          "gst-launch-1.0 -e dvrrtspsrc"));
  CHECK_THAT(all, Catch::Contains("user-pw=***"));
  CHECK_THAT(all,
             Catch::Contains("# camera cam2\ngst-launch-1.0 -e videotestsrc"));
  CHECK_THAT(all, !Catch::Contains("s3cr3t"));

  // A broken preset: the message, a failing exit status, and nothing started.
  REQUIRE(g_file_set_contents(path, "[camera c]\nsource = test\nwidth = huge\n",
                              -1, nullptr));
  const CheckRun broken = run_check(launcher, path);
  CHECK_FALSE(broken.ok);
  CHECK_THAT(broken.err,
             Catch::Contains(std::string(path) + ":camera c:width:"));

  // A password on a line without '=': the line's number, not its text.
  REQUIRE(g_file_set_contents(
      path, "[camera door]\nsource = rtsp\npassword s3cr3t-Pa55\n", -1,
      nullptr));
  const CheckRun unparsed = run_check(launcher, path);
  CHECK_FALSE(unparsed.ok);
  CHECK_THAT(unparsed.err,
             Catch::Contains(std::string(path) + ":3: not a key = value line"));
  CHECK_THAT(unparsed.out + unparsed.err, !Catch::Contains("s3cr3t"));

  g_unlink(path);
  g_rmdir(dir);
}

TEST_CASE("listen addresses: host:port, [v6]:port, localhost; nothing else",
          "[listen]") {
  std::string why;
  auto a = parse_listen("127.0.0.1:8080", why);
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 8080);
  CHECK(a->is_loopback());
  a = parse_listen("[::1]:9000", why);
  REQUIRE(a);
  CHECK(a->host == "::1");
  CHECK(a->url() == "http://[::1]:9000/");
  CHECK(a->is_loopback());
  a = parse_listen("0.0.0.0:80", why);
  REQUIRE(a);
  CHECK_FALSE(a->is_loopback());
  CHECK(parse_listen("localhost:8080", why));
  CHECK_FALSE(parse_listen("8080", why));
  CHECK_FALSE(parse_listen(":8080", why));
  CHECK_FALSE(parse_listen("127.0.0.1:0", why));
  CHECK_FALSE(parse_listen("127.0.0.1:70000", why));
  CHECK_FALSE(parse_listen("example.com:80", why));
  CHECK_FALSE(parse_listen("::1:80", why));
}

TEST_CASE(
    "a bare preset name is looked up in the preset folders, a path is used as it is",
    "[find]") {
  std::string why;
  auto found = find_preset("demo", {"/nonexistent", TEST_PRESETS_DIR}, why);
  REQUIRE(found);
  CHECK(*found == TEST_PRESETS_DIR "/demo.ini");
  CHECK(find_preset("demo.ini", {TEST_PRESETS_DIR}, why));
  CHECK(*find_preset(TEST_PRESETS_DIR "/dahua.ini", {}, why) == TEST_PRESETS_DIR
        "/dahua.ini");
  CHECK_FALSE(find_preset("nosuch", {TEST_PRESETS_DIR}, why));
  CHECK_THAT(why, Catch::Contains(TEST_PRESETS_DIR));
  CHECK_FALSE(find_preset("./nosuch.ini", {TEST_PRESETS_DIR}, why));
}

TEST_CASE(
    "audio and codec: defaults, [dvr] inheritance, overrides, and mistakes",
    "[preset]") {
  auto p = parse_ok(
      "[dvr]\naudio = aac\n"
      "[camera a]\nsource = rtsp\nurl = rtsp://h/a\n"
      "[camera b]\nsource = rtsp\nurl = rtsp://h/b\naudio = off\ncodec = h265\n"
      "[camera c]\nsource = rtsp\nurl = rtsp://h/c\naudio = copy\ncodec = auto\n");
  CHECK(p.cameras[0].dvr.audio == AudioMode::Aac);
  CHECK(p.cameras[0].rtsp.codec == std::nullopt);
  CHECK(p.cameras[1].dvr.audio == AudioMode::Off);
  CHECK(p.cameras[1].rtsp.codec == VideoCodec::kH265);
  CHECK(p.cameras[2].dvr.audio == AudioMode::Copy);
  CHECK(parse_ok("[camera a]\nsource = rtsp\nurl = rtsp://h/a\n")
            .cameras[0]
            .dvr.audio == AudioMode::Off);

  CHECK_THAT(
      parse_error("[camera a]\nsource = rtsp\nurl = rtsp://h/\naudio = g711\n"),
      Catch::Contains(
          kFile +
          ":camera a:audio: expected off, copy (AAC as it comes) or aac"));
  CHECK_THAT(
      parse_error(
          "[camera a]\nsource = rtsp\nurl = rtsp://h/\ncodec = mjpeg\n"),
      Catch::Contains(
          kFile +
          ":camera a:codec: expected auto, h264 or h265, got \"mjpeg\""));
  CHECK_THAT(parse_error("[camera a]\nsource = test\ncodec = h264\n"),
             Catch::Contains(kFile + ":camera a:codec: only for source=rtsp"));
}

TEST_CASE(
    "segments are synced to disk unless [dvr] or the camera turns fsync off",
    "[preset]") {
  auto p = parse_ok(
      "[dvr]\nfsync = false\n[camera a]\nsource = test\n[camera b]\nsource = test\nfsync = true\n");
  CHECK_FALSE(p.cameras[0].dvr.fsync);
  CHECK(p.cameras[1].dvr.fsync);
  CHECK_THAT(
      pipeline_description(p.cameras[0], {"/rec/a", false}, Secrets::Omit),
      Catch::Contains(" fsync=false"));
  CHECK_THAT(
      pipeline_description(p.cameras[1], {"/rec/b", false}, Secrets::Omit),
      !Catch::Contains("fsync"));
  CHECK_THAT(parse_error("[camera a]\nsource = test\nfsync = sometimes\n"),
             Catch::Contains(
                 kFile +
                 ":camera a:fsync: expected true or false, got \"sometimes\""));
}

TEST_CASE(
    "the writer is dvrsink's default unless [dvr] or the camera picks mpegtsmux",
    "[preset]") {
  auto p = parse_ok(
      "[dvr]\nwriter = mpegtsmux\n[camera a]\nsource = test\n[camera b]\nsource = test\nwriter = lean\n");
  CHECK_THAT(
      pipeline_description(p.cameras[0], {"/rec/a", false}, Secrets::Omit),
      Catch::Contains(" writer=mpegtsmux"));
  CHECK_THAT(
      pipeline_description(p.cameras[1], {"/rec/b", false}, Secrets::Omit),
      !Catch::Contains("writer="));
  // The key's first name, muxer, still picks it.
  auto old = parse_ok("[camera a]\nsource = test\nmuxer = mpegtsmux\n");
  CHECK_THAT(
      pipeline_description(old.cameras[0], {"/rec/a", false}, Secrets::Omit),
      Catch::Contains(" writer=mpegtsmux"));
  CHECK(p.cameras[0].dvr !=
        p.cameras[1].dvr);  // a reload that switches it restarts the camera
  CHECK_THAT(
      parse_error("[camera a]\nsource = test\nwriter = ffmpeg\n"),
      Catch::Contains(
          kFile +
          ":camera a:writer: expected lean or mpegtsmux, got \"ffmpeg\""));
}

TEST_CASE(
    "an rtsp section is checked key by key, and every mistake is named at once",
    "[preset]") {
  const std::string e = parse_error(
      "[camera door]\nsource = rtsp\nuser = admin\npassword = s3cr3t-Pa55\ntransport = http\nlatncy = 100\n"
      "latency = soon\n");
  CHECK_THAT(e, Catch::Contains(kFile + ":camera door:url: missing"));
  CHECK_THAT(
      e,
      Catch::Contains(
          kFile + ":camera door:transport: expected tcp or udp, got \"http\""));
  CHECK_THAT(e, Catch::Contains(kFile + ":camera door:latncy: unknown key"));
  CHECK_THAT(e, Catch::Contains(
                    kFile + ":camera door:latency: expected a whole number"));
  CHECK_THAT(e, !Catch::Contains("s3cr3t"));
  // A URL with a password in it that is not valid is not quoted back.
  CHECK_THAT(parse_error(
                 "[camera d]\nsource = rtsp\nurl = rtsp://admin:pw%zz@[bad/\n"),
             Catch::Contains(":camera d:url: not a valid URL") &&
                 !Catch::Contains("pw%zz"));
}

TEST_CASE("a reload restarts a camera only when its own settings changed",
          "[preset][reload]") {
  const std::string base =
      "[camera door]\nsource = rtsp\nurl = rtsp://h/a\nuser = admin\npassword = one\n"
      "[camera yard]\nsource = test\npattern = ball\n";
  const auto a = parse_ok(base);
  CHECK(a.cameras[0] == parse_ok(base).cameras[0]);
  CHECK(a.cameras[1] == parse_ok(base).cameras[1]);
  // A changed password, window or audio mode restarts the camera.
  CHECK(a.cameras[0] != parse_ok(base + "[dvr]\nwindow = 60\n").cameras[0]);
  CHECK(
      a.cameras[0] !=
      parse_ok(
          "[camera door]\nsource = rtsp\nurl = rtsp://h/a\nuser = admin\npassword = two\n")
          .cameras[0]);
  CHECK(a.cameras[1] != parse_ok(base + "[dvr]\naudio = aac\n").cameras[1]);
  CHECK(a.cameras[1] !=
        parse_ok("[camera yard]\nsource = test\npattern = snow\n").cameras[0]);
  // [server] is not part of a camera.
  CHECK(a.cameras[1] ==
        parse_ok(base + "[server]\nlisten = 127.0.0.1:9999\n").cameras[1]);
}

TEST_CASE(
    "dvr-launcher --check fails on a broken rtsp section, naming each key, before starting anything",
    "[check]") {
  const char *launcher = g_getenv("DVR_LAUNCHER");
  if (!launcher) {
    WARN("DVR_LAUNCHER not set: run through meson test");
    return;
  }
  g_autofree char *dir = g_dir_make_tmp("dvr-preset-XXXXXX", nullptr);
  REQUIRE(dir);
  g_autofree char *path = g_build_filename(dir, "cams.ini", nullptr);
  REQUIRE(g_file_set_contents(
      path,
      "[camera door]\nsource = rtsp\npassword = s3cr3t-Pa55\ntransport = carrier\n"
      "colour = red\n",
      -1, nullptr));
  const CheckRun run = run_check(launcher, path);
  CHECK_FALSE(run.ok);
  const std::string &e = run.err;
  CHECK_THAT(e,
             Catch::Contains(std::string(path) + ":camera door:url: missing"));
  CHECK_THAT(e, Catch::Contains(std::string(path) + ":camera door:transport:"));
  CHECK_THAT(e, Catch::Contains(std::string(path) +
                                ":camera door:colour: unknown key"));
  CHECK_THAT(e + run.out, !Catch::Contains("s3cr3t"));
  CHECK_THAT(run.out, !Catch::Contains("gst-launch"));
  g_unlink(path);
  g_rmdir(dir);
}

TEST_CASE(
    "rtsps:// certificates: checked by default, pinned by fingerprint or not checked, and --check says which",
    "[preset][tls]") {
  const std::string base =
      "[camera c]\nsource = rtsp\nurl = rtsps://10.0.0.1:7441/token\n";
  const PipelineOptions opts{"/rec/c", true};
  const auto checked = parse_ok(base);
  CHECK(checked.cameras[0].rtsp.tls_validation);
  CHECK(checked.cameras[0].rtsp.tls_fingerprint.empty());
  CHECK_THAT(gst_launch_command(checked.cameras[0], opts),
             !Catch::Contains("tls-"));

  const std::string fp =
      "B7:13:FB:43:20:26:B6:AD:3F:D1:E4:44:96:99:3A:0F:59:14:69:EB:5D:02:83:88:F0:B6:2C:8F:99:97:AA:F1";
  const auto pinned = parse_ok(base + "tls-fingerprint = " + fp + "\n");
  const std::string hex =
      "b713fb432026b6ad3fd1e44496993a0f591469eb5d028388f0b62c8f9997aaf1";
  CHECK(pinned.cameras[0].rtsp.tls_fingerprint == hex);
  CHECK_THAT(gst_launch_command(pinned.cameras[0], opts),
             Catch::Contains("tls-fingerprint=" + hex));

  const auto unchecked = parse_ok(base + "tls-validation = false\n");
  CHECK_FALSE(unchecked.cameras[0].rtsp.tls_validation);
  CHECK_THAT(gst_launch_command(unchecked.cameras[0], opts),
             Catch::Contains("tls-validation=false"));
  const auto unchecked_rtspsrc =
      parse_ok(base + "tls-validation = false\ningest = rtspsrc\n");
  CHECK_THAT(gst_launch_command(unchecked_rtspsrc.cameras[0], opts),
             Catch::Contains("tls-validation-flags=0"));

  CHECK_THAT(
      parse_error(base + "tls-fingerprint = abc\n"),
      Catch::Contains(
          kFile +
          ":camera c:tls-fingerprint: expected the certificate's SHA-256 fingerprint"));
  CHECK_THAT(
      parse_error(base + "tls-validation = maybe\n"),
      Catch::Contains(
          kFile +
          ":camera c:tls-validation: expected true or false, got \"maybe\""));
  // A change of certificate policy restarts the camera on reload.
  CHECK(pinned.cameras[0] != checked.cameras[0]);
}
