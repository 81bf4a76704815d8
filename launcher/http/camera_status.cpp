#include "http/camera_status.h"

#include <glib.h>

#include <cstdio>

namespace dvr {

const char *const kDropReasons[5] = {"reclaimed", "no-space", "read-only",
                                     "folder-missing", "io-error"};

std::string json_string(const std::string &text) {
  // Error texts come from GStreamer and the system: do not trust them to be UTF-8.
  g_autofree char *valid =
      g_utf8_make_valid(text.c_str(), static_cast<gssize>(text.size()));
  std::string out = "\"";
  for (const char *p = valid; *p; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string iso8601_utc(std::int64_t unix_usec) {
  g_autoptr(GDateTime) t =
      g_date_time_new_from_unix_utc(unix_usec / G_USEC_PER_SEC);
  if (!t) return {};
  g_autofree char *base = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d",
                static_cast<int>((unix_usec % G_USEC_PER_SEC) / 1000));
  return std::string(base) + ms + "Z";
}

namespace {

std::string span_json(const WallClockSpan &span) {
  return "{\"start\": " + json_string(iso8601_utc(span.start_us)) +
         ", \"end\": " + json_string(iso8601_utc(span.end_us)) + "}";
}

std::string storage_json(const CameraStatus &c) {
  const StorageStatus &s = c.storage;
  std::string out = "{\"state\": " + json_string(s.state);
  out += ", \"free_bytes\": " +
         (s.free_bytes ? std::to_string(*s.free_bytes) : "null");
  out += ", \"full_since\": " +
         (s.full_since ? json_string(iso8601_utc(*s.full_since)) : "null");
  // Held: what the journal lists, oldest start to newest end.
  if (c.recorded) {
    char held[32];
    std::snprintf(
        held, sizeof held, "%.3f",
        static_cast<double>(c.recorded->end_us - c.recorded->start_us) / 1e6);
    out += std::string(", \"retention_held\": ") + held;
  } else {
    out += ", \"retention_held\": 0";
  }
  out += ", \"retention_configured\": " + std::to_string(c.window);
  out += ", \"dropped\": {";
  bool first = true;
  for (const char *reason : kDropReasons) {
    std::uint64_t n = 0;
    for (const auto &[r, count] : s.dropped)
      if (r == reason) n = count;
    out += (first ? "" : ", ") + json_string(reason) + ": " + std::to_string(n);
    first = false;
  }
  return out + "}}";
}

}  // namespace

std::string cameras_json(const std::vector<CameraStatus> &cameras) {
  std::string out = "[";
  for (std::size_t i = 0; i < cameras.size(); ++i) {
    const auto &c = cameras[i];
    if (i) out += ",";
    out += "\n  {\"name\": " + json_string(c.name);
    out += ", \"state\": " + json_string(c.state);
    out += ", \"error\": " + (c.error ? json_string(*c.error) : "null");
    out += ", \"window\": " + std::to_string(c.window);
    out += ", \"retention\": " + std::to_string(c.retention);
    out += ", \"segment_duration\": " + std::to_string(c.segment_duration);
    out += ", \"source\": " + json_string(c.source);
    out += ", \"playlist\": " + json_string("/hls/" + c.name + "/live.m3u8");
    out += ", \"segments\": " + std::to_string(c.segments);
    out += ", \"last_segment_at\": " +
           (c.last_segment_at ? json_string(iso8601_utc(*c.last_segment_at))
                              : "null");
    out += ", \"reconnects\": " + std::to_string(c.reconnects);
    out += ", \"clock_steps\": " + std::to_string(c.clock_steps);
    out +=
        ", \"bitrate\": " + (c.bitrate ? std::to_string(*c.bitrate) : "null");
    out += ", \"video_path\": " +
           (c.video_path ? json_string(*c.video_path) : "null");
    out += ", \"codec\": " + (c.codec ? json_string(*c.codec) : "null");
    out += ", \"audio_path\": " +
           (c.audio_path ? json_string(*c.audio_path) : "null");
    out += ", \"ingest\": " + (c.ingest ? json_string(*c.ingest) : "null");
    out += ", \"range\": " + (c.recorded ? span_json(*c.recorded) : "null");
    out += ", \"gaps\": [";
    for (std::size_t g = 0; g < c.gaps.size(); ++g)
      out += (g ? ", " : "") + span_json(c.gaps[g]);
    out += "], \"archive\": " + (c.archive ? span_json(*c.archive) : "null");
    out += ", \"storage\": " + storage_json(c);
    out += "}";
  }
  return out + (cameras.empty() ? "]\n" : "\n]\n");
}

}  // namespace dvr
