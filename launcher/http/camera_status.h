// What the API tells about a camera: a plain snapshot, free of GStreamer and
// of secrets, so that rendering it needs neither.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "http/recording_catalog.h"

namespace dvr {

// What the disk does to a camera's recording.
struct StorageStatus {
  // ok | full | read-only | folder-missing | io-error | error
  std::string state = "ok";
  std::optional<std::int64_t>
      free_bytes;  // of the folder's filesystem; unknown if it cannot be read
  std::optional<std::string>
      filesystem;  // the folder's mount point, when known
  std::optional<std::int64_t> full_since;  // UNIX microseconds, while full
  // Segments lost since the launcher started, by reason: reclaimed (freed
  // before their retention to make room), no-space (never written),
  // read-only, folder-missing, io-error.
  std::vector<std::pair<std::string, std::uint64_t>> dropped;
};

struct CameraStatus {
  std::string name;
  std::string source;  // rtsp | test
  // starting | recording | reconnecting | unauthorized | error | stopping | stopped
  std::string state;
  std::optional<std::string> error;  // the last error, already redacted
  unsigned window = 0;               // seconds the live playlist lists
  std::int64_t retention = 0;  // seconds footage stays on disk, 0 = everything
  unsigned segment_duration = 0;  // seconds
  std::uint64_t segments = 0;  // segments finished since the launcher started
  std::uint64_t bytes = 0;     // bytes of those segments
  std::optional<std::int64_t> last_segment_at;  // UNIX microseconds
  std::uint64_t reconnects = 0;
  std::uint64_t clock_steps =
      0;  // clock steps the recording lived through since the launcher started
  std::optional<std::uint64_t>
      bitrate;  // bits per second over the last segments, while recording
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
  // Everything on disk, the archive's footage included.
  std::optional<WallClockSpan> archive;
  StorageStatus storage;
};

// The reasons a segment is counted as dropped, in the order the API lists them.
extern const char *const kDropReasons[5];

// The body of /api/cameras: a JSON array of objects.
std::string cameras_json(const std::vector<CameraStatus> &cameras);

// A JSON string literal, quotes included. Invalid UTF-8 is replaced.
std::string json_string(const std::string &text);

// "2024-05-01T12:00:00.123Z"
std::string iso8601_utc(std::int64_t unix_usec);

}  // namespace dvr
