// Encodes the loops once at start: a moving test picture and a test tone,
// kept in memory as a list of encoded buffers.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

#include "options.h"

namespace mockcam {

// One encoded loop. Immutable once built; shared by every client.
struct EncodedTrack {
  EncodedTrack() = default;
  EncodedTrack(const EncodedTrack &) = delete;
  EncodedTrack &operator=(const EncodedTrack &) = delete;
  ~EncodedTrack();

  GstCaps *caps = nullptr;
  std::vector<GstBuffer *> buffers;   // one access unit or audio frame each
  std::vector<GstClockTime> offsets;  // start of each buffer within the loop
  std::vector<bool> keyframes;        // decoding can start at this buffer
  GstClockTime loop_duration = 0;

  GstClockTime duration_of(size_t i) const;
  size_t bytes() const;
};

using TrackPtr = std::shared_ptr<const EncodedTrack>;

struct VideoSpec {
  Codec codec = Codec::H264;
  int width = 1920;
  int height = 1080;
  int framerate = 25;
  int bitrate = 4000;  // kbit/s
  int gop = 50;
  int frames = 250;  // a whole number of GOPs
  std::string speed_preset = "superfast";
};

// Number of frames of a loop of about `seconds`, rounded to whole GOPs (at
// least one GOP).
int loop_frames(double seconds, int framerate, int gop);

// Both block until the loop is encoded; they may run in parallel threads.
// On failure they return nullptr and set error.
TrackPtr encode_video(const VideoSpec &spec, std::string &error);
TrackPtr encode_audio(AudioCodec codec, GstClockTime duration,
                      std::string &error);

}  // namespace mockcam
