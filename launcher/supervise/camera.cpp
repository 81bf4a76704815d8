#include "supervise/camera.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "supervise/camera_pipeline.h"
#include "disk_space.h"
#include "log.h"

// Detail below the log's one line per state change: each attempt, segment and
// watchdog tick (GST_DEBUG=dvrlauncher:5). Camera names only, never a URL.
GST_DEBUG_CATEGORY_STATIC(dvr_launcher_debug);
#define GST_CAT_DEFAULT dvr_launcher_debug

namespace dvr {
namespace {

// Segments that make up the bitrate shown in the API.
constexpr std::size_t kBitrateSegments = 8;

std::string seconds(unsigned ms) { return std::to_string(ms / 1000) + " s"; }

// The part of GStreamer's debug text that says why: its last line.
std::string reason_of(const char *debug) {
  if (!debug) return {};
  const char *nl = std::strrchr(debug, '\n');
  std::string reason = nl ? nl + 1 : debug;
  // Lines before the last are source locations; a one-line text may start with one too.
  if (!nl && reason.find(".c(") != std::string::npos) {
    auto colon = reason.find("): ");
    if (colon != std::string::npos) reason = reason.substr(colon + 3);
  }
  return reason;
}

struct Described {
  std::string text;
  bool unauthorized = false;
  bool local = false;  // the recorder failed, not the camera
};

// An ERROR message in plain words.
Described describe_error(GstMessage *message, GstElement *pipeline,
                         const CameraConfig &cam) {
  g_autoptr(GError) err = nullptr;
  g_autofree char *debug = nullptr;
  gst_message_parse_error(message, &err, &debug);
  const std::string msg = err ? err->message : "unknown error";
  const std::string why = reason_of(debug);
  const std::string all = msg + " " + why;
  Described d;

  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstObject *from = GST_MESSAGE_SRC(message);
  if (sink && from &&
      (from == GST_OBJECT(sink) ||
       gst_object_has_as_ancestor(from, GST_OBJECT(sink)))) {
    d.local = true;
    d.text = "recording failed: " + msg + (why.empty() ? "" : " (" + why + ")");
    return d;
  }
  if (cam.source != SourceKind::Rtsp) {
    d.text = std::string(GST_MESSAGE_SRC_NAME(message)) + ": " + msg +
             (why.empty() ? "" : " (" + why + ")");
    return d;
  }
  const std::string host = url_host(cam.rtsp.url);
  if ((err && g_error_matches(err, GST_RESOURCE_ERROR,
                              GST_RESOURCE_ERROR_NOT_AUTHORIZED)) ||
      all.find("401") != std::string::npos ||
      all.find("Unauthorized") != std::string::npos) {
    d.unauthorized = true;
    d.text =
        "the camera at " + host +
        " refused the user name or password; check user and password in the preset";
  } else if (err && g_error_matches(err, GST_RESOURCE_ERROR,
                                    GST_RESOURCE_ERROR_NOT_FOUND)) {
    d.text =
        "the camera at " + host +
        " has no such stream (404 Not Found); check the url's path, channel and subtype";
  } else if (why.find("certificate failed the checks") != std::string::npos) {
    d.text =
        "the camera at " + host +
        " presented a TLS certificate that failed its checks; pin it with "
        "tls-fingerprint (its SHA-256) or set tls-validation = false in the preset";
  } else if (why.find("Failed to connect") != std::string::npos ||
             why.find("Could not connect") != std::string::npos) {
    d.text = "cannot connect to the camera at " + host +
             ": it refused the connection or cannot be reached";
  } else if (err && err->domain == GST_RESOURCE_ERROR) {
    d.text = "lost the camera at " + host + ": " + msg +
             (why.empty() ? "" : " (" + why + ")");
  } else {
    d.text = "the camera's stream failed: " + msg +
             (why.empty() ? "" : " (" + why + ")");
  }
  return d;
}

}  // namespace

const char *to_string(Camera::State state) {
  switch (state) {
    case Camera::State::Starting:
      return "starting";
    case Camera::State::Recording:
      return "recording";
    case Camera::State::Reconnecting:
      return "reconnecting";
    case Camera::State::Unauthorized:
      return "unauthorized";
    case Camera::State::Error:
      return "error";
    case Camera::State::Stopping:
      return "stopping";
    case Camera::State::Stopped:
      return "stopped";
  }
  return "unknown";
}

Camera::Camera(CameraConfig config, PipelineOptions options,
               std::function<void()> on_stopped)
    : config_(std::move(config)),
      options_(std::move(options)),
      on_stopped_(std::move(on_stopped)),
      backoff_(config_.dvr.auth_retry) {
  if (!dvr_launcher_debug)
    GST_DEBUG_CATEGORY_INIT(dvr_launcher_debug, "dvrlauncher", 0,
                            "dvr-launcher camera supervision");
}

Camera::~Camera() {
  for (guint *timer : {&retry_timer_, &watchdog_timer_, &stop_timer_})
    if (*timer) g_source_remove(*timer);
  teardown();
}

void Camera::start() {
  set_state(State::Starting, {},
            config_.source == SourceKind::Rtsp ? url_host(config_.rtsp.url)
                                               : "test source");
  attempt();
}

// Builds and plays a fresh pipeline. The state stays what it was (starting,
// reconnecting, ...) until the first segment says the camera records again.
void Camera::attempt() {
  if (stop_requested_) return;
  if (g_mkdir_with_parents(options_.location.c_str(), 0755) != 0) {
    const int e = errno;
    const StorageFault fault = diagnose_write_error(options_.location, e);
    if (storage_state_ != storage_fault_name(fault)) {
      storage_state_ = storage_fault_name(fault);
      full_since_.reset();
      log_line("camera " + config_.name + ": warning: cannot write to " +
               options_.location + ": " + storage_fault_words(fault));
    }
    fail(Failure::Fatal,
         "cannot create folder " + options_.location + ": " + g_strerror(e));
    return;
  }
  std::string error;
  GstElement *pipeline =
      build_camera_pipeline(effective_config(), options_, error);
  if (!pipeline) {
    fail(Failure::Fatal, error);
    return;
  }
  GST_INFO("camera %s: pipeline built (attempt %" G_GUINT64_FORMAT ")",
           config_.name.c_str(), reconnects_ + 1);
  pipeline_.reset(pipeline);
  // Every camera's recording makes room for the others' on a disk they share.
  if (g_autoptr(GstElement) sink =
          gst_bin_get_by_name(GST_BIN(pipeline), "sink");
      sink &&
      g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "storage-group"))
    g_object_set(sink, "storage-group", "dvr-launcher", "min-free",
                 static_cast<guint64>(options_.min_free_bytes), nullptr);
  for (const auto &[reason, n] : dropped_now_) dropped_before_[reason] += n;
  dropped_now_.clear();
  // Names the pipeline in GStreamer's debug log.
  g_autofree char *pipeline_name =
      g_strdup_printf("camera-%s", config_.name.c_str());
  gst_object_set_name(GST_OBJECT(pipeline_.get()), pipeline_name);

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  bus_watch_ = gst_bus_add_watch(bus, &Camera::on_bus_message, this);
  const std::int64_t now = g_get_monotonic_time();
  seen_buffers_ = 0;
  last_buffer_us_ = last_segment_us_ = now;
  audio_checked_ = false;
  last_warning_.clear();
  // rtspsrc gives up on a silent camera only when RTCP times out, tens of
  // seconds later, and not at all while the camera still sends RTCP: watch
  // the video buffers instead. A fraction of the stall timeout, so that a
  // stall is seen within it.
  if (!watchdog_timer_) {
    const guint every_ms =
        std::clamp(config_.dvr.stall_timeout * 1000 / 8, 250u, 1000u);
    watchdog_timer_ = g_timeout_add(every_ms, &Camera::on_watchdog, this);
  }
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_autoptr(GstMessage) message =
        gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (message) {
      note_lean_failure(message);
      const Described d = describe_error(message, pipeline_.get(), config_);
      fail(d.unauthorized ? Failure::Unauthorized
           : d.local      ? Failure::Fatal
                          : Failure::Lost,
           d.text);
    } else {
      fail(Failure::Fatal, "the pipeline would not start");
    }
  }
}

