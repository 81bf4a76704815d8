#include "http/conditional.h"

#include <cinttypes>
#include <cstdio>

#include "text.h"

namespace dvr {
namespace {}  // namespace

Validators validators_for(std::uint64_t inode, std::uint64_t size,
                          std::int64_t mtime_ns) {
  char etag[80];
  std::snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"",
                inode, size, static_cast<std::uint64_t>(mtime_ns));
  return {etag, mtime_ns / 1000000000};
}

bool is_not_modified(const char *if_none_match,
                     std::optional<std::int64_t> if_modified_since,
                     const Validators &v) {
  if (if_none_match) {
    // A list of entity tags compared weakly: W/ is ignored on either side.
    std::string list = if_none_match;
    std::size_t pos = 0;
    while (pos <= list.size()) {
      auto comma = list.find(',', pos);
      if (comma == std::string::npos) comma = list.size();
      std::string tag = trim(list.substr(pos, comma - pos), kHttpWhiteSpace);
      if (tag == "*") return true;
      if (tag.compare(0, 2, "W/") == 0) tag = tag.substr(2);
      if (!tag.empty() && tag == v.etag) return true;
      pos = comma + 1;
    }
    return false;
  }
  return if_modified_since && v.mtime_s <= *if_modified_since;
}

bool range_still_valid(const char *if_range,
                       std::optional<std::int64_t> as_date,
                       const Validators &v) {
  if (!if_range) return true;
  const std::string value = trim(if_range, kHttpWhiteSpace);
  // An entity tag must match strongly; a weak one never does.
  if (!value.empty() && (value[0] == '"' || value.compare(0, 2, "W/") == 0))
    return value == v.etag;
  return as_date && *as_date == v.mtime_s;
}

}  // namespace dvr
