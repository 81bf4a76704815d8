// One camera: its pipeline, the bus watch that follows it, its state for the
// API, and the restart with back-off when it fails. Everything here runs on
// the main loop (the bus watch is attached to the default main context), so
// the HTTP server can read a camera's status without locks.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

#include "camera_status.h"
#include "pipeline_description.h"
#include "preset.h"

namespace dvr {

class Camera {
 public:
  enum class State { Starting, Recording, Error, Reconnecting, Unauthorized, Stopping, Stopped };

  // options.location: the camera's folder. on_stopped: called once the
  // camera has stopped after request_stop().
  Camera(CameraConfig config, PipelineOptions options, std::function<void()> on_stopped);
  ~Camera();
  Camera(const Camera&) = delete;
  Camera& operator=(const Camera&) = delete;

  void start();
  // Sends EOS so that the last segment is finished and listed; the camera is
  // stopped when the EOS has gone through (or at once if nothing runs).
  void request_stop();
  bool stopped() const { return state_ == State::Stopped; }

  const std::string& name() const { return config_.name; }
  CameraStatus status() const;

 private:
  struct ElementUnref {
    void operator()(GstElement* e) const { gst_object_unref(e); }
  };

  static gboolean on_bus_message(GstBus* bus, GstMessage* message, gpointer self);
  static gboolean on_retry(gpointer self);
  static gboolean on_watchdog(gpointer self);
  bool handle_message(GstMessage* message);
  // unauthorized: the camera refused the login; retried slowly, not with back-off.
  void fail(const std::string& what, bool unauthorized = false);
  void teardown();
  void set_state(State state, const std::string& detail = {});

  CameraConfig config_;
  PipelineOptions options_;
  std::function<void()> on_stopped_;

  std::unique_ptr<GstElement, ElementUnref> pipeline_;
  guint bus_watch_ = 0;
  guint retry_timer_ = 0;
  guint watchdog_timer_ = 0;
  std::int64_t last_progress_us_ = 0;   // monotonic: pipeline start or newest segment
  std::int64_t recording_since_us_ = 0; // monotonic, 0 when not recording
  unsigned backoff_ms_ = 1000;
  bool stop_requested_ = false;

  State state_ = State::Starting;
  std::optional<std::string> error_;
  std::uint64_t segments_ = 0;
  std::optional<std::int64_t> last_segment_at_;
  std::uint64_t reconnects_ = 0;
};

const char* to_string(Camera::State state);

}  // namespace dvr