void Camera::request_stop() {
  if (stop_requested_) return;
  stop_requested_ = true;
  if (retry_timer_) {
    g_source_remove(retry_timer_);
    retry_timer_ = 0;
  }
  if (pipeline_ && bus_watch_) {
    set_state(State::Stopping);
    stop_timer_ = g_timeout_add(kStopTimeoutMs, &Camera::on_stop_timeout, this);
    gst_element_send_event(pipeline_.get(), gst_event_new_eos());
    return;
  }
  finish_stop();
}

void Camera::finish_stop() {
  for (guint *timer : {&watchdog_timer_, &stop_timer_}) {
    if (*timer) g_source_remove(*timer);
    *timer = 0;
  }
  teardown();
  set_state(State::Stopped);
  on_stopped_();
}

CameraStatus Camera::status() const {
  CameraStatus s;
  s.name = config_.name;
  s.source = config_.source == SourceKind::Rtsp ? "rtsp" : "test";
  s.state = to_string(state_);
  s.error = error_;
  s.window = config_.dvr.window;
  s.retention = config_.dvr.retention_held();
  s.segment_duration = config_.dvr.segment_duration;
  s.segments = segments_;
  s.bytes = bytes_;
  s.last_segment_at = last_segment_at_;
  s.reconnects = reconnects_;
  s.clock_steps = clock_steps_;
  s.storage.state = storage_state_;
  s.storage.full_since = full_since_;
  const std::int64_t free_bytes = filesystem_free_bytes(options_.location);
  if (free_bytes >= 0) s.storage.free_bytes = free_bytes;
  const std::string fs = filesystem_of(options_.location);
  if (!fs.empty()) s.storage.filesystem = fs;
  for (const char *reason : kDropReasons) {
    std::uint64_t n = 0;
    if (auto it = dropped_before_.find(reason); it != dropped_before_.end())
      n += it->second;
    if (auto it = dropped_now_.find(reason); it != dropped_now_.end())
      n += it->second;
    s.storage.dropped.emplace_back(reason, n);
  }
  if (state_ == State::Recording) {
    std::uint64_t bytes = 0, ns = 0;
    for (const auto &[b, d] : recent_) {
      bytes += b;
      ns += d;
    }
    if (ns > 0) s.bitrate = bytes * 8 * GST_SECOND / ns;
    if (!video_path_.empty()) s.video_path = video_path_;
    if (!video_codec_.empty()) s.codec = video_codec_;
    if (!audio_path_.empty()) s.audio_path = audio_path_;
  }
  if (config_.source == SourceKind::Rtsp)
    s.ingest = lean_failed_ ? "rtspsrc (lean failed: " + *lean_failed_ + ")"
                            : to_string(config_.rtsp.ingest);
  return s;
}

