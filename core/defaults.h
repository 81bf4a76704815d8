// The defaults of a recording, in one place: the elements' property specs,
// the recording index (RecordingOptions, RetentionPolicy) and the launcher's
// preset reader all start from these. README's property tables state the
// same values; tests/element/defaults.test.mjs compares them with
// gst-inspect-1.0.
#pragma once

#include <cstdint>

namespace dvr {

// Seconds a segment aims at; it is cut at the first keyframe at or after it.
constexpr unsigned kDefaultSegmentDuration = 2;
// Seconds the live playlist lists: how far the live view rewinds. 0: everything.
constexpr unsigned kDefaultWindow = 120;
// Seconds footage stays on disk. 0: everything; -1: the window.
constexpr std::int64_t kDefaultRetention = -1;
// Cap on the bytes of footage on disk. 0: none.
constexpr std::uint64_t kDefaultMaxBytes = 0;
// Bytes to keep free on the recording's filesystem. 0: none.
constexpr std::uint64_t kDefaultMinFree = 0;
// Seconds a segment stays on disk after leaving the playlist. -1: three
// target durations (RFC 8216 6.2.2 asks for at least one playlist's length
// plus a target duration; players fetch late).
constexpr int kDefaultDeleteGrace = -1;
// Write EXT-X-ENDLIST when the stream ends.
constexpr bool kDefaultEndlist = true;
// Milliseconds of a timestamp jump that start a new segment marked as a
// discontinuity.
constexpr unsigned kDefaultMaxGap = 1000;
// Milliseconds the camera's clock may differ from the local one and still be used.
constexpr unsigned kDefaultClockTolerance = 2000;
// Sync each segment and its journal record to disk before it is listed.
constexpr bool kDefaultFsync = true;
// File name of the live playlist in the recording folder.
constexpr const char *kDefaultPlaylistName = "live.m3u8";

// rtsps://: check the camera's certificate (dvrrtspsrc's tls-validation, a
// preset camera's tls-validation).
constexpr bool kDefaultTlsValidation = true;

}  // namespace dvr
