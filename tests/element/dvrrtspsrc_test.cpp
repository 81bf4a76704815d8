// dvrrtspsrc against the mock camera (dvr-mock-camera): what it records with
// dvrsink, its timestamps, authentication, the errors an application acts on,
// the camera hanging up, keep-alives and TEARDOWN.
#include <gio/gio.h>
#include <gst/gst.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "pipeline_runner.h"
#include "recording_checks.h"

namespace {

using Clock = std::chrono::steady_clock;
const char kUser[] = "admin";
const char kPassword[] = "Pa55-w0rd-9731";

// The mock camera as a child process, with its standard input for commands.
class Camera {
 public:
  explicit Camera(std::vector<std::string> extra) {
    const char *exe = g_getenv("DVR_MOCK_CAMERA");
    REQUIRE(exe);
    std::vector<std::string> args = {exe,
                                     "--port",
                                     "0",
                                     "--exit-on-stdin-eof",
                                     "--width",
                                     "320",
                                     "--height",
                                     "240",
                                     "--bitrate",
                                     "400",
                                     "--gop",
                                     "25",
                                     "--duration",
                                     "2",
                                     "--speed-preset",
                                     "ultrafast"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<const char *> argv;
    for (const auto &a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    g_autoptr(GError) error = nullptr;
    proc_ = g_subprocess_newv(
        argv.data(),
        static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE),
        &error);
    REQUIRE(proc_);
    out_ = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc_));
    const std::string line = read_line("dvr-mock-camera: serving ");
    url_ = line.substr(std::string("dvr-mock-camera: serving ").size());
    REQUIRE(url_.rfind("rtsp://127.0.0.1:", 0) == 0);
  }
  ~Camera() {
    g_output_stream_close(g_subprocess_get_stdin_pipe(proc_), nullptr, nullptr);
    g_subprocess_wait(proc_, nullptr, nullptr);
    g_object_unref(out_);
    g_object_unref(proc_);
  }
  const std::string &url() const { return url_; }
  // Sends a command and returns its acknowledgement ("ok ...").
  std::string command(const std::string &cmd) {
    const std::string line = cmd + "\n";
    g_output_stream_write_all(g_subprocess_get_stdin_pipe(proc_), line.data(),
                              line.size(), nullptr, nullptr, nullptr);
    const std::string prefix = "dvr-mock-camera: " + cmd + ": ";
    return read_line(prefix).substr(prefix.size());
  }

 private:
  std::string read_line(const std::string &prefix) {
    for (;;) {
      gsize n = 0;
      g_autofree char *line =
          g_data_input_stream_read_line(out_, &n, nullptr, nullptr);
      REQUIRE(line);  // the camera exited
      if (std::string(line).rfind(prefix, 0) == 0) return line;
    }
  }
  GSubprocess *proc_ = nullptr;
  GDataInputStream *out_ = nullptr;
  std::string url_;
};

std::string location(const Camera &cam, const std::string &path = "") {
  if (path.empty()) return cam.url();
  const auto slash = cam.url().find('/', 7);
  return cam.url().substr(0, slash) + path;
}

// Buffers seen on one of dvrrtspsrc's pads: PTS and arrival (running time).
struct Seen {
  std::mutex lock;
  std::vector<std::pair<gint64, gint64>> video, audio;
  int keyframes = 0;
};

GstPadProbeReturn note_buffer(GstPad *pad, GstPadProbeInfo *info,
                              gpointer data) {
  auto *seen = static_cast<Seen *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstElement *e = GST_ELEMENT(gst_pad_get_parent(pad));
  gint64 now = 0;
  if (GstClock *clock = gst_element_get_clock(e)) {
    now = static_cast<gint64>(gst_clock_get_time(clock) -
                              gst_element_get_base_time(e));
    gst_object_unref(clock);
  }
  gst_object_unref(e);
  std::lock_guard<std::mutex> l(seen->lock);
  const bool video = g_str_equal(GST_PAD_NAME(pad), "video");
  (video ? seen->video : seen->audio)
      .emplace_back(static_cast<gint64>(GST_BUFFER_PTS(buf)), now);
  if (video && !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT))
    seen->keyframes++;
  return GST_PAD_PROBE_OK;
}

