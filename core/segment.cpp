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

bool parse_segment_filename(std::string_view name, uint64_t *sequence) {
  constexpr std::string_view prefix = "seg-", suffix = ".ts";
  if (name.size() <= prefix.size() + suffix.size() || name.size() > 40)
    return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
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

bool is_safe_filename(std::string_view name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
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
  const time_t seconds =
      static_cast<time_t>(hour_start_us(hour_start) / 1000000);
  struct tm utc;
  if (!gmtime_r(&seconds, &utc)) return "1970-01-01/00";
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d/%02d", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour);
  return text;
}

namespace {

// Days from 1970-01-01 to a civil date of the proleptic Gregorian calendar.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

bool parse_hour_folder(std::string_view folder, int64_t *hour_start) {
  if (folder.size() != 13 || folder[4] != '-' || folder[7] != '-' ||
      folder[10] != '/')
    return false;
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
  static const int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int year = fields[0], month = fields[1], day = fields[2];
  if (year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] || fields[3] > 23)
    return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  if (hour_start)
    *hour_start = (days_from_civil(year, static_cast<unsigned>(month),
                                   static_cast<unsigned>(day)) *
                       24 +
                   fields[3]) *
                  kHourUs;
  return true;
}

std::string dated_segment_path(uint64_t sequence, int64_t start_us) {
  return hour_folder(start_us) + "/" + segment_filename(sequence);
}

bool parse_segment_path(std::string_view name, uint64_t *sequence) {
  if (name.size() > 14 && name[13] == '/') {
    return parse_hour_folder(name.substr(0, 13), nullptr) &&
           parse_segment_filename(name.substr(14), sequence);
  }
  return parse_segment_filename(name, sequence);
}

bool is_segment_path(std::string_view name) {
  return parse_segment_path(name, nullptr);
}

}  // namespace dvr
