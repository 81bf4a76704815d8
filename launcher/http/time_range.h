// The wall-clock ranges of range.m3u8 and clip.mp4: "?start=...&end=..." with
// each bound an ISO 8601 date-time or UNIX epoch seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace dvr {

// "2024-05-01T12:00:00.250Z", "2024-05-01T14:00:00+02:00" (a time without a
// zone is UTC) or "1714564800" / "1714564800.25". Returns UNIX microseconds.
std::optional<std::int64_t> parse_wall_clock(const std::string &text);

struct TimeRange {
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::int64_t length_us() const { return end_us - start_us; }
};

// start and end: the query values, nullptr when missing. On failure returns
// nothing and sets error to a plain sentence for the client.
std::optional<TimeRange> parse_time_range(const char *start, const char *end,
                                          std::string &error);

// "20240501-120000Z": the time part of a clip's file name.
std::string compact_utc(std::int64_t unix_us);

}  // namespace dvr