// As the launcher does: the password is a property, in no pipeline text (the
// parser logs descriptions).
void set_password(GstElement *pipeline, const char *password) {
  g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "user-pw", password, nullptr);
}

void watch_pads(GstElement *pipeline, Seen *seen) {
  g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_signal_connect(src, "pad-added",
                   G_CALLBACK(+[](GstElement *, GstPad *pad, gpointer data) {
                     gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER,
                                       note_buffer, data, nullptr);
                   }),
                   seen);
}

// Plays desc until EOS or an error or `seconds`; returns the bus's account.
struct Outcome {
  bool eos = false;
  std::vector<GError *> errors;
  std::vector<std::string> debug;
  double seconds = 0;       // playing, until EOS, an error or the time was up
  double stop_seconds = 0;  // going to NULL
  ~Outcome() {
    for (GError *e : errors) g_error_free(e);
  }
  bool error_matches(GQuark domain, gint code) const {
    for (GError *e : errors)
      if (g_error_matches(e, domain, code)) return true;
    return false;
  }
  std::string all() const {
    std::string out;
    for (size_t i = 0; i < errors.size(); ++i)
      out += std::string(errors[i]->message) + " | " + debug[i] + "\n";
    return out;
  }
};

// Keeps an ERROR message's error and debug text.
void keep_error(GstMessage *msg, Outcome *out) {
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_error(msg, &err, &dbg);
  out->errors.push_back(err);
  out->debug.push_back(dbg ? dbg : "");
  g_free(dbg);
}

void play(const std::string &desc, double seconds, Outcome *out,
          const std::function<void(GstElement *)> &setup = {},
          const std::function<void()> &meanwhile = {}) {
  g_autoptr(GError) error = nullptr;
  GstElement *pipeline = gst_parse_launch(desc.c_str(), &error);
  REQUIRE(pipeline);
  if (setup) setup(pipeline);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  const auto start = Clock::now();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::thread side;
  if (meanwhile) side = std::thread(meanwhile);
  for (;;) {
    const double left =
        seconds - std::chrono::duration<double>(Clock::now() - start).count();
    if (left <= 0) break;
    GstMessage *msg = gst_bus_timed_pop_filtered(
        bus, static_cast<GstClockTime>(left * GST_SECOND),
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (!msg) break;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
      out->eos = true;
      gst_message_unref(msg);
      break;
    }
    keep_error(msg, out);
    gst_message_unref(msg);
    break;
  }
  out->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (side.joinable()) side.join();
  const auto stop = Clock::now();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  out->stop_seconds =
      std::chrono::duration<double>(Clock::now() - stop).count();
  gst_object_unref(pipeline);
}

// Ends a recording cleanly: EOS in, then the final EOS out.
void record(const std::string &desc, double seconds, Outcome *out,
            const std::function<void(GstElement *)> &setup = {}) {
  g_autoptr(GError) error = nullptr;
  GstElement *pipeline = gst_parse_launch(desc.c_str(), &error);
  REQUIRE(pipeline);
  if (setup) setup(pipeline);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, static_cast<GstClockTime>(seconds * GST_SECOND),
      static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!msg) {
    gst_element_send_event(pipeline, gst_event_new_eos());
    msg = gst_bus_timed_pop_filtered(
        bus, 10 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  }
  REQUIRE(msg);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    out->eos = true;
  } else {
    keep_error(msg, out);
  }
  gst_message_unref(msg);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

