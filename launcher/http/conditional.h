// Conditional requests (RFC 9110 section 13) for files: the validators a file
// gets, and whether a request's preconditions make the answer 304 or make a
// Range request fall back to the whole file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace dvr {

struct Validators {
  std::string etag;          // strong: "\"<inode>-<size>-<mtime ns>\"" in hex
  std::int64_t mtime_s = 0;  // Last-Modified, UNIX seconds
};

Validators validators_for(std::uint64_t inode, std::uint64_t size,
                          std::int64_t mtime_ns);

// if_none_match: the header or nullptr; if_modified_since: that header already
// parsed as UNIX seconds (nothing when absent or not a date). If-None-Match
// wins when both are present, as the RFC says.
bool is_not_modified(const char *if_none_match,
                     std::optional<std::int64_t> if_modified_since,
                     const Validators &v);

// if_range: the If-Range header or nullptr; as_date: that header parsed as a
// date, if it is one. True when a Range request may be answered with a part.
bool range_still_valid(const char *if_range,
                       std::optional<std::int64_t> as_date,
                       const Validators &v);

}  // namespace dvr
