#include "pipeline_description.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace dvr {
namespace {

bool all_of_chars(const std::string& s, const char* extra) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [extra](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || std::strchr(extra, c);
  });
}

// A property value as gst_parse_launch reads it: plain when it only has
// characters its lexer takes as one word, else double-quoted with \ escapes.
std::string gst_quote(const std::string& value) {
  if (all_of_chars(value, "_.:/+-")) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string shell_quote(const std::string& word) {
  if (all_of_chars(word, "_.:/+=,@%-") || word == "!") return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string prop(const std::string& name, const std::string& value) { return name + "=" + gst_quote(value); }
std::string prop(const std::string& name, std::uint64_t value) { return name + "=" + std::to_string(value); }

std::vector<std::string> words(const CameraConfig& cam, const PipelineOptions& opts, Secrets secrets) {
  std::vector<std::string> w;
  bool keyframe_requests = false;
  if (cam.source == SourceKind::Test) {
    const auto& t = cam.test;
    w = {"videotestsrc", "name=src", "is-live=true", prop("pattern", t.pattern), "!",
         "video/x-raw,width=" + std::to_string(t.width) + ",height=" + std::to_string(t.height) +
             ",framerate=" + std::to_string(t.framerate) + "/1",
         "!"};
    if (opts.clock_overlay) {
      // A clock burnt into the picture lets a person see the time move and
      // compare the player's position with the wall clock.
      const unsigned font_size = std::max(8u, t.height / 24);
      w.insert(w.end(), {"clockoverlay", prop("text", cam.name), prop("time-format", "%Y-%m-%d %H:%M:%S"),
                         prop("font-desc", "Sans " + std::to_string(font_size)), "!"});
    }
    // One keyframe a second, so that any segment duration cuts on time.
    w.insert(w.end(), {"x264enc", "tune=zerolatency", "speed-preset=ultrafast", prop("key-int-max", t.framerate),
                       prop("bitrate", t.bitrate), "!", "video/x-h264,profile=main", "!"});
    // The encoder is ours: dvrsink may ask it for a keyframe to cut a segment.
    keyframe_requests = true;
  } else {
    const auto& r = cam.rtsp;
    w = {"rtspsrc", "name=src"};
    if (secrets == Secrets::Mask) w.push_back(prop("location", mask_url(r.url)));
    if (!r.user.empty()) w.push_back(prop("user-id", r.user));
    if (secrets == Secrets::Mask && !r.password.empty()) w.push_back("user-pw=***");
    w.insert(w.end(), {prop("protocols", r.transport), prop("latency", r.latency), "!", "rtph264depay", "!"});
    // Keyframe requests would become RTCP FIR/PLI sent to the camera.
    keyframe_requests = false;
  }
  w.insert(w.end(), {"h264parse", "!", "dvrsink", "name=sink", prop("location", opts.location),
                     prop("segment-duration", cam.dvr.segment_duration), prop("window", cam.dvr.window),
                     prop("max-bytes", cam.dvr.max_bytes),
                     // The launcher resumes a camera after a restart: the live
                     // playlist must never say it has ended.
                     "endlist=false", std::string("send-keyframe-requests=") + (keyframe_requests ? "true" : "false")});
  return w;
}

}  // namespace

std::string mask_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto auth_begin = scheme_end + 3;
  auto auth_end = url.find_first_of("/?#", auth_begin);
  if (auth_end == std::string::npos) auth_end = url.size();
  auto at = url.rfind('@', auth_end);
  if (at == std::string::npos || at < auth_begin) return url;
  auto colon = url.find(':', auth_begin);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::string pipeline_description(const CameraConfig& cam, const PipelineOptions& opts, Secrets secrets) {
  std::string out;
  for (const auto& w : words(cam, opts, secrets)) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string gst_launch_command(const CameraConfig& cam, const PipelineOptions& opts) {
  // -e: Ctrl-C sends EOS, so the last segment is finished and listed.
  std::string out = "gst-launch-1.0 -e";
  for (const auto& w : words(cam, opts, Secrets::Mask)) out += " " + shell_quote(w);
  return out;
}

}  // namespace dvr
