#include "supervise/pipeline_description.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace dvr {
namespace {

bool all_of_chars(const std::string &s, const char *extra) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [extra](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || std::strchr(extra, c);
  });
}

// A property value as gst_parse_launch reads it: plain when it only has
// characters its lexer takes as one word, else double-quoted with \ escapes.
std::string gst_quote(const std::string &value) {
  if (all_of_chars(value, "_.:/+-")) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string shell_quote(const std::string &word) {
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

std::string prop(const std::string &name, const std::string &value) {
  return name + "=" + gst_quote(value);
}
std::string prop(const std::string &name, std::uint64_t value) {
  return name + "=" + std::to_string(value);
}

void append_chain(std::vector<std::string> &w, const Chain &chain) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (i) w.push_back("!");
    w.push_back(chain[i].factory);
    for (const auto &[name, value] : chain[i].props)
      w.push_back(prop(name, value));
  }
}

std::vector<std::string> sink_words(const CameraConfig &cam,
                                    const PipelineOptions &opts,
                                    bool keyframe_requests) {
  std::vector<std::string> w = {
      "dvrsink", "name=sink", prop("location", opts.location),
      prop("segment-duration", cam.dvr.segment_duration),
      prop("window", cam.dvr.window), prop("max-bytes", cam.dvr.max_bytes),
      // The launcher resumes a camera after a restart: the live playlist
      // must never say it has ended.
      "endlist=false",
      std::string("send-keyframe-requests=") +
          (keyframe_requests ? "true" : "false")};
  // Named only when it is not dvrsink's default, so the --check line stays short.
  if (cam.dvr.writer != "lean") w.push_back(prop("writer", cam.dvr.writer));
  if (!cam.dvr.fsync) w.push_back("fsync=false");
  if (cam.dvr.retention >= 0)
    w.push_back(
        prop("retention", static_cast<std::uint64_t>(cam.dvr.retention)));
  if (cam.source == SourceKind::Rtsp &&
      cam.rtsp.wall_clock == WallClock::Camera)
    w.push_back(prop("wall-clock", to_string(cam.rtsp.wall_clock)));
  return w;
}

Chain aac_encoding(const std::string &encoder) {
  // G.711 carries 8 kHz speech: 32 kbit/s of AAC holds all of it.
  return {{"audioconvert", {}},
          {"audioresample", {}},
          {encoder, {{"bitrate", "32000"}}},
          {"aacparse", {}}};
}

std::vector<std::string> test_words(const CameraConfig &cam,
                                    const PipelineOptions &opts) {
  const auto &t = cam.test;
  std::vector<std::string> w = {
      "videotestsrc",
      "name=src",
      "is-live=true",
      prop("pattern", t.pattern),
      "!",
      "video/x-raw,width=" + std::to_string(t.width) +
          ",height=" + std::to_string(t.height) +
          ",framerate=" + std::to_string(t.framerate) + "/1",
      "!"};
  if (opts.clock_overlay) {
    // A clock burnt into the picture lets a person see the time move and
    // compare the player's position with the wall clock.
    const unsigned font_size = std::max(8u, t.height / 24);
    w.insert(w.end(),
             {"clockoverlay", prop("text", cam.name),
              prop("time-format", "%Y-%m-%d %H:%M:%S"),
              prop("font-desc", "Sans " + std::to_string(font_size)), "!"});
  }
  // One keyframe a second, so that any segment duration cuts on time.
  w.insert(w.end(),
           {"x264enc", "tune=zerolatency", "speed-preset=ultrafast",
            prop("key-int-max", t.framerate), prop("bitrate", t.bitrate), "!",
            "video/x-h264,profile=main", "!"});
  // The encoder is ours: dvrsink may ask it for a keyframe to cut a segment.
  auto sink = sink_words(cam, opts, true);
  w.insert(w.end(), sink.begin(), sink.end());
  if (cam.dvr.audio == AudioMode::Aac) {
    // A test camera has no audio to copy; with aac it gets ticks, encoded here.
    w.insert(w.end(), {"audiotestsrc", "name=asrc", "is-live=true",
                       "wave=ticks", "volume=0.3", "!"});
    append_chain(w, aac_encoding(opts.aac_encoder));
    w.insert(w.end(), {"!", "sink.audio"});
  }
  return w;
}

