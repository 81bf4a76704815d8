// Plays the encoded loops into the appsrc elements of one media, in real
// time, with live timestamps: the loop repeats with its timestamps offset, so
// receivers see one continuous stream.
#pragma once

#include <gst/gst.h>

#include <condition_variable>
#include <thread>
#include <vector>

#include "encoder.h"

namespace mockcam {

// State shared by every stream of the camera, changed by control commands.
void camera_stall();
void camera_resume();
// Starts the picture over from the first frame of the loop, as after a
// reboot (clients are dropped separately).
void camera_restart_timeline();
bool camera_is_stalled();

class Feeder {
 public:
  // Either element may be null. Holds references to the elements.
  Feeder(GstElement *video_src, TrackPtr video, GstElement *audio_src,
         TrackPtr audio);
  ~Feeder();
  Feeder(const Feeder &) = delete;
  Feeder &operator=(const Feeder &) = delete;

  void start();
  void stop();  // idempotent; joins the thread
  // Whether a client plays the media. Until the first PLAY only the first
  // buffer of each track is sent (the media needs it to be prepared), so
  // that a client does not get a burst of frames queued since DESCRIBE.
  void set_playing(bool playing);

 private:
  struct Track {
    GstElement *src = nullptr;
    TrackPtr data;
    size_t start = 0;   // index the current run started from
    size_t index = 0;   // next buffer to send
    guint64 loops = 0;  // completed loops since start
    gint64 base = 0;    // running time of the buffer at `start`; may be
                        // negative while later buffers are not
    bool discont = true;
    bool primed = false;  // has sent at least one buffer
    GstClockTime next_time() const;
  };

  void run();
  bool running_time(GstClockTime &now, GstClockTime &base_time);
  void anchor(GstClockTime now);

  std::vector<Track> tracks_;
  std::thread thread_;
  bool stop_ = false;     // guarded by the shared camera mutex
  bool playing_ = false;  // guarded by the shared camera mutex
  bool play_started_ = false;
  bool anchored_ = false;
  guint64 generation_ = 0;
  GstClockTime base_time_ = GST_CLOCK_TIME_NONE;
};

}  // namespace mockcam
