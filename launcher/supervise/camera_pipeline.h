// Makes one camera's GStreamer pipeline from its preset section, and links
// the streams of an RTSP camera as rtspsrc announces them: video through its
// depayloader into dvrsink, audio as the preset says, anything else into a
// fakesink (over TCP, one unlinked stream stops the whole camera).
//
// Whatever the streaming threads learn reaches the application as bus
// messages or through an atomic counter, never through shared state.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <string>
#include <vector>

#include "supervise/pipeline_description.h"
#include "config/preset.h"

namespace dvr {

// Application messages on the pipeline's bus, each with a "reason" string
// field in plain words:
// a stream the camera sends that cannot be recorded (the camera is in error),
inline constexpr char kUnsupportedStreamMessage[] = "dvr-unsupported-stream";
// a stream that is received but deliberately not recorded (worth one log line).
inline constexpr char kDiscardedStreamMessage[] = "dvr-discarded-stream";

// A pipeline ready to be set to PLAYING, or nullptr with error set. For an
// RTSP camera the location and password are set as properties, never parsed
// from text.
GstElement *build_camera_pipeline(const CameraConfig &cam,
                                  const PipelineOptions &opts,
                                  std::string &error);

// Video buffers that have entered dvrsink so far. Counted by a pad probe on
// the streaming thread; read from anywhere.
std::uint64_t video_buffer_count(GstElement *pipeline);

// An audio stream announced in the camera's SDP that never started makes
// dvrsink wait for it. Called from the main loop: when the video has run for
// grace_us and such an audio branch is still unlinked, ends it so that the
// video is recorded alone. Returns true when it did (once per pipeline).
bool end_missing_audio(GstElement *pipeline,
                       std::int64_t grace_us = 3 * G_USEC_PER_SEC);

// What rtspsrc's select-stream and pad-added handlers do; tests call them
// with pads of their own.
void prepare_rtsp_stream(GstElement *pipeline, GstCaps *caps);
void link_rtsp_pad(GstElement *pipeline, GstPad *pad);

// The factory names of the elements a stream goes through, from the element
// that owns pad to the sink it ends in, e.g. rtspsrc ! rtph264depay ! dvrsink.
std::vector<std::string> stream_path(GstPad *pad);

// The recorded paths of a running pipeline as text ("rtspsrc ! rtph264depay !
// dvrsink"); empty when there is no such stream (yet).
struct RecordedPaths {
  std::string video;
  std::string audio;
  std::string
      video_codec;  // h264 or h265, from the caps dvrsink records; empty before any
};
RecordedPaths recorded_paths(GstElement *pipeline);

}  // namespace dvr
