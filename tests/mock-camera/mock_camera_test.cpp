// Integration test of dvr-mock-camera: starts it on a free port and checks,
// with real rtspsrc pipelines, what a recorder would notice.
//
// The executable comes from the DVR_MOCK_CAMERA environment variable (meson
// sets it).

#include <catch2/catch.hpp>

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const char kUser[] = "admin";
const char kPassword[] = "s3cret";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void init_gst() {
  static bool done = false;
  if (!done) {
    gst_init(nullptr, nullptr);
    done = true;
  }
}

// ---------------------------------------------------------------------------
// The mock camera process.

class MockCamera {
 public:
  explicit MockCamera(const std::vector<std::string> &extra) {
    const char *exe = std::getenv("DVR_MOCK_CAMERA");
    REQUIRE(exe != nullptr);
    std::vector<std::string> args = {exe, "--port", "0", "--exit-on-stdin-eof"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);

    GError *err = nullptr;
    gboolean ok = g_spawn_async_with_pipes(
        nullptr, argv.data(), nullptr, G_SPAWN_DO_NOT_REAP_CHILD, nullptr,
        nullptr, &pid_, &in_fd_, &out_fd_, nullptr, &err);
    if (!ok) FAIL("cannot start " << exe << ": " << err->message);
    reader_ = std::thread([this] { read_lines(); });

    auto line = wait_line("dvr-mock-camera: serving ", milliseconds(60000));
    REQUIRE(line);
    url_ = line->substr(std::string("dvr-mock-camera: serving ").size());
    INFO("ready line: " << *line);
    REQUIRE(url_.find("rtsp://127.0.0.1:") == 0);
    REQUIRE(url_.find("/cam/realmonitor?channel=1&subtype=0") !=
            std::string::npos);
    REQUIRE(url_.find(kPassword) == std::string::npos);
    port_ = std::atoi(url_.c_str() + std::string("rtsp://127.0.0.1:").size());
    REQUIRE(port_ > 0);
    if (auto c = find_line("dvr-mock-camera: control tcp://127.0.0.1:"))
      control_port_ = std::atoi(
          c->c_str() +
          std::string("dvr-mock-camera: control tcp://127.0.0.1:").size());
  }

  ~MockCamera() {
    send_line("quit");
    if (in_fd_ >= 0) close(in_fd_);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 100 && !exited; i++) {
      if (waitpid(pid_, &status, WNOHANG) == pid_)
        exited = true;
      else
        std::this_thread::sleep_for(milliseconds(50));
    }
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    if (reader_.joinable()) reader_.join();
    g_spawn_close_pid(pid_);
    CHECK(exited);  // quit must end the process promptly
  }

  int port() const { return port_; }
  int control_port() const { return control_port_; }

  std::string url(int channel = 1, int subtype = 0,
                  const std::string &extra = "") const {
    return "rtsp://127.0.0.1:" + std::to_string(port_) +
           "/cam/realmonitor?channel=" + std::to_string(channel) +
           "&subtype=" + std::to_string(subtype) + extra;
  }

  // Sends a control command on stdin and waits for its acknowledgement.
  void command(const std::string &cmd) {
    size_t from = line_count();
    send_line(cmd);
    auto ack =
        wait_line("dvr-mock-camera: " + cmd + ": ", milliseconds(5000), from);
    REQUIRE(ack);
    INFO(*ack);
    REQUIRE(ack->find(": ok") != std::string::npos);
  }

 private:
  void send_line(const std::string &s) {
    if (in_fd_ < 0) return;
    std::string l = s + "\n";
    if (write(in_fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) {
      close(in_fd_);
      in_fd_ = -1;
    }
  }

  void read_lines() {
    FILE *f = fdopen(out_fd_, "r");
    char buf[4096];
    while (f && std::fgets(buf, sizeof buf, f)) {
      std::string s(buf);
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
      std::lock_guard<std::mutex> lk(mutex_);
      lines_.push_back(s);
      cond_.notify_all();
    }
    if (f) std::fclose(f);
  }

  size_t line_count() {
    std::lock_guard<std::mutex> lk(mutex_);
    return lines_.size();
  }

  std::optional<std::string> find_line(const std::string &prefix,
                                       size_t from = 0) {
    std::lock_guard<std::mutex> lk(mutex_);
    for (size_t i = from; i < lines_.size(); i++)
      if (lines_[i].compare(0, prefix.size(), prefix) == 0) return lines_[i];
    return std::nullopt;
  }

  std::optional<std::string> wait_line(const std::string &prefix,
                                       milliseconds timeout, size_t from = 0) {
    auto deadline = Clock::now() + timeout;
    std::unique_lock<std::mutex> lk(mutex_);
    for (;;) {
      for (size_t i = from; i < lines_.size(); i++)
        if (lines_[i].compare(0, prefix.size(), prefix) == 0) return lines_[i];
      if (cond_.wait_until(lk, deadline) == std::cv_status::timeout) {
        for (size_t i = from; i < lines_.size(); i++)
          if (lines_[i].compare(0, prefix.size(), prefix) == 0)
            return lines_[i];
        return std::nullopt;
      }
    }
  }

  GPid pid_ = 0;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  int control_port_ = -1;
  std::string url_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::string> lines_;
};

