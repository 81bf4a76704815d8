#include "http/byte_range.h"

#include <glib.h>

#include "text.h"

namespace dvr {
namespace {

bool parse_number(const std::string &s, std::uint64_t &out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned(s.c_str(), 10, 0, G_MAXUINT64, &n, nullptr))
    return false;
  out = n;
  return true;
}

}  // namespace

ByteRange parse_byte_range(const char *header, std::uint64_t size) {
  ByteRange whole;
  if (!header) return whole;
  std::string h = trim(header, kHttpWhiteSpace);
  const std::string unit = "bytes=";
  if (h.compare(0, unit.size(), unit) != 0) return whole;
  std::string spec = trim(h.substr(unit.size()), kHttpWhiteSpace);
  if (spec.find(',') != std::string::npos) return whole;
  auto dash = spec.find('-');
  if (dash == std::string::npos) return whole;
  const std::string a = trim(spec.substr(0, dash), kHttpWhiteSpace),
                    b = trim(spec.substr(dash + 1), kHttpWhiteSpace);

  ByteRange r;
  r.kind = ByteRange::Kind::Partial;
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {
    // bytes=-N: the last N bytes.
    if (!parse_number(b, last)) return whole;
    if (last == 0 || size == 0) return {ByteRange::Kind::Unsatisfiable, 0, 0};
    r.first = last >= size ? 0 : size - last;
    r.last = size - 1;
    return r;
  }
  if (!parse_number(a, first)) return whole;
  if (b.empty()) {
    last = UINT64_MAX;
  } else if (!parse_number(b, last) || last < first) {
    return whole;
  }
  if (first >= size) return {ByteRange::Kind::Unsatisfiable, 0, 0};
  r.first = first;
  r.last = last >= size ? size - 1 : last;
  return r;
}

}  // namespace dvr
