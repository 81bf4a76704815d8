// What the API tells about a camera: a plain snapshot, free of GStreamer and
// of secrets, so that rendering it needs neither.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "recording_catalog.h"

namespace dvr {

struct CameraStatus {
  std::string name;
  std::string source;                // rtsp | test
  // starting | recording | reconnecting | unauthorized | error | stopping | stopped
  std::string state;
  std::optional<std::string> error;  // the last error, already redacted
  unsigned window = 0;               // seconds
  unsigned segment_duration = 0;     // seconds
  std::uint64_t segments = 0;        // segments finished since the launcher started
  std::uint64_t bytes = 0;           // bytes of those segments
  std::optional<std::int64_t> last_segment_at;  // UNIX microseconds
  std::uint64_t reconnects = 0;
  std::optional<std::uint64_t> bitrate;  // bits per second over the last segments, while recording
  // The elements each recorded stream goes through, while recording:
  // "rtspsrc ! rtph264depay ! dvrsink".
  std::optional<std::string> video_path;
  std::optional<std::string> codec;  // h264 | h265 while recording
  std::optional<std::string> audio_path;
  // rtsp cameras: "lean", "rtspsrc", or "rtspsrc (lean failed: <why>)" once
  // the lean source gave up on the camera and rtspsrc records it instead.
  std::optional<std::string> ingest;
  // From the camera folder's journal, whatever the camera's state: what the
  // live playlist lists, oldest start to newest end, and the holes in it.
  std::optional<WallClockSpan> recorded;
  std::vector<WallClockSpan> gaps;
};

// The body of /api/cameras: a JSON array of objects.
std::string cameras_json(const std::vector<CameraStatus>& cameras);

// A JSON string literal, quotes included. Invalid UTF-8 is replaced.
std::string json_string(const std::string& text);

// "2024-05-01T12:00:00.123Z"
std::string iso8601_utc(std::int64_t unix_usec);

}  // namespace dvr
