// The GStreamer pipeline of one camera, as gst-launch-1.0 text. The launcher
// builds the running pipeline from the same text that --check prints, so what
// a user pastes into a shell is what the launcher runs.
#pragma once

#include <string>

#include "preset.h"

namespace dvr {

enum class Secrets {
  // For display: the password shows as ***.
  Mask,
  // For gst_parse_launch: the rtspsrc location and password are left out and
  // set as properties on the element named "src" (see apply_rtsp_secrets in
  // camera.cpp), so no secret ever sits in a pipeline description.
  Omit,
};

struct PipelineOptions {
  std::string location;       // the camera's folder
  bool clock_overlay = true;  // clockoverlay exists (it needs the pango plugin)
};

// Text for gst_parse_launch().
std::string pipeline_description(const CameraConfig& cam, const PipelineOptions& opts, Secrets secrets);

// A shell command line: "gst-launch-1.0 -e ..." with secrets masked and every
// word quoted for a POSIX shell where needed.
std::string gst_launch_command(const CameraConfig& cam, const PipelineOptions& opts);

// The URL with the password of its user info, if any, replaced by ***.
std::string mask_url(const std::string& url);

}  // namespace dvr