gboolean Camera::on_bus_message(GstBus *, GstMessage *message, gpointer self) {
  // No exception may unwind into GLib's dispatcher.
  try {
    return static_cast<Camera *>(self)->handle_message(message)
               ? G_SOURCE_CONTINUE
               : G_SOURCE_REMOVE;
  } catch (const std::exception &e) {
    log_line(std::string("internal error in a bus watch: ") + e.what());
  } catch (...) {
    log_line("internal error in a bus watch");
  }
  return G_SOURCE_CONTINUE;
}

gboolean Camera::on_watchdog(gpointer self) {
  try {
    static_cast<Camera *>(self)->watchdog();
  } catch (const std::exception &e) {
    log_line(std::string("internal error in the stall watchdog: ") + e.what());
  }
  return G_SOURCE_CONTINUE;
}

gboolean Camera::on_retry(gpointer data) {
  auto *self = static_cast<Camera *>(data);
  self->retry_timer_ = 0;
  try {
    ++self->reconnects_;
    self->attempt();
  } catch (const std::exception &e) {
    log_line(std::string("internal error while restarting a camera: ") +
             e.what());
  }
  return G_SOURCE_REMOVE;
}

gboolean Camera::on_stop_timeout(gpointer data) {
  auto *self = static_cast<Camera *>(data);
  self->stop_timer_ = 0;
  log_line("camera " + self->config_.name +
           ": the last segment did not finish within " +
           seconds(kStopTimeoutMs) + "; stopping anyway");
  try {
    self->finish_stop();
  } catch (const std::exception &e) {
    log_line(std::string("internal error while stopping a camera: ") +
             e.what());
  }
  return G_SOURCE_REMOVE;
}