std::string probe_codecs(const std::string &file) {
  int status = 0;
  std::string out = run_command(
      "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + file +
          "' | grep . | sort -u | tr '\\n' ' '",
      &status);
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Everything GStreamer logs, at every level, into a file while it lives.
struct DebugLogToFile {
  FILE *file;
  explicit DebugLogToFile(const std::string &path) {
    file = std::fopen(path.c_str(), "w");
    REQUIRE(file);
    // Only into the file: the default handler would flood the test's output.
    gst_debug_remove_log_function(gst_debug_log_default);
    gst_debug_add_log_function(write, file, nullptr);
    gst_debug_set_active(TRUE);
    gst_debug_set_threshold_from_string("*:6", TRUE);
  }
  ~DebugLogToFile() {
    gst_debug_set_threshold_from_string("*:0", TRUE);
    gst_debug_remove_log_function(write);
    gst_debug_add_log_function(gst_debug_log_default, nullptr, nullptr);
    std::fclose(file);
  }
  static void write(GstDebugCategory *cat, GstDebugLevel level, const gchar *,
                    const gchar *function, gint line, GObject *,
                    GstDebugMessage *message, gpointer data) {
    std::fprintf(static_cast<FILE *>(data), "%s %s %s:%d %s\n",
                 gst_debug_level_get_name(level),
                 gst_debug_category_get_name(cat), function, line,
                 gst_debug_message_get(message));
  }
};

}  // namespace

TEST_CASE(
    "dvrrtspsrc records an H.264 camera with AAC audio through digest authentication, 25 fps, aligned audio",
    "[rtspsrc]") {
  Camera cam({"--user", kUser, "--password", kPassword, "--audio", "aac"});
  TempDir dir;
  Seen seen;
  Outcome out;
  record("dvrrtspsrc name=src location=\"" + cam.url() + "\" user-id=" + kUser +
             " src.video ! dvrsink name=sink segment-duration=1 location=" +
             dir.path + " src.audio ! sink.audio",
         4.5, &out, [&](GstElement *p) {
           set_password(p, kPassword);
           watch_pads(p, &seen);
         });
  INFO(out.all());
  REQUIRE(out.eos);
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE(pl.segments.size() >= 3);
  require_segments_valid(dir, pl);
  CHECK(probe_codecs(dir.file(pl.segments[1].uri)) == "aac h264 ");
  CHECK(probe_video(dir.file(pl.segments[1].uri)).starts_with_keyframe);

  std::lock_guard<std::mutex> l(seen.lock);
  REQUIRE(seen.video.size() > 75);
  REQUIRE(seen.audio.size() > 30);
  std::vector<double> spacing, video_lag, audio_lag;
  for (size_t i = 1; i < seen.video.size(); ++i) {
    CHECK(seen.video[i].first > seen.video[i - 1].first);
    spacing.push_back((seen.video[i].first - seen.video[i - 1].first) / 1e6);
  }
  CHECK(median(spacing) == Approx(40.0).margin(1.0));
  CHECK(seen.keyframes >= 3);  // one a second (gop 25)
  for (const auto &[pts, at] : seen.video)
    video_lag.push_back((at - pts) / 1e6);
  for (const auto &[pts, at] : seen.audio)
    audio_lag.push_back((at - pts) / 1e6);
  // The same instant has the same PTS in both streams: each arrives as late as the other behind it.
  INFO("video " << median(video_lag) << " ms behind arrival, audio "
                << median(audio_lag) << " ms");
  CHECK(std::abs(median(video_lag) - median(audio_lag)) < 100);
  CHECK(median(video_lag) < 200);
}

TEST_CASE("dvrrtspsrc records H.265 with G.711 audio turned into AAC",
          "[rtspsrc]") {
  Camera cam({"--codec", "h265", "--audio", "pcma"});
  TempDir dir;
  Outcome out;
  record(
      "dvrrtspsrc name=src location=\"" + cam.url() +
          "\" src.video ! dvrsink name=sink location=" + dir.path +
          " segment-duration=1 src.audio ! alawdec ! audioconvert ! audioresample ! avenc_aac ! aacparse ! "
          "sink.audio",
      4.5, &out);
  INFO(out.all());
  REQUIRE(out.eos);
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE(pl.segments.size() >= 3);
  require_segments_valid(dir, pl);
  CHECK(probe_codecs(dir.file(pl.segments[1].uri)) == "aac hevc ");
}