std::vector<std::string> rtsp_source_words(const CameraConfig &cam,
                                           Secrets secrets) {
  const auto &r = cam.rtsp;
  const bool lean = r.ingest == Ingest::Lean;
  std::vector<std::string> w = {lean ? "dvrrtspsrc" : "rtspsrc", "name=src"};
  if (secrets == Secrets::Mask) w.push_back(prop("location", mask_url(r.url)));
  if (!r.user.empty()) w.push_back(prop("user-id", r.user));
  if (secrets == Secrets::Mask && !r.password.empty())
    w.push_back("user-pw=***");
  // dvrrtspsrc speaks TCP only and buffers nothing: no transport, no jitter buffer.
  if (!lean)
    w.insert(w.end(),
             {prop("protocols", r.transport), prop("latency", r.latency)});
  // The camera's clock reaches dvrsink as a reference timestamp meta on each
  // buffer, which rtspsrc's jitter buffer adds from the sender reports only
  // when asked.
  if (!lean && r.wall_clock == WallClock::Camera)
    w.push_back("add-reference-timestamp-meta=true");
  // The certificate policy shows in --check: which camera takes what.
  if (!r.tls_validation)
    w.push_back(lean ? "tls-validation=false" : "tls-validation-flags=0");
  if (lean && !r.tls_fingerprint.empty())
    w.push_back(prop("tls-fingerprint", r.tls_fingerprint));
  return w;
}

// What gst-launch-1.0 needs to do by hand what the launcher does as streams
// appear: one branch per expected stream, picked from rtspsrc by its caps
// (dvrrtspsrc names its pads video and audio).
std::vector<std::string> rtsp_display_words(const CameraConfig &cam,
                                            const PipelineOptions &opts) {
  std::vector<std::string> w = rtsp_source_words(cam, Secrets::Mask);
  const bool lean = cam.rtsp.ingest == Ingest::Lean;
  const char *video = cam.rtsp.codec == VideoCodec::kH265 ? "H265" : "H264";
  if (lean) {
    w.insert(w.end(), {"src.video", "!"});
  } else {
    w.insert(
        w.end(),
        {"src.", "!",
         std::string("application/x-rtp,media=video,encoding-name=") + video,
         "!"});
  }
  const Chain video_chain =
      plan_rtsp_stream(cam, {"video", video, lean}, opts.aac_encoder).chain;
  append_chain(w, video_chain);
  if (!video_chain.empty()) w.push_back("!");
  // Keyframe requests would become RTCP FIR/PLI sent to the camera.
  auto sink = sink_words(cam, opts, false);
  w.insert(w.end(), sink.begin(), sink.end());
  if (cam.dvr.audio != AudioMode::Off) {
    const char *audio =
        cam.dvr.audio == AudioMode::Aac ? "PCMA" : "MPEG4-GENERIC";
    if (lean)
      w.insert(w.end(), {"src.audio", "!"});
    else
      w.insert(
          w.end(),
          {"src.", "!",
           std::string("application/x-rtp,media=audio,encoding-name=") + audio,
           "!"});
    const Chain audio_chain =
        plan_rtsp_stream(cam, {"audio", audio, lean}, opts.aac_encoder).chain;
    append_chain(w, audio_chain);
    if (!audio_chain.empty()) w.push_back("!");
    w.push_back("sink.audio");
  }
  return w;
}

std::vector<std::string> words(const CameraConfig &cam,
                               const PipelineOptions &opts, Secrets secrets) {
  if (cam.source == SourceKind::Test) return test_words(cam, opts);
  if (secrets == Secrets::Mask) return rtsp_display_words(cam, opts);
  std::vector<std::string> w = rtsp_source_words(cam, secrets);
  auto sink = sink_words(cam, opts, false);
  w.insert(w.end(), sink.begin(), sink.end());
  return w;
}

}  // namespace