void Camera::watchdog() {
  if (!pipeline_ || stop_requested_) return;
  const std::int64_t now = g_get_monotonic_time();
  const std::uint64_t count = video_buffer_count(pipeline_.get());
  GST_LOG("camera %s: %" G_GUINT64_FORMAT " video buffers",
          config_.name.c_str(), count);
  if (count != seen_buffers_) {
    seen_buffers_ = count;
    last_buffer_us_ = now;
  }
  if (state_ == State::Recording && recording_since_us_)
    backoff_.recording_for(now - recording_since_us_);
  if (!audio_checked_ && state_ != State::Recording &&
      end_missing_audio(pipeline_.get())) {
    audio_checked_ = true;
    log_line(
        "camera " + config_.name +
        ": the camera announced audio but sends none; recording video only");
  }

  const std::int64_t stall =
      static_cast<std::int64_t>(config_.dvr.stall_timeout) * G_USEC_PER_SEC;
  if (now - last_buffer_us_ > stall) {
    fail(Failure::Lost, "no video from the camera for " +
                            std::to_string(config_.dvr.stall_timeout) + " s");
    return;
  }
  // Video that comes without ever closing a segment: a camera sending too few
  // keyframes, or a recorder stuck. Allow long GOPs before calling it a stall.
  const unsigned segment_limit_s = std::max(
      {60u, 4 * config_.dvr.stall_timeout, 6 * config_.dvr.segment_duration});
  if (now - last_segment_us_ >
      static_cast<std::int64_t>(segment_limit_s) * G_USEC_PER_SEC) {
    fail(
        Failure::Lost,
        "video arrives but no segment was finished for " +
            std::to_string(segment_limit_s) +
            " s (does the camera send keyframes? set a fixed I-frame interval)");
  }
}

void Camera::segment_added(const GstStructure *s) {
  ++segments_;
  last_segment_at_ = g_get_real_time();
  last_segment_us_ = g_get_monotonic_time();
  guint64 bytes = 0, duration = 0;
  gst_structure_get_uint64(s, "bytes", &bytes);
  gst_structure_get_uint64(s, "duration", &duration);
  bytes_ += bytes;
  guint64 sequence = 0;
  gst_structure_get_uint64(s, "sequence", &sequence);
  GST_DEBUG("camera %s: segment %" G_GUINT64_FORMAT
            " finished, %" G_GUINT64_FORMAT " bytes, %" GST_TIME_FORMAT,
            config_.name.c_str(), sequence, bytes, GST_TIME_ARGS(duration));
  if (duration > 0) {
    recent_.emplace_back(bytes, duration);
    while (recent_.size() > kBitrateSegments) recent_.pop_front();
  }
  if (state_ == State::Recording || stop_requested_) return;
  error_.reset();
  recording_since_us_ = last_segment_us_;
  const RecordedPaths paths = recorded_paths(pipeline_.get());
  video_path_ = paths.video;
  audio_path_ = paths.audio;
  video_codec_ = paths.video_codec;
  set_state(State::Recording, {},
            "video " + (video_path_.empty() ? std::string("?") : video_path_) +
                (audio_path_.empty() ? "" : "; audio " + audio_path_));
}