TEST_CASE(
    "a wrong password is NOT_AUTHORIZED, and no password shows in a full debug log",
    "[rtspsrc]") {
  Camera cam({"--user", kUser, "--password", kPassword});
  TempDir dir;
  const std::string wrong = "Wr0ng-Secret-5521";
  {
    DebugLogToFile log(dir.file("debug.log"));
    Outcome refused;
    play("dvrrtspsrc name=src location=\"" + cam.url() + "\" user-id=" + kUser +
             " ! fakesink",
         10, &refused, [&](GstElement *p) { set_password(p, wrong.c_str()); });
    INFO(refused.all());
    CHECK(refused.error_matches(GST_RESOURCE_ERROR,
                                GST_RESOURCE_ERROR_NOT_AUTHORIZED));
    Outcome accepted;
    play("dvrrtspsrc name=src location=\"" + cam.url() + "\" user-id=" + kUser +
             " ! fakesink",
         1.5, &accepted, [&](GstElement *p) { set_password(p, kPassword); });
    CHECK(accepted.errors.empty());
    CHECK(refused.all().find(wrong) == std::string::npos);
  }
  const std::string text = read_file(dir.file("debug.log"));
  REQUIRE(text.find("dvrrtspsrc") !=
          std::string::npos);  // the log did capture the element
  g_autofree gchar *basic_wrong =
      g_base64_encode(reinterpret_cast<const guchar *>(
                          (std::string(kUser) + ":" + wrong).c_str()),
                      std::strlen(kUser) + 1 + wrong.size());
  g_autofree gchar *basic_right =
      g_base64_encode(reinterpret_cast<const guchar *>(
                          (std::string(kUser) + ":" + kPassword).c_str()),
                      std::strlen(kUser) + 1 + std::strlen(kPassword));
  CHECK(text.find(wrong) == std::string::npos);
  CHECK(text.find(kPassword) == std::string::npos);
  CHECK(text.find(basic_wrong) == std::string::npos);
  CHECK(text.find(basic_right) == std::string::npos);
}

TEST_CASE(
    "an unknown stream is NOT_FOUND; no camera is OPEN_READ, 'Could not connect'",
    "[rtspsrc]") {
  Camera cam({});
  Outcome missing;
  play("dvrrtspsrc location=\"" +
           location(cam, "/cam/realmonitor?channel=9&subtype=0") +
           "\" ! fakesink",
       10, &missing);
  INFO(missing.all());
  CHECK(
      missing.error_matches(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));

  // A port nobody listens on.
  GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                            G_SOCKET_PROTOCOL_TCP, nullptr);
  g_autoptr(GInetAddress) lo =
      g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  REQUIRE(g_socket_bind(s, any, FALSE, nullptr));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, nullptr);
  const guint16 port =
      g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(s);
  Outcome refused;
  play("dvrrtspsrc location=rtsp://user:Secret-In-Url@127.0.0.1:" +
           std::to_string(port) + "/x ! fakesink",
       10, &refused);
  INFO(refused.all());
  CHECK(
      refused.error_matches(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ));
  CHECK_THAT(refused.all(), Catch::Contains("Could not connect"));
  CHECK_THAT(refused.all(), !Catch::Contains("Secret-In-Url"));
}

TEST_CASE("a camera that hangs up ends the stream with EOS", "[rtspsrc]") {
  Camera cam({});
  Outcome out;
  Seen seen;
  play(
      "dvrrtspsrc name=src location=\"" + cam.url() + "\" ! fakesink", 15, &out,
      [&](GstElement *p) { watch_pads(p, &seen); },
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        CHECK(cam.command("drop") == "ok");
      });
  INFO(out.all());
  CHECK(out.eos);
  CHECK(out.errors.empty());
  CHECK(out.seconds < 5);
  std::lock_guard<std::mutex> l(seen.lock);
  CHECK(seen.video.size() > 10);
}