std::string mask_url(const std::string &url) {
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

StreamPlan plan_rtsp_stream(const CameraConfig &cam, const RtspStream &stream,
                            const std::string &aac_encoder) {
  StreamPlan plan;
  const std::string &enc = stream.encoding;
  if (stream.media == "video") {
    const bool h264 = enc == "H264", h265 = enc == "H265";
    if (!h264 && !h265) {
      plan.route = Route::Unsupported;
      plan.why =
          "the camera sends " + (enc.empty() ? std::string("unknown") : enc) +
          " video; only H.264 and H.265 can be recorded (set the camera's encoding to H.264)";
      return plan;
    }
    const std::optional<VideoCodec> wanted = cam.rtsp.codec;
    if ((wanted == VideoCodec::kH264 && !h264) ||
        (wanted == VideoCodec::kH265 && !h265)) {
      plan.route = Route::Unsupported;
      plan.why = std::string("the camera sends ") + (h264 ? "H.264" : "H.265") +
                 " video but the preset says codec = " + to_string(wanted) +
                 " (set codec = auto, or change the camera's encoding)";
      return plan;
    }
    // Depayloaded only: dvrsink parses the stream itself.
    plan.route = Route::Video;
    if (!stream.depayloaded)
      plan.chain = {{h264 ? "rtph264depay" : "rtph265depay", {}}};
    return plan;
  }
  if (stream.media == "audio") {
    const AudioMode mode = cam.dvr.audio;
    if (mode == AudioMode::Off) {
      plan.why = "audio is not recorded (audio = off)";
      return plan;
    }
    if (enc == "MPEG4-GENERIC" || enc == "MP4A-LATM") {
      plan.route = Route::Audio;
      // dvrrtspsrc hands on framed raw AAC with its codec_data: no parser needed.
      if (!stream.depayloaded)
        plan.chain = {
            {enc == "MPEG4-GENERIC" ? "rtpmp4gdepay" : "rtpmp4adepay", {}},
            {"aacparse", {}}};
      return plan;
    }
    if (enc == "PCMA" || enc == "PCMU") {
      if (mode == AudioMode::Copy) {
        plan.why =
            "G.711 audio cannot be copied into MPEG-TS; set audio = aac to record it as AAC";
        return plan;
      }
      plan.route = Route::Audio;
      const bool alaw = enc == "PCMA";
      if (!stream.depayloaded)
        plan.chain = {{alaw ? "rtppcmadepay" : "rtppcmudepay", {}}};
      plan.chain.push_back({alaw ? "alawdec" : "mulawdec", {}});
      for (auto &e : aac_encoding(aac_encoder))
        plan.chain.push_back(std::move(e));
      return plan;
    }
    plan.why = (enc.empty() ? std::string("unknown") : enc) +
               " audio is not recorded (only AAC and G.711 are)";
    return plan;
  }
  plan.why = "a " +
             (stream.media.empty() ? std::string("data") : stream.media) +
             " stream" + (enc.empty() ? std::string() : " (" + enc + ")") +
             " is not recorded";
  return plan;
}

std::vector<std::string> camera_elements(const CameraConfig &cam,
                                         const std::string &aac_encoder) {
  std::vector<std::string> out;
  auto add = [&out](const std::string &factory) {
    if (std::find(out.begin(), out.end(), factory) == out.end())
      out.push_back(factory);
  };
  auto add_chain = [&add](const Chain &chain) {
    for (const auto &e : chain) add(e.factory);
  };
  // dvrsink parses H.264 itself (h264parse), and H.265 where it may come.
  add("dvrsink");
  add("h264parse");
  if (cam.source == SourceKind::Test) {
    add("videotestsrc");
    add("x264enc");
    if (cam.dvr.audio == AudioMode::Aac) {
      add("audiotestsrc");
      add_chain(aac_encoding(aac_encoder));
    }
    return out;
  }
  const bool lean = cam.rtsp.ingest == Ingest::Lean;
  add(lean ? "dvrrtspsrc" : "rtspsrc");
  add("fakesink");  // for the streams that are not recorded
  for (const char *video : {"H264", "H265"}) {
    const StreamPlan plan =
        plan_rtsp_stream(cam, {"video", video, lean}, aac_encoder);
    if (plan.route != Route::Video) continue;
    add(std::string(video) == "H264" ? "h264parse" : "h265parse");
    add_chain(plan.chain);
  }
  for (const char *audio : {"MPEG4-GENERIC", "MP4A-LATM", "PCMA", "PCMU"}) {
    const StreamPlan plan =
        plan_rtsp_stream(cam, {"audio", audio, lean}, aac_encoder);
    if (plan.route == Route::Audio) add_chain(plan.chain);
  }
  return out;
}

std::string chain_description(const Chain &chain) {
  std::vector<std::string> w;
  append_chain(w, chain);
  std::string out;
  for (const auto &word : w) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string url_host(const std::string &url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  auto begin = scheme_end + 3;
  auto end = url.find_first_of("/?#", begin);
  if (end == std::string::npos) end = url.size();
  auto at = url.rfind('@', end);
  if (at != std::string::npos && at >= begin) begin = at + 1;
  return url.substr(begin, end - begin);
}

std::string pipeline_description(const CameraConfig &cam,
                                 const PipelineOptions &opts, Secrets secrets) {
  std::string out;
  for (const auto &w : words(cam, opts, secrets))
    out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string gst_launch_command(const CameraConfig &cam,
                               const PipelineOptions &opts) {
  // -e: Ctrl-C sends EOS, so the last segment is finished and listed.
  std::string out = "gst-launch-1.0 -e";
  for (const auto &w : words(cam, opts, Secrets::Mask))
    out += " " + shell_quote(w);
  return out;
}

}  // namespace dvr