namespace {

std::string mebibytes(std::uint64_t bytes) {
  char text[32];
  if (bytes < 1024 * 1024)
    std::snprintf(text, sizeof text, "%.0f KiB",
                  static_cast<double>(bytes) / 1024.0);
  else
    std::snprintf(text, sizeof text, "%.1f MiB",
                  static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

std::uint64_t field_u64(const GstStructure *s, const char *name) {
  guint64 v = 0;
  gst_structure_get_uint64(s, name, &v);
  return v;
}

}  // namespace

void Camera::storage_changed(const GstStructure *s) {
  const char *state_field = gst_structure_get_string(s, "state");
  const std::string state = state_field ? state_field : "error";
  const char *folder_field = gst_structure_get_string(s, "folder");
  const std::string folder =
      folder_field && *folder_field ? folder_field : options_.location;
  gint64 free_bytes = -1;
  gst_structure_get_int64(s, "free-bytes", &free_bytes);
  // Totals since this pipeline's element started.
  if (gst_structure_has_field(s, "total-freed-segments")) {
    dropped_now_["reclaimed"] = field_u64(s, "total-freed-segments");
    dropped_now_["no-space"] = field_u64(s, "total-dropped-no-space");
    const std::uint64_t unwritable = field_u64(s, "total-dropped-unwritable");
    std::uint64_t counted = 0;
    for (const char *r : {"read-only", "folder-missing", "io-error"})
      counted += dropped_now_[r];
    if (unwritable > counted) {
      const std::string reason =
          state == "read-only" || state == "folder-missing" ? state
                                                            : "io-error";
      dropped_now_[reason] += unwritable - counted;
    }
  }
  const std::string before = storage_state_;
  storage_state_ = state;
  const std::string free_text =
      free_bytes >= 0
          ? mebibytes(static_cast<std::uint64_t>(free_bytes)) + " free"
          : "free space unknown";
  if (state == "full" && before != "full") {
    full_since_ = g_get_real_time();
    const char *oldest =
        gst_structure_get_string(s, "oldest-program-date-time");
    log_line("camera " + config_.name + ": warning: the disk holding " +
             folder + " is full (" + free_text + "): freed the oldest " +
             std::to_string(field_u64(s, "freed-segments")) + " segments (" +
             mebibytes(field_u64(s, "freed-bytes")) + "), footage now from " +
             (oldest && *oldest ? oldest : std::string("nothing kept")) +
             "; recording goes on, oldest first");
  } else if (state == "ok" && before == "full") {
    full_since_.reset();
    log_line("camera " + config_.name + ": space is back in " + folder + " (" +
             free_text + "); while the disk was full " +
             std::to_string(field_u64(s, "freed-segments")) + " segments (" +
             mebibytes(field_u64(s, "freed-bytes")) +
             ") were freed early and " +
             std::to_string(field_u64(s, "dropped-segments")) + " not written");
  } else if (state == "ok" && before != "ok") {
    log_line("camera " + config_.name + ": " + folder +
             " can be written again");
  } else if (state != "ok" && state != "full" && state != before) {
    full_since_.reset();
    log_line("camera " + config_.name + ": warning: cannot write to " + folder +
             ": " +
             storage_fault_words(state == "read-only" ? StorageFault::kReadOnly
                                 : state == "folder-missing"
                                     ? StorageFault::kFolderMissing
                                 : state == "io-error" ? StorageFault::kIoError
                                                       : StorageFault::kOther));
  }
}

// Returns false when the pipeline is gone, which also removes this watch.
bool Camera::handle_message(GstMessage *message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      note_lean_failure(message);
      const Described d = describe_error(message, pipeline_.get(), config_);
      bus_watch_ = 0;  // returning false removes it
      fail(d.unauthorized ? Failure::Unauthorized
           : d.local      ? Failure::Fatal
                          : Failure::Lost,
           d.text);
      return false;
    }
    case GST_MESSAGE_EOS:
      bus_watch_ = 0;
      if (stop_requested_) {
        finish_stop();
      } else {
        // rtspsrc ends the stream when the camera hangs up.
        fail(Failure::Lost,
             std::string(config_.source == SourceKind::Rtsp
                             ? "the camera closed the connection"
                             : "the stream ended") +
                 (last_warning_.empty() ? "" : " (" + last_warning_ + ")"));
      }
      return false;
    case GST_MESSAGE_WARNING: {
      // Said again with the failure that usually follows, not logged on its own.
      g_autoptr(GError) err = nullptr;
      g_autofree char *debug = nullptr;
      gst_message_parse_warning(message, &err, &debug);
      // A clock step is logged from its own message, and is no failure's cause.
      const GstStructure *details = nullptr;
      gst_message_parse_warning_details(message, &details);
      const GValue *inner =
          details ? gst_structure_get_value(details, "details") : nullptr;
      if (inner && GST_VALUE_HOLDS_STRUCTURE(inner) &&
          g_str_has_prefix(
              gst_structure_get_name(gst_value_get_structure(inner)),
              "dvr-clock-"))
        return true;
      last_warning_ = err ? err->message : "";
      return true;
    }
    case GST_MESSAGE_APPLICATION: {
      const GstStructure *s = gst_message_get_structure(message);
      const char *reason = s ? gst_structure_get_string(s, "reason") : nullptr;
      const std::string why = reason ? reason : "unknown";
      if (gst_message_has_name(message, kUnsupportedStreamMessage)) {
        bus_watch_ = 0;
        fail(Failure::Fatal, why);
        return false;
      }
      if (gst_message_has_name(message, kDiscardedStreamMessage) &&
          notes_.insert(why).second)
        log_line("camera " + config_.name +
                 ": note: " + redact(why, config_.secrets()));
      return true;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(message);
      if (gst_message_has_name(message, "dvr-segment-added")) {
        segment_added(s);
      } else if (gst_message_has_name(message, "dvr-storage")) {
        storage_changed(s);
      } else if (gst_message_has_name(message, "dvr-clock-step")) {
        // One line per step, with the camera's name: the element's warning
        // is not logged on its own.
        ++clock_steps_;
        const char *source = gst_structure_get_string(s, "source");
        const char *before = gst_structure_get_string(s, "before");
        const char *after = gst_structure_get_string(s, "after");
        gdouble step = 0;
        gst_structure_get_double(s, "step-seconds", &step);
        char line[256];
        std::snprintf(
            line, sizeof line,
            "clock step: the %s clock stepped by %+.3f s (%s to %s); recording goes on after a "
            "discontinuity, and no footage is deleted for it",
            source && std::strcmp(source, "camera") == 0 ? "camera's"
                                                         : "system",
            step, before ? before : "?", after ? after : "?");
        log_line("camera " + config_.name + ": " + line);
      } else if (gst_message_has_name(message, "dvr-clock-camera-off")) {
        gdouble off = 0;
        gst_structure_get_double(s, "off-seconds", &off);
        // Each connection reads the camera's clock afresh: a camera that is
        // always an hour off is said once, not on every reconnect.
        if (!camera_clock_off_said_ ||
            std::abs(*camera_clock_off_said_ - off) > 2.0) {
          camera_clock_off_said_ = off;
          char line[256];
          std::snprintf(
              line, sizeof line,
              "WARNING: the camera's clock is %+.3f s off this machine's; footage is labelled by this "
              "machine's clock until it agrees (wall-clock = camera): set the camera's time or NTP",
              off);
          log_line("camera " + config_.name + ": " + line);
        }
      } else if (gst_message_has_name(message, "dvr-clock-implausible")) {
        const char *clock = gst_structure_get_string(s, "clock");
        const char *from = gst_structure_get_string(s, "trusted-from");
        const char *reason = gst_structure_get_string(s, "reason");
        log_line("camera " + config_.name + ": WARNING: the system clock (" +
                 (clock ? clock : "?") + ") cannot be right, it is before " +
                 (reason && std::strcmp(reason, "before-build") == 0
                      ? "this program was built"
                      : "the newest footage on disk") +
                 ": nothing is deleted by age until it reaches " +
                 (from ? from : "?") +
                 "; set the clock (NTP) before recording starts");
      } else if (gst_message_has_name(message, "dvr-min-free")) {
        guint64 segments = 0, bytes = 0, min_free = 0;
        gint64 free_bytes = 0;
        gst_structure_get(s, "freed-segments", G_TYPE_UINT64, &segments,
                          "freed-bytes", G_TYPE_UINT64, &bytes, "min-free",
                          G_TYPE_UINT64, &min_free, "free-bytes", G_TYPE_INT64,
                          &free_bytes, nullptr);
        char line[256];
        std::snprintf(line, sizeof line,
                      "min-free: %" G_GINT64_FORMAT
                      " bytes free, below the %" G_GUINT64_FORMAT
                      " kept free: removed %" G_GUINT64_FORMAT
                      " of the oldest segments (%" G_GUINT64_FORMAT " bytes)",
                      free_bytes, min_free, segments, bytes);
        log_line("camera " + config_.name + ": " + line);
      } else if (gst_message_has_name(message, "GstRTSPSrcTimeout") &&
                 !stop_requested_) {
        bus_watch_ = 0;
        fail(Failure::Lost, "the camera stopped sending (RTCP timeout)");
        return false;
      }
      return true;
    }
    default:
      return true;
  }
}