TEST_CASE(
    "keep-alives at half the session timeout hold a short session, and stopping says TEARDOWN at once",
    "[rtspsrc]") {
  Camera cam({"--session-timeout", "2"});
  Seen seen;
  Outcome out;
  // 6 s: three times the session timeout.
  play("dvrrtspsrc name=src location=\"" + cam.url() + "\" ! fakesink", 6, &out,
       [&](GstElement *p) { watch_pads(p, &seen); });
  INFO(out.all());
  CHECK_FALSE(out.eos);
  CHECK(out.errors.empty());
  {
    std::lock_guard<std::mutex> l(seen.lock);
    REQUIRE(!seen.video.empty());
    // Still receiving at the end.
    CHECK(seen.video.back().second > static_cast<gint64>(5 * GST_SECOND));
  }
  // One keep-alive a second for about 5 s of playing (OPTIONS: the mock does
  // not list GET_PARAMETER), after the one OPTIONS of the start.
  int options = 0, get_parameter = 0, teardown = 0;
  std::string counts;
  // The camera may take a moment to read the TEARDOWN that came just before the hang-up.
  for (int i = 0; i < 20 && teardown == 0; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    counts = cam.command("requests");
    REQUIRE(std::sscanf(counts.c_str(),
                        "ok options=%d get-parameter=%d teardown=%d", &options,
                        &get_parameter, &teardown) == 3);
  }
  INFO(counts);
  const int keep_alives = options - 1 + get_parameter;
  CHECK(keep_alives >= 4);
  CHECK(keep_alives <= 7);
  CHECK(teardown == 1);
  // Stopping waited for no answer.
  CHECK(out.stop_seconds < 1.0);
}

TEST_CASE(
    "the gst-launch-1.0 line in dvrrtspsrc's documentation records a camera until interrupted",
    "[rtspsrc]") {
  // Taken from the element's docs, so that they cannot rot; only the port and folder differ.
  const std::string source = read_file(std::string(g_getenv("DVR_SOURCE_DIR")) +
                                       "/plugins/gstdvrrtspsrc.cpp");
  std::smatch m;
  REQUIRE(std::regex_search(
      source, m,
      std::regex(
          "(gst-launch-1.0 -e dvrrtspsrc location=[^\\n]*location=/tmp/cam [^\\n]*)")));
  std::string line = m[1];
  Camera cam({});
  TempDir dir;
  const std::string docs_url =
      "rtsp://127.0.0.1:8554/cam/realmonitor?channel=1&subtype=0";
  REQUIRE(line.find(docs_url) != std::string::npos);
  line.replace(line.find(docs_url), docs_url.size(), cam.url());
  line.replace(line.find("/tmp/cam "), 8, dir.path);
  int status = -1;
  run_command("timeout --foreground --preserve-status -s INT 4 " + line +
                  " >/dev/null 2>&1",
              &status);
  CHECK(status == 0);
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  CHECK(pl.segments.size() >= 1);
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "every control form of the mock camera records, PLAY going to the aggregate URL each names; a hang-up in each "
    "ends the stream",
    "[rtspsrc][forms]") {
  // content-base: a Content-Base unlike the request URL; session: a relative
  // session-level a=control; absolute: absolute URLs and no Content-Base. The
  // mock answers PLAY anywhere else with 404, as strict cameras do.
  for (const char *form : {"content-base", "session", "absolute"}) {
    INFO(form);
    Camera cam(
        {"--control-form", form, "--user", kUser, "--password", kPassword});
    TempDir dir;
    Outcome out;
    record("dvrrtspsrc name=src location=\"" + cam.url() +
               "\" user-id=" + kUser +
               " src.video ! dvrsink name=sink segment-duration=1 location=" +
               dir.path,
           3.5, &out, [&](GstElement *p) { set_password(p, kPassword); });
    INFO(out.all());
    REQUIRE(out.eos);
    const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
    CHECK(pl.segments.size() >= 2);
    require_segments_valid(dir, pl);

    Outcome hung;
    Seen seen;
    play(
        "dvrrtspsrc name=src location=\"" + cam.url() + "\" user-id=" + kUser +
            " ! fakesink",
        15, &hung,
        [&](GstElement *p) {
          set_password(p, kPassword);
          watch_pads(p, &seen);
        },
        [&] {
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          CHECK(cam.command("drop") == "ok");
        });
    INFO(hung.all());
    CHECK(hung.eos);
    CHECK(hung.errors.empty());
    std::lock_guard<std::mutex> l(seen.lock);
    CHECK(seen.video.size() > 10);
  }
}
