// The GStreamer pipeline of one camera, as plain data and as gst-launch-1.0
// text. The launcher builds the running pipeline from the same pieces that
// --check prints, so what a user pastes into a shell is what the launcher runs.
//
// A test camera is one gst_parse_launch line. An RTSP camera is rtspsrc and
// dvrsink from a line, plus one chain per stream the camera announces, chosen
// by plan_rtsp_stream() when rtspsrc adds the stream's pad: no GStreamer type
// appears here, so every choice is unit-tested without a camera.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/preset.h"

namespace dvr {

enum class Secrets {
  // For display: the password shows as ***.
  Mask,
  // For gst_parse_launch: the rtspsrc location and password are left out and
  // set as properties on the element named "src" (see camera_pipeline.cpp),
  // so no secret ever sits in a pipeline description.
  Omit,
};

struct PipelineOptions {
  std::string location;       // the camera's folder
  bool clock_overlay = true;  // clockoverlay exists (it needs the pango plugin)
  std::string aac_encoder = "avenc_aac";  // the AAC encoder this machine has
  std::uint64_t min_free_bytes =
      0;  // [server] min-free in bytes, for dvrsink's min-free
};

// One element to make: a factory and its properties, each value as
// gst_util_set_object_arg() and gst-launch-1.0 read it.
struct ElementSpec {
  std::string factory;
  std::vector<std::pair<std::string, std::string>> props;
};
using Chain = std::vector<ElementSpec>;

// A stream as rtspsrc announces it (its application/x-rtp caps), or as
// dvrrtspsrc hands it on, already depayloaded (video/x-h264, audio/x-alaw, ...).
struct RtspStream {
  std::string media;  // video, audio, application (ONVIF metadata), ...
  std::string
      encoding;  // encoding-name: H264, H265, PCMA, PCMU, MPEG4-GENERIC, MP4A-LATM, ...
  bool depayloaded = false;  // from dvrrtspsrc: no depayloader goes in front
};

enum class Route {
  Video,  // chain, then dvrsink's sink pad
  Audio,  // chain, then dvrsink's audio pad
  Discard,  // into a fakesink: over TCP a stream left unlinked stops the whole camera
  Unsupported,  // video that cannot be recorded: the camera is in error
};

struct StreamPlan {
  Route route = Route::Discard;
  Chain chain;      // from the depayloader on, without the sink
  std::string why;  // Discard and Unsupported: what and why, in plain words
};

// What to do with one stream of an RTSP camera. Video is only depayloaded
// (by rtph264depay, or already by dvrrtspsrc: then the chain is empty and
// the pad goes straight into dvrsink); nothing on the video path decodes or
// encodes.
StreamPlan plan_rtsp_stream(const CameraConfig &cam, const RtspStream &stream,
                            const std::string &aac_encoder);

// The element factories a camera's pipeline may use, whatever streams it
// announces, from the same pieces the pipeline is built from: the launcher
// checks them before it starts. In order, without repeats.
std::vector<std::string> camera_elements(const CameraConfig &cam,
                                         const std::string &aac_encoder);

// "a ! b prop=value ! c", values quoted for gst_parse_launch where needed.
std::string chain_description(const Chain &chain);

// Text for gst_parse_launch(). For an RTSP camera: rtspsrc or dvrrtspsrc (as
// the preset's ingest says) named "src" and dvrsink named "sink", unlinked;
// the chains come when the streams do.
std::string pipeline_description(const CameraConfig &cam,
                                 const PipelineOptions &opts, Secrets secrets);

// A shell command line: "gst-launch-1.0 -e ..." with secrets masked and every
// word quoted for a POSIX shell where needed. For an RTSP camera it shows the
// streams a Dahua camera usually sends (H.264 unless codec = h265; G.711 audio
// when audio = aac, AAC when audio = copy); the launcher itself follows what
// the camera announces.
std::string gst_launch_command(const CameraConfig &cam,
                               const PipelineOptions &opts);

// The URL with the password of its user info, if any, replaced by ***.
std::string mask_url(const std::string &url);

// host:port of an rtsp:// URL, without user info: for messages.
std::string url_host(const std::string &url);

}  // namespace dvr
