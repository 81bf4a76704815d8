#include "camera.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log.h"

namespace dvr {
namespace {

constexpr unsigned kFirstBackoffMs = 1000;
constexpr unsigned kMaxBackoffMs = 30000;
// The back-off starts over only after this long of good recording, so that a
// camera that fails every few seconds is not hammered at the shortest delay.
constexpr std::int64_t kGoodRecordingUs = 60 * G_USEC_PER_SEC;

bool is_unauthorized(GstMessage* message) {
  g_autoptr(GError) err = nullptr;
  g_autofree char* debug = nullptr;
  gst_message_parse_error(message, &err, &debug);
  if (err && g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED)) return true;
  const std::string text = std::string(err ? err->message : "") + " " + (debug ? debug : "");
  return text.find("401") != std::string::npos || text.find("Unauthorized") != std::string::npos;
}

std::string error_text(GstMessage* message) {
  g_autoptr(GError) err = nullptr;
  g_autofree char* debug = nullptr;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR)
    gst_message_parse_error(message, &err, &debug);
  else
    gst_message_parse_warning(message, &err, &debug);
  std::string text = GST_MESSAGE_SRC_NAME(message) ? GST_MESSAGE_SRC_NAME(message) : "pipeline";
  text += std::string(": ") + (err ? err->message : "unknown error");
  // The debug text's last line often says why ("Failed to connect."), while
  // the message only says what; the lines before it are source locations.
  if (debug) {
    const char* reason = std::strrchr(debug, '\n');
    reason = reason ? reason + 1 : nullptr;
    if (reason && *reason) text += std::string(" (") + reason + ")";
  }
  return text;
}

}  // namespace

const char* to_string(Camera::State state) {
  switch (state) {
    case Camera::State::Starting: return "starting";
    case Camera::State::Recording: return "recording";
    case Camera::State::Error: return "error";
    case Camera::State::Reconnecting: return "reconnecting";
    case Camera::State::Unauthorized: return "unauthorized";
    case Camera::State::Stopping: return "stopping";
    case Camera::State::Stopped: return "stopped";
  }
  return "unknown";
}

Camera::Camera(CameraConfig config, PipelineOptions options, std::function<void()> on_stopped)
    : config_(std::move(config)), options_(std::move(options)), on_stopped_(std::move(on_stopped)) {}

Camera::~Camera() {
  if (retry_timer_) g_source_remove(retry_timer_);
  if (watchdog_timer_) g_source_remove(watchdog_timer_);
  teardown();
}

void Camera::start() {
  if (stop_requested_) return;
  if (g_mkdir_with_parents(options_.location.c_str(), 0755) != 0) {
    const int e = errno;
    fail("cannot create folder " + options_.location + ": " + g_strerror(e));
    return;
  }

  const std::string description = pipeline_description(config_, options_, Secrets::Omit);
  g_autoptr(GError) err = nullptr;
  GstElement* pipeline = gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!pipeline) {
    fail(std::string("cannot build the pipeline: ") + (err ? err->message : "unknown error"));
    return;
  }
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  // Names the pipeline in GStreamer's debug log.
  g_autofree char* pipeline_name = g_strdup_printf("camera-%s", config_.name.c_str());
  gst_object_set_name(GST_OBJECT(pipeline_.get()), pipeline_name);

  if (config_.source == SourceKind::Rtsp) {
    // Kept out of the description so that no pipeline text holds a secret.
    g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "src");
    g_object_set(src, "location", config_.rtsp.url.c_str(), nullptr);
    if (!config_.rtsp.password.empty()) g_object_set(src, "user-pw", config_.rtsp.password.c_str(), nullptr);
  }

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  bus_watch_ = gst_bus_add_watch(bus, &Camera::on_bus_message, this);
  set_state(State::Starting);
  last_progress_us_ = g_get_monotonic_time();
  // A camera that connects and then sends nothing never fails by itself (rtspsrc
  // gives up only when RTCP times out): watch for new segments instead.
  if (!watchdog_timer_) watchdog_timer_ = g_timeout_add_seconds(1, &Camera::on_watchdog, this);

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_autoptr(GstMessage) message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    fail(message ? error_text(message) : "the pipeline would not start");
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
    gst_element_send_event(pipeline_.get(), gst_event_new_eos());
    return;
  }
  teardown();
  set_state(State::Stopped);
  on_stopped_();
}

CameraStatus Camera::status() const {
  CameraStatus s;
  s.name = config_.name;
  s.state = to_string(state_);
  s.error = error_;
  s.window = config_.dvr.window;
  s.segment_duration = config_.dvr.segment_duration;
  s.segments = segments_;
  s.last_segment_at = last_segment_at_;
  s.reconnects = reconnects_;
  return s;
}