CameraConfig Camera::effective_config() const {
  CameraConfig c = config_;
  if (lean_failed_) {
    c.rtsp.ingest = Ingest::Rtspsrc;
    // Every transport rtspsrc knows, UDP first, unless the preset chose one.
    if (!c.rtsp.transport_set) c.rtsp.transport = "udp+tcp";
  }
  return c;
}

// A STREAM error from dvrrtspsrc is about the camera's answers, not about
// the camera being away or refusing the login (those are RESOURCE errors):
// rtspsrc may well record what the lean source cannot.
void Camera::note_lean_failure(GstMessage *message) {
  if (lean_failed_ || config_.source != SourceKind::Rtsp ||
      config_.rtsp.ingest != Ingest::Lean)
    return;
  GstObject *from = GST_MESSAGE_SRC(message);
  if (!from || g_strcmp0(G_OBJECT_TYPE_NAME(from), "GstDvrRtspSrc") != 0)
    return;
  g_autoptr(GError) err = nullptr;
  g_autofree char *debug = nullptr;
  gst_message_parse_error(message, &err, &debug);
  if (!err || err->domain != GST_STREAM_ERROR) return;
  const std::string why = reason_of(debug);
  lean_failed_ = redact(why.empty() ? err->message : why, config_.secrets());
  log_line("camera " + config_.name +
           ": ingest: rtspsrc (lean failed: " + *lean_failed_ + ")");
}

