#include "segment.h"

#include <cinttypes>
#include <cstdio>

namespace dvr {

std::string segment_filename(uint64_t sequence) {
  char name[48];
  std::snprintf(name, sizeof name, "seg-%010" PRIu64 ".ts", sequence);
  return name;
}

bool parse_segment_filename(const std::string& name, uint64_t* sequence) {
  static const std::string prefix = "seg-", suffix = ".ts";
  if (name.size() <= prefix.size() + suffix.size() || name.size() > 40) return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  uint64_t value = 0;
  for (size_t i = prefix.size(); i < name.size() - suffix.size(); i++) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    if (value > (UINT64_MAX - 9) / 10) return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (sequence) *sequence = value;
  return true;
}

bool is_safe_filename(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace dvr