gboolean Camera::on_bus_message(GstBus*, GstMessage* message, gpointer self) {
  // No exception may unwind into GLib's dispatcher.
  try {
    return static_cast<Camera*>(self)->handle_message(message) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  } catch (const std::exception& e) {
    log_line(std::string("internal error in a bus watch: ") + e.what());
  } catch (...) {
    log_line("internal error in a bus watch");
  }
  return G_SOURCE_CONTINUE;
}

gboolean Camera::on_watchdog(gpointer data) {
  auto* self = static_cast<Camera*>(data);
  const std::int64_t now = g_get_monotonic_time();
  if (self->state_ == State::Recording && self->recording_since_us_ &&
      now - self->recording_since_us_ >= kGoodRecordingUs)
    self->backoff_ms_ = kFirstBackoffMs;
  const bool running = self->state_ == State::Starting || self->state_ == State::Recording;
  // Progress is counted in segments: allow at least two of them, whatever is set.
  const unsigned limit_s = std::max(self->config_.dvr.stall_timeout, 2 * self->config_.dvr.segment_duration + 2);
  const std::int64_t limit = static_cast<std::int64_t>(limit_s) * G_USEC_PER_SEC;
  if (running && self->pipeline_ && !self->stop_requested_ && now - self->last_progress_us_ > limit) {
    try {
      self->fail("no video from the camera for " + std::to_string(limit_s) + " s");
    } catch (const std::exception& e) {
      log_line(std::string("internal error in the stall watchdog: ") + e.what());
    }
  }
  return G_SOURCE_CONTINUE;
}

gboolean Camera::on_retry(gpointer data) {
  auto* self = static_cast<Camera*>(data);
  self->retry_timer_ = 0;
  try {
    ++self->reconnects_;
    self->start();
  } catch (const std::exception& e) {
    log_line(std::string("internal error while restarting a camera: ") + e.what());
  }
  return G_SOURCE_REMOVE;
}

// Returns false when the pipeline is gone, which also removes this watch.
bool Camera::handle_message(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
      bus_watch_ = 0;  // returning false removes it
      fail(error_text(message), is_unauthorized(message));
      return false;
    case GST_MESSAGE_EOS:
      bus_watch_ = 0;
      if (stop_requested_) {
        teardown();
        set_state(State::Stopped);
        on_stopped_();
      } else {
        // A camera that hangs up ends its stream: that is a failure to recover from.
        fail("the stream ended");
      }
      return false;
    case GST_MESSAGE_WARNING:
      log_line("camera " + config_.name + ": warning: " + redact(error_text(message), config_.secrets()));
      return true;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name(message, "dvr-segment-added")) {
        ++segments_;
        last_segment_at_ = g_get_real_time();
        last_progress_us_ = g_get_monotonic_time();
        if (state_ == State::Starting) {
          error_.reset();
          recording_since_us_ = last_progress_us_;
          set_state(State::Recording);
        }
      }
      return true;
    default:
      return true;
  }
}

void Camera::fail(const std::string& what, bool unauthorized) {
  recording_since_us_ = 0;
  if (unauthorized) {
    error_ = "the camera refused the user name or password; check them in the preset (" +
             redact(what, config_.secrets()) + ")";
  } else {
    error_ = redact(what, config_.secrets());
    set_state(State::Error, *error_);
  }
  teardown();
  if (stop_requested_) {
    set_state(State::Stopped);
    on_stopped_();
    return;
  }
  if (unauthorized) {
    const unsigned delay_s = config_.dvr.auth_retry;
    set_state(State::Unauthorized, *error_ + "; next attempt in " + std::to_string(delay_s) + " s");
    retry_timer_ = g_timeout_add_seconds(delay_s, &Camera::on_retry, this);
    return;
  }
  const unsigned delay = backoff_ms_;
  backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
  set_state(State::Reconnecting, "next attempt in " + std::to_string(delay / 1000) + " s");
  retry_timer_ = g_timeout_add(delay, &Camera::on_retry, this);
}

void Camera::teardown() {
  if (!pipeline_) return;
  if (bus_watch_) {
    g_source_remove(bus_watch_);
    bus_watch_ = 0;
  }
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  pipeline_.reset();
}

void Camera::set_state(State state, const std::string& detail) {
  if (state == state_ && state != State::Starting) return;
  state_ = state;
  log_line("camera " + config_.name + ": " + to_string(state) + (detail.empty() ? "" : ": " + detail));
}

}  // namespace dvr