void Camera::fail(Failure failure, const std::string &what) {
  if (recording_since_us_)
    backoff_.recording_for(g_get_monotonic_time() - recording_since_us_);
  recording_since_us_ = 0;
  recent_.clear();
  video_path_.clear();
  video_codec_.clear();
  audio_path_.clear();
  teardown();
  if (stop_requested_) {
    finish_stop();
    return;
  }
  error_ = redact(what, config_.secrets());
  unsigned delay_ms;
  State next;
  if (failure == Failure::Unauthorized) {
    delay_ms = backoff_.after_refused_login_ms();
    next = State::Unauthorized;
  } else {
    delay_ms = backoff_.after_failure_ms();
    next = failure == Failure::Fatal ? State::Error : State::Reconnecting;
  }
  GST_DEBUG("camera %s: next attempt in %u ms", config_.name.c_str(), delay_ms);
  set_state(next, *error_, "next attempt in " + seconds(delay_ms));
  if (retry_timer_) g_source_remove(retry_timer_);
  retry_timer_ = g_timeout_add(delay_ms, &Camera::on_retry, this);
}

void Camera::teardown() {
  if (bus_watch_) {
    g_source_remove(bus_watch_);
    bus_watch_ = 0;
  }
  if (!pipeline_) return;
  // This blocks the main loop (rtspsrc says TEARDOWN to the camera first):
  // worth a line when it takes long, since the HTTP server waits meanwhile.
  const std::int64_t begin = g_get_monotonic_time();
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  pipeline_.reset();
  const std::int64_t took_ms = (g_get_monotonic_time() - begin) / 1000;
  if (took_ms >= 500)
    log_line("camera " + config_.name + ": stopping its pipeline took " +
             std::to_string(took_ms) + " ms");
}

void Camera::set_state(State state, const std::string &reason,
                       const std::string &detail) {
  state_ = state;
  // One line per change of state or of its reason; the same failure again
  // (a camera that stays away for hours) is not logged again.
  std::string line = "camera " + config_.name + ": " + to_string(state);
  if (!reason.empty()) line += ": " + reason;
  if (line == logged_) return;
  logged_ = line;
  log_line(redact(
      line + (detail.empty() ? "" : (reason.empty() ? ": " : "; ") + detail),
      config_.secrets()));
}

}  // namespace dvr
