// One camera: its pipeline, the bus watch that follows it, its state for the
// API, and the rebuild with back-off when it fails. Everything here runs on
// the main loop (the bus watch and the timers are attached to the default
// main context), so the HTTP server reads a camera's status without locks.
// The streaming threads only count buffers (see camera_pipeline.h).
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "supervise/backoff.h"
#include "http/camera_status.h"
#include "supervise/pipeline_description.h"
#include "config/preset.h"

namespace dvr {

// How long a stopping camera may take to finish its last segment (an EOS
// through the writer and a sync to disk) before its pipeline is torn down
// anyway; the launcher's own last resort on SIGINT/SIGTERM counts from it.
constexpr guint kStopTimeoutMs = 5000;

class Camera {
 public:
  enum class State {
    Starting,
    Recording,
    Reconnecting,
    Unauthorized,
    Error,
    Stopping,
    Stopped
  };

  // options.location: the camera's folder. on_stopped: called from the main
  // loop once the camera has stopped after request_stop(); the camera may be
  // destroyed after that call returns, not during it.
  Camera(CameraConfig config, PipelineOptions options,
         std::function<void()> on_stopped);
  ~Camera();
  Camera(const Camera &) = delete;
  Camera &operator=(const Camera &) = delete;

  void start();
  // Sends EOS so that the last segment is finished and listed; the camera is
  // stopped when the EOS has gone through, at once if nothing runs, or after
  // a few seconds if the EOS does not come through.
  void request_stop();
  bool stopped() const { return state_ == State::Stopped; }
  bool stopping() const { return stop_requested_; }

  const std::string &name() const { return config_.name; }
  const CameraConfig &config() const { return config_; }
  CameraStatus status() const;

 private:
  // What went wrong decides how soon and in which state the camera retries.
  enum class Failure {
    Lost,  // refused, reset, closed, silent: back-off, state reconnecting
    Unauthorized,  // login refused: every auth-retry seconds, state unauthorized
    Fatal,  // nothing a reconnection fixes by itself: back-off, state error
  };
  struct ElementUnref {
    void operator()(GstElement *e) const { gst_object_unref(e); }
  };

  static gboolean on_bus_message(GstBus *bus, GstMessage *message,
                                 gpointer self);
  static gboolean on_retry(gpointer self);
  static gboolean on_watchdog(gpointer self);
  static gboolean on_stop_timeout(gpointer self);
  bool handle_message(GstMessage *message);
  void segment_added(const GstStructure *s);
  // A "dvr-storage" message: the disk filled, space came back, or the folder
  // cannot be written. Logs one line per change.
  void storage_changed(const GstStructure *s);
  void watchdog();
  void attempt();
  void fail(Failure failure, const std::string &what);
  // The configuration the next pipeline is built from: the preset's, with
  // rtspsrc in place of a lean source that failed.
  CameraConfig effective_config() const;
  void note_lean_failure(GstMessage *message);
  void finish_stop();
  void teardown();
  // Logs one line when the state or its reason changes.
  void set_state(State state, const std::string &reason = {},
                 const std::string &detail = {});

  CameraConfig config_;
  PipelineOptions options_;
  std::function<void()> on_stopped_;

  std::unique_ptr<GstElement, ElementUnref> pipeline_;
  guint bus_watch_ = 0;
  guint retry_timer_ = 0;
  guint watchdog_timer_ = 0;
  guint stop_timer_ = 0;
  bool stop_requested_ = false;

  // Supervision, all monotonic microseconds.
  std::uint64_t seen_buffers_ = 0;
  std::int64_t last_buffer_us_ =
      0;  // newest video buffer (or the attempt's start)
  std::int64_t last_segment_us_ = 0;  // newest segment (or the attempt's start)
  std::int64_t recording_since_us_ = 0;  // 0 when not recording
  bool audio_checked_ = false;
  Backoff backoff_;

  State state_ = State::Starting;
  std::string logged_;  // the last line logged, to log each change once
  std::optional<std::string> error_;
  std::string last_warning_;
  std::set<std::string> notes_;  // streams not recorded, logged once each
  // Why dvrrtspsrc gave up on this camera for a protocol reason; rtspsrc
  // records it from the next attempt until a restart or a reload.
  std::optional<std::string> lean_failed_;
  std::uint64_t segments_ = 0;
  std::uint64_t bytes_ = 0;
  std::optional<std::int64_t> last_segment_at_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>>
      recent_;  // bytes, duration in ns
  std::uint64_t reconnects_ = 0;
  std::uint64_t clock_steps_ =
      0;  // of the system's or the camera's clock, said by dvrindex
  // How far off the camera's clock was when last said to be unusable (s):
  // said again on a reconnect only if that changed.
  std::optional<double> camera_clock_off_said_;
  std::string video_path_, audio_path_, video_codec_;

  // The disk under the camera's folder, as dvrsink last said it.
  std::string storage_state_ = "ok";
  std::optional<std::int64_t> full_since_;
  // Segments lost by reason (kDropReasons): earlier pipelines' counts, and
  // the current pipeline's totals as its element reports them.
  std::map<std::string, std::uint64_t> dropped_before_, dropped_now_;
};

const char *to_string(Camera::State state);

}  // namespace dvr