// Common options: small pictures and a short loop keep start-up quick.
std::vector<std::string> small(std::vector<std::string> more = {}) {
  std::vector<std::string> a = {
      "--width",        "480",      "--height",     "272",
      "--sub-width",    "320",      "--sub-height", "180",
      "--framerate",    "25",       "--gop",        "10",
      "--duration",     "2",        "--bitrate",    "800",
      "--speed-preset", "ultrafast"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// ---------------------------------------------------------------------------
// An RTSP client: rtspsrc ! depay ! parse ! appsink, audio to a fakesink.

struct Frame {
  GstClockTime pts;
  bool keyframe;
  int width;
};

struct StreamInfo {
  std::string media;
  std::string encoding;
  int clock_rate = 0;
  guint ssrc = 0;
};

// The video's RTP packets as they reached the depayloader.
struct RtpSeen {
  int packets = 0;
  guint16 first_seq = 0, last_seq = 0;
  guint32 first_ts = 0, last_ts = 0;
  Clock::time_point first_at, last_at;
};

struct Outcome {
  bool eos = false;
  bool error = false;
  GQuark domain = 0;
  int code = 0;
  std::string message;
};

class Client {
 public:
  Client(const std::string &url, const std::string &user,
         const std::string &password, const std::string &codec = "h264") {
    init_gst();
    pipeline_ = gst_pipeline_new(nullptr);
    src_ = gst_element_factory_make("rtspsrc", nullptr);
    REQUIRE(src_);
    g_object_set(src_, "location", url.c_str(), "protocols", 0x4 /* TCP */,
                 "latency", 100, "tcp-timeout", static_cast<guint64>(5000000),
                 nullptr);
    if (!user.empty())
      g_object_set(src_, "user-id", user.c_str(), "user-pw", password.c_str(),
                   nullptr);
    std::string depay_name = codec == "h265" ? "rtph265depay" : "rtph264depay";
    std::string parse_name = codec == "h265" ? "h265parse" : "h264parse";
    depay_ = gst_element_factory_make(depay_name.c_str(), nullptr);
    GstElement *parse = gst_element_factory_make(parse_name.c_str(), nullptr);
    sink_ = gst_element_factory_make("appsink", nullptr);
    REQUIRE((depay_ && parse && sink_));
    g_object_set(sink_, "sync", FALSE, "max-buffers", 1000, nullptr);
    GstPad *depay_sink = gst_element_get_static_pad(depay_, "sink");
    gst_pad_add_probe(depay_sink, GST_PAD_PROBE_TYPE_BUFFER, on_rtp, this,
                      nullptr);
    gst_object_unref(depay_sink);
    gst_bin_add_many(GST_BIN(pipeline_), src_, depay_, parse, sink_, nullptr);
    REQUIRE(gst_element_link_many(depay_, parse, sink_, nullptr));
    g_signal_connect(src_, "pad-added", G_CALLBACK(on_pad_added), this);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
    started_ = Clock::now();
  }

  ~Client() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }

  // The next video frame, or nothing after `timeout`.
  std::optional<Frame> frame(milliseconds timeout) {
    GstSample *s = gst_app_sink_try_pull_sample(
        GST_APP_SINK(sink_),
        static_cast<GstClockTime>(timeout.count()) * GST_MSECOND);
    if (!s) return std::nullopt;
    GstBuffer *b = gst_sample_get_buffer(s);
    Frame f{GST_BUFFER_PTS(b),
            !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT), 0};
    if (GstCaps *caps = gst_sample_get_caps(s))
      gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &f.width);
    gst_sample_unref(s);
    return f;
  }

  // Waits for EOS or an error on the bus.
  std::optional<Outcome> end(milliseconds timeout) {
    GstBus *bus = gst_element_get_bus(pipeline_);
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, static_cast<GstClockTime>(timeout.count()) * GST_MSECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    gst_object_unref(bus);
    if (!m) return std::nullopt;
    Outcome o;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
      o.eos = true;
    } else {
      GError *e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      o.error = true;
      o.domain = e->domain;
      o.code = e->code;
      o.message = e->message;
      g_error_free(e);
    }
    gst_message_unref(m);
    return o;
  }

  std::vector<StreamInfo> streams() {
    std::lock_guard<std::mutex> lk(mutex_);
    return streams_;
  }

  std::optional<StreamInfo> stream(const std::string &media) {
    for (auto &s : streams())
      if (s.media == media) return s;
    return std::nullopt;
  }

  RtpSeen rtp() {
    std::lock_guard<std::mutex> lk(mutex_);
    return rtp_;
  }

 private:
  static GstPadProbeReturn on_rtp(GstPad *, GstPadProbeInfo *info,
                                  gpointer data) {
    auto *self = static_cast<Client *>(data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ,
                            &rtp))
      return GST_PAD_PROBE_OK;
    const guint16 seq = gst_rtp_buffer_get_seq(&rtp);
    const guint32 ts = gst_rtp_buffer_get_timestamp(&rtp);
    gst_rtp_buffer_unmap(&rtp);
    std::lock_guard<std::mutex> lk(self->mutex_);
    RtpSeen &r = self->rtp_;
    if (r.packets++ == 0) {
      r.first_seq = seq;
      r.first_ts = ts;
      r.first_at = Clock::now();
    }
    r.last_seq = seq;
    r.last_ts = ts;
    r.last_at = Clock::now();
    return GST_PAD_PROBE_OK;
  }

  static void on_pad_added(GstElement *, GstPad *pad, gpointer data) {
    auto *self = static_cast<Client *>(data);
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, nullptr);
    GstStructure *st = gst_caps_get_structure(caps, 0);
    StreamInfo info;
    if (const char *m = gst_structure_get_string(st, "media")) info.media = m;
    if (const char *e = gst_structure_get_string(st, "encoding-name"))
      info.encoding = e;
    gst_structure_get_int(st, "clock-rate", &info.clock_rate);
    gst_structure_get_uint(st, "ssrc", &info.ssrc);
    gst_caps_unref(caps);

    // Over TCP an unlinked stream is fatal: audio goes to a fakesink, added
    // only now so that EOS can still reach every sink.
    GstElement *target = self->depay_;
    if (info.media != "video") {
      target = gst_element_factory_make("fakesink", nullptr);
      g_object_set(target, "sync", FALSE, "async", FALSE, nullptr);
      gst_bin_add(GST_BIN(self->pipeline_), target);
      gst_element_sync_state_with_parent(target);
    }
    GstPad *sinkpad = gst_element_get_static_pad(target, "sink");
    if (!gst_pad_is_linked(sinkpad)) gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);

    std::lock_guard<std::mutex> lk(self->mutex_);
    self->streams_.push_back(info);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *src_ = nullptr;
  GstElement *depay_ = nullptr;
  GstElement *sink_ = nullptr;
  Clock::time_point started_;
  std::mutex mutex_;
  std::vector<StreamInfo> streams_;
  RtpSeen rtp_;
};

