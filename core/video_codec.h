// The video the recorder copies: one enum for the core, the elements and the
// launcher's presets.
#pragma once

namespace dvr {

enum class VideoCodec { kH264, kH265 };

// "h264" | "h265": the word caps, presets and the API use.
inline const char *to_string(VideoCodec codec) {
  return codec == VideoCodec::kH265 ? "h265" : "h264";
}

}  // namespace dvr
