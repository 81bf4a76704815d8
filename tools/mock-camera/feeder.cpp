#include "feeder.h"

#include <gst/app/gstappsrc.h>

#include <chrono>
#include <mutex>

GST_DEBUG_CATEGORY_STATIC(feeder_debug);
#define GST_CAT_DEFAULT feeder_debug

namespace mockcam {
namespace {

struct CameraState {
  std::mutex mutex;
  std::condition_variable cond;
  bool stalled = false;
  guint64 generation = 0;  // bumped when every feeder must re-anchor
  gint64 epoch_us = g_get_monotonic_time();  // start of the camera timeline
};

// Never destroyed: feeder threads may still wait on it while the process exits.
CameraState &state() {
  static CameraState *s = new CameraState();
  return *s;
}

// A feeder that fell this far behind (process stopped, machine overloaded)
// starts over at the current time instead of sending a burst.
constexpr GstClockTime kMaxLate = GST_SECOND;

}  // namespace

void camera_stall() {
  CameraState &s = state();
  std::lock_guard<std::mutex> lk(s.mutex);
  s.stalled = true;
  s.cond.notify_all();
}

void camera_resume() {
  CameraState &s = state();
  std::lock_guard<std::mutex> lk(s.mutex);
  if (s.stalled) {
    s.stalled = false;
    s.generation++;
  }
  s.cond.notify_all();
}

void camera_restart_timeline() {
  CameraState &s = state();
  std::lock_guard<std::mutex> lk(s.mutex);
  s.epoch_us = g_get_monotonic_time();
  s.generation++;
  s.cond.notify_all();
}

bool camera_is_stalled() {
  CameraState &s = state();
  std::lock_guard<std::mutex> lk(s.mutex);
  return s.stalled;
}

GstClockTime Feeder::Track::next_time() const {
  const EncodedTrack &d = *data;
  gint64 t = base + static_cast<gint64>(loops * d.loop_duration +
                                        d.offsets[index] - d.offsets[start]);
  return t > 0 ? static_cast<GstClockTime>(t) : 0;
}

Feeder::Feeder(GstElement *video_src, TrackPtr video, GstElement *audio_src,
               TrackPtr audio) {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(feeder_debug, "dvrmockcamera", 0,
                            "dvr-mock-camera feeder");
  });
  if (video_src && video) {
    Track t;
    t.src = GST_ELEMENT(gst_object_ref(video_src));
    t.data = std::move(video);
    tracks_.push_back(std::move(t));
  }
  if (audio_src && audio) {
    Track t;
    t.src = GST_ELEMENT(gst_object_ref(audio_src));
    t.data = std::move(audio);
    tracks_.push_back(std::move(t));
  }
}

Feeder::~Feeder() {
  stop();
  for (Track &t : tracks_) gst_object_unref(t.src);
}

void Feeder::start() {
  if (!thread_.joinable() && !tracks_.empty())
    thread_ = std::thread([this] { run(); });
}

void Feeder::stop() {
  CameraState &s = state();
  {
    std::lock_guard<std::mutex> lk(s.mutex);
    stop_ = true;
    s.cond.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
    thread_.join();
}

void Feeder::set_playing(bool playing) {
  CameraState &s = state();
  std::lock_guard<std::mutex> lk(s.mutex);
  if (playing && !playing_) play_started_ = true;
  playing_ = playing;
  s.cond.notify_all();
}

// The running time of the pipeline now, once it is PLAYING.
bool Feeder::running_time(GstClockTime &now, GstClockTime &base_time) {
  GstElement *src = tracks_.front().src;
  GST_OBJECT_LOCK(src);
  bool playing = GST_STATE(src) == GST_STATE_PLAYING;
  GST_OBJECT_UNLOCK(src);
  if (!playing) return false;
  GstClock *clock = gst_element_get_clock(src);
  if (!clock) return false;
  GstClockTime t = gst_clock_get_time(clock);
  gst_object_unref(clock);
  base_time = gst_element_get_base_time(src);
  if (!GST_CLOCK_TIME_IS_VALID(t) || t < base_time) return false;
  now = t - base_time;
  return true;
}

// Starts sending at `now` from the camera's current position: video from the
// start of the current GOP, so that a decoder can start at once.
void Feeder::anchor(GstClockTime now) {
  CameraState &s = state();
  GstClockTime elapsed =
      static_cast<GstClockTime>(g_get_monotonic_time() - s.epoch_us) * 1000;
  for (Track &t : tracks_) {
    const EncodedTrack &d = *t.data;
    GstClockTime pos = d.loop_duration ? elapsed % d.loop_duration : 0;
    size_t start = 0;
    for (size_t i = 0; i < d.offsets.size() && d.offsets[i] <= pos; i++)
      if (d.keyframes[i]) start = i;
    t.start = t.index = start;
    t.loops = 0;
    t.base = static_cast<gint64>(now);
    t.discont = true;
  }
  generation_ = s.generation;
  anchored_ = true;
  GST_DEBUG("anchored at %" GST_TIME_FORMAT ", camera time %" GST_TIME_FORMAT,
            GST_TIME_ARGS(now), GST_TIME_ARGS(elapsed));
}

void Feeder::run() {
  CameraState &s = state();
  std::unique_lock<std::mutex> lk(s.mutex);
  while (!stop_) {
    GstClockTime now = 0, base_time = 0;
    if (!running_time(now, base_time)) {
      s.cond.wait_for(lk, std::chrono::milliseconds(10));
      continue;
    }
    if (!anchored_ || generation_ != s.generation || base_time != base_time_) {
      base_time_ = base_time;
      anchor(now);
    }

    // The first PLAY: go on from the buffers sent to prepare the media,
    // sending the next ones from now on. (The buffers sent before reach the
    // client only now: they are held while the media waits for PLAY.)
    if (play_started_) {
      play_started_ = false;
      for (Track &t : tracks_)
        if (t.primed)
          t.base +=
              static_cast<gint64>(now) - static_cast<gint64>(t.next_time());
      GST_DEBUG("playing from %" GST_TIME_FORMAT, GST_TIME_ARGS(now));
    }

    // While stalled or not played yet, each track still sends its first
    // buffer so that the media can be prepared (clients get their SDP).
    const bool hold = s.stalled || !playing_;
    Track *next = nullptr;
    for (Track &t : tracks_) {
      if (hold && t.primed) continue;
      if (!next || t.next_time() < next->next_time()) next = &t;
    }
    if (!next) {
      s.cond.wait(lk);
      continue;
    }
    GstClockTime due = next->next_time();
    if (next->primed && due > now) {
      s.cond.wait_for(lk, std::chrono::nanoseconds(due - now));
      continue;
    }
    if (now > due + kMaxLate) {
      anchored_ = false;
      continue;
    }

    const EncodedTrack &d = *next->data;
    GstBuffer *buf = gst_buffer_copy(d.buffers[next->index]);
    GST_BUFFER_PTS(buf) = due;
    GST_BUFFER_DTS(buf) = due;
    GST_BUFFER_DURATION(buf) = d.duration_of(next->index);
    if (next->discont)
      GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
    else
      GST_BUFFER_FLAG_UNSET(buf, GST_BUFFER_FLAG_DISCONT);
    next->discont = false;
    next->primed = true;
    if (++next->index == d.buffers.size()) {
      next->index = 0;
      next->loops++;
    }
    GstElement *src = next->src;
    lk.unlock();
    // Fails with FLUSHING while the media shuts down: nothing to do then.
    gst_app_src_push_buffer(GST_APP_SRC(src), buf);
    lk.lock();
  }
}

}  // namespace mockcam
