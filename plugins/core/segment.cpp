#include "segment.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

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

int64_t hour_start_us(int64_t unix_us) {
  int64_t hour = unix_us / kHourUs;
  if (unix_us < 0 && unix_us % kHourUs != 0) hour--;
  return hour * kHourUs;
}

std::string hour_folder(int64_t hour_start) {
  const time_t seconds = static_cast<time_t>(hour_start_us(hour_start) / 1000000);
  struct tm utc;
  if (!gmtime_r(&seconds, &utc)) return "1970-01-01/00";
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d/%02d", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour);
  return text;
}

bool parse_hour_folder(const std::string& folder, int64_t* hour_start) {
  if (folder.size() != 13 || folder[4] != '-' || folder[7] != '-' || folder[10] != '/') return false;
  int fields[4];
  const size_t at[4][2] = {{0, 4}, {5, 2}, {8, 2}, {11, 2}};
  for (int f = 0; f < 4; f++) {
    int v = 0;
    for (size_t i = at[f][0]; i < at[f][0] + at[f][1]; i++) {
      if (folder[i] < '0' || folder[i] > '9') return false;
      v = v * 10 + (folder[i] - '0');
    }
    fields[f] = v;
  }
  if (fields[0] < 1970 || fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23)
    return false;
  struct tm utc = {};
  utc.tm_year = fields[0] - 1900;
  utc.tm_mon = fields[1] - 1;
  utc.tm_mday = fields[2];
  utc.tm_hour = fields[3];
  const time_t seconds = timegm(&utc);
  // timegm normalises 2026-02-31 into March: such a name is not one we made.
  if (hour_folder(static_cast<int64_t>(seconds) * 1000000) != folder) return false;
  if (hour_start) *hour_start = static_cast<int64_t>(seconds) * 1000000;
  return true;
}

std::string dated_segment_path(uint64_t sequence, int64_t start_us) {
  return hour_folder(start_us) + "/" + segment_filename(sequence);
}

bool parse_segment_path(const std::string& name, uint64_t* sequence) {
  if (name.size() > 14 && name[13] == '/') {
    return parse_hour_folder(name.substr(0, 13), nullptr) && parse_segment_filename(name.substr(14), sequence);
  }
  return parse_segment_filename(name, sequence);
}

bool is_segment_path(const std::string& name) { return parse_segment_path(name, nullptr); }

}  // namespace dvr