// Reads frames until `n` keyframes were seen (from the first keyframe on).
std::vector<Frame> frames_with_keyframes(Client &c, int n,
                                         milliseconds timeout) {
  std::vector<Frame> out;
  int keys = 0;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && keys < n) {
    auto f = c.frame(milliseconds(500));
    if (!f) continue;
    if (out.empty() && !f->keyframe) continue;
    if (f->keyframe) keys++;
    out.push_back(*f);
  }
  return out;
}

// Frames arrive; returns false when none came in time.
bool receives_frames(Client &c, int n, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int got = 0;
  while (Clock::now() < deadline && got < n)
    if (c.frame(milliseconds(200))) got++;
  return got >= n;
}

std::string send_control(int port, const std::string &request) {
  GSocketClient *client = g_socket_client_new();
  g_socket_client_set_timeout(client, 5);
  GSocketConnection *conn = g_socket_client_connect_to_host(
      client, "127.0.0.1", port, nullptr, nullptr);
  std::string reply;
  if (conn) {
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_output_stream_write_all(out, request.data(), request.size(), nullptr,
                              nullptr, nullptr);
    g_socket_shutdown(g_socket_connection_get_socket(conn), FALSE, TRUE,
                      nullptr);
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    char buf[1024];
    gssize n;
    while ((n = g_input_stream_read(in, buf, sizeof buf, nullptr, nullptr)) > 0)
      reply.append(buf, n);
    g_object_unref(conn);
  }
  g_object_unref(client);
  return reply;
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE(
    "main and sub streams: live timestamps, a keyframe every GOP, PCMA audio",
    "[mock-camera]") {
  MockCamera cam(
      small({"--user", kUser, "--password", kPassword, "--audio", "pcma"}));

  SECTION("main stream") {
    Client c(cam.url(), kUser, kPassword);
    // 3 s of video at 25 fps spans more than one 2 s loop.
    auto frames = frames_with_keyframes(c, 8, milliseconds(15000));
    REQUIRE(frames.size() >= 70);
    CHECK(frames.front().width == 480);

    int since_key = -1;
    for (size_t i = 0; i < frames.size(); i++) {
      if (i > 0) {
        INFO("frame " << i);
        REQUIRE(frames[i].pts > frames[i - 1].pts);
        // no jump at the loop seam: about 40 ms apart (a start-up burst
        // compresses the first ones)
        CHECK(frames[i].pts - frames[i - 1].pts < 100 * GST_MSECOND);
      }
      if (frames[i].keyframe) {
        if (since_key >= 0) CHECK(since_key == 10);
        since_key = 1;
      } else {
        since_key++;
      }
    }
    // real-time pace: 7 GOPs of 10 frames take 2.8 s of stream time (the
    // receiver's clock-skew estimation bends the first second a little)
    GstClockTime first_key = frames.front().pts, last_key = frames.back().pts;
    CHECK(last_key - first_key > 2600 * GST_MSECOND);
    CHECK(last_key - first_key < 3000 * GST_MSECOND);

    auto audio = c.stream("audio");
    REQUIRE(audio);
    CHECK(audio->encoding == "PCMA");
    CHECK(audio->clock_rate == 8000);
    auto video = c.stream("video");
    REQUIRE(video);
    CHECK(video->encoding == "H264");
  }

  SECTION("sub stream, with the extra parameters some clients send") {
    Client c(cam.url(1, 1, "&unicast=true&proto=Onvif"), kUser, kPassword);
    auto f = frames_with_keyframes(c, 1, milliseconds(10000));
    REQUIRE(!f.empty());
    CHECK(f.front().width == 320);
  }

  SECTION("wrong password: not authorized") {
    Client c(cam.url(), kUser, "wrong");
    auto o = c.end(milliseconds(10000));
    REQUIRE(o);
    REQUIRE(o->error);
    INFO(o->message);
    CHECK(o->domain == GST_RESOURCE_ERROR);
    CHECK(o->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  }

  SECTION("no credentials: not authorized") {
    Client c(cam.url(), "", "");
    auto o = c.end(milliseconds(10000));
    REQUIRE(o);
    REQUIRE(o->error);
    CHECK(o->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  }
}

TEST_CASE("channels: each one served, others not found", "[mock-camera]") {
  MockCamera cam(small({"--channels", "2"}));
  {
    Client c(cam.url(2, 0), "", "");
    CHECK(receives_frames(c, 5, milliseconds(10000)));
  }
  {
    Client c(cam.url(3, 0), "", "");
    auto o = c.end(milliseconds(10000));
    REQUIRE(o);
    REQUIRE(o->error);
    CHECK(o->code == GST_RESOURCE_ERROR_NOT_FOUND);
  }
}

TEST_CASE("drop disconnects every client", "[mock-camera]") {
  MockCamera cam(small());
  Client a(cam.url(), "", "");
  Client b(cam.url(1, 1), "", "");
  REQUIRE(receives_frames(a, 5, milliseconds(10000)));
  REQUIRE(receives_frames(b, 5, milliseconds(10000)));
  cam.command("drop");
  for (Client *c : {&a, &b}) {
    auto o = c->end(milliseconds(10000));
    REQUIRE(o);  // EOS or an error
    CHECK((o->eos || o->error));
  }
}

TEST_CASE("stall stops the media but keeps the connection; resume sends again",
          "[mock-camera]") {
  MockCamera cam(small({"--control-port", "0"}));
  Client c(cam.url(), "", "");
  REQUIRE(receives_frames(c, 10, milliseconds(10000)));

  cam.command("stall");
  // let what was in flight arrive
  GstClockTime last = 0;
  auto drain_until = Clock::now() + milliseconds(600);
  while (Clock::now() < drain_until)
    if (auto f = c.frame(milliseconds(50))) last = f->pts;
  CHECK(!c.frame(milliseconds(1500)));
  CHECK(!c.end(milliseconds(10)));  // neither EOS nor error

  REQUIRE(cam.control_port() > 0);
  CHECK(send_control(cam.control_port(), "status\n") ==
        "ok clients=1 stalled=yes refusing=no\n");
  std::string http = send_control(cam.control_port(),
                                  "GET /resume HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(http.find("HTTP/1.1 200 OK") == 0);

  auto f = c.frame(milliseconds(5000));
  REQUIRE(f);
  CHECK(f->keyframe);  // sending starts again at a keyframe
  CHECK(f->pts > last + 1500 * GST_MSECOND);  // the stalled time shows
  CHECK(receives_frames(c, 10, milliseconds(5000)));
}

TEST_CASE("refuse N refuses new connections for N seconds", "[mock-camera]") {
  MockCamera cam(small());
  Client existing(cam.url(), "", "");
  REQUIRE(receives_frames(existing, 5, milliseconds(10000)));

  cam.command("refuse 3");
  auto t0 = Clock::now();
  {
    Client c(cam.url(), "", "");
    auto o = c.end(milliseconds(5000));
    REQUIRE(o);
    CHECK(o->error);
    CHECK(seconds_since(t0) < 2.5);
  }
  // the open connection goes on
  CHECK(receives_frames(existing, 5, milliseconds(3000)));

  double ok_after = -1;
  int failures = 0;
  while (seconds_since(t0) < 10 && ok_after < 0) {
    Client c(cam.url(), "", "");
    if (receives_frames(c, 1, milliseconds(2000)))
      ok_after = seconds_since(t0);
    else
      failures++;
    if (ok_after < 0) std::this_thread::sleep_for(milliseconds(300));
  }
  INFO("connected after " << ok_after << " s, " << failures << " failures");
  CHECK(failures >= 1);
  CHECK(ok_after >= 2.5);
  CHECK(ok_after < 8);
}

TEST_CASE(
    "restart drops clients; new sessions get a new SSRC and RTP numbering from a new random base",
    "[mock-camera]") {
  MockCamera cam(small());
  guint ssrc_before = 0;
  RtpSeen before;
  {
    Client c(cam.url(), "", "");
    REQUIRE(receives_frames(c, 5, milliseconds(10000)));
    auto v = c.stream("video");
    REQUIRE(v);
    ssrc_before = v->ssrc;
    cam.command("restart");
    auto o = c.end(milliseconds(10000));
    REQUIRE(o);
    before = c.rtp();
  }
  Client c(cam.url(), "", "");
  REQUIRE(receives_frames(c, 5, milliseconds(10000)));
  auto v = c.stream("video");
  REQUIRE(v);
  CHECK(v->ssrc != ssrc_before);

  // A stream that went on would number its packets on from the last one the
  // old session saw, and its timestamps would have advanced by the time in
  // between (90 kHz). A new random base lands in those windows by chance with
  // odds of 1 in 2000 (sequence numbers) and 1 in 8000 (timestamps).
  const RtpSeen after = c.rtp();
  REQUIRE(before.packets > 0);
  REQUIRE(after.packets > 0);
  const guint16 seq_step =
      static_cast<guint16>(after.first_seq - before.last_seq);
  INFO("sequence numbers: last before " << before.last_seq << ", first after "
                                        << after.first_seq);
  CHECK_FALSE((seq_step >= 1 && seq_step <= 32));
  const double gap_s =
      std::chrono::duration<double>(after.first_at - before.last_at).count();
  const guint32 expected_ts =
      before.last_ts + static_cast<guint32>(gap_s * 90000);
  const gint32 ts_off = static_cast<gint32>(after.first_ts - expected_ts);
  INFO("timestamps: last before " << before.last_ts << ", first after "
                                  << after.first_ts << ", " << gap_s
                                  << " s apart");
  CHECK_FALSE((ts_off > -3 * 90000 && ts_off < 3 * 90000));
}

TEST_CASE("H.265 video with AAC audio", "[mock-camera]") {
  MockCamera cam(small({"--codec", "h265", "--audio", "aac"}));
  Client c(cam.url(), "", "", "h265");
  auto frames = frames_with_keyframes(c, 3, milliseconds(15000));
  REQUIRE(frames.size() >= 21);
  int keys = 0;
  for (auto &f : frames) keys += f.keyframe;
  CHECK(keys == 3);
  CHECK(frames[10].keyframe);
  CHECK(frames[20].keyframe);
  auto v = c.stream("video");
  REQUIRE(v);
  CHECK(v->encoding == "H265");
  auto a = c.stream("audio");
  REQUIRE(a);
  CHECK(a->encoding == "MPEG4-GENERIC");
  CHECK(a->clock_rate == 16000);
}
