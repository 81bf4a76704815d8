// The one form of HTTP Range the server answers itself: a single byte range.
// (libsoup's own Range support copies the whole body and misparses some
// headers, so the server never lets it see one.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace dvr {

struct ByteRange {
  enum class Kind {
    Whole,          // no usable Range header: answer 200 with everything
    Partial,        // answer 206 with [first, last]
    Unsatisfiable,  // answer 416
  };
  Kind kind = Kind::Whole;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive

  std::uint64_t length() const { return last - first + 1; }
};

// header: the Range value, or nullptr. size: the file's size. Forms that are
// not a single "bytes=" range (several ranges, other units, garbage) are
// ignored as RFC 9110 allows, and the whole file is served.
ByteRange parse_byte_range(const char *header, std::uint64_t size);

}  // namespace dvr
