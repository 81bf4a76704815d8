#include "http/time_range.h"

#include <glib.h>

#include <algorithm>

namespace dvr {
namespace {

// Epoch seconds with up to six decimals: anything longer is not a time a
// recording can have and would overflow on the way to microseconds.
std::optional<std::int64_t> parse_epoch(const std::string &text) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac =
      dot == std::string::npos ? std::string() : text.substr(dot + 1);
  auto digits = [](const std::string &s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 11 || !digits(whole)) return std::nullopt;
  if (dot != std::string::npos &&
      (frac.empty() || frac.size() > 6 || !digits(frac)))
    return std::nullopt;
  std::int64_t us = std::stoll(whole) * G_USEC_PER_SEC;
  if (!frac.empty()) us += std::stoll(frac + std::string(6 - frac.size(), '0'));
  return us;
}

}  // namespace

std::optional<std::int64_t> parse_wall_clock(const std::string &input) {
  std::string text = input;
  // An unencoded '+' of a zone offset arrives as a space from a query string.
  std::replace(text.begin(), text.end(), ' ', '+');
  if (text.empty() || text.size() > 40) return std::nullopt;
  if (text[0] >= '0' && text[0] <= '9' && text.find('-') == std::string::npos)
    return parse_epoch(text);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(text.c_str(), utc);
  if (!t) return std::nullopt;
  return g_date_time_to_unix(t) * G_USEC_PER_SEC +
         g_date_time_get_microsecond(t);
}

std::optional<TimeRange> parse_time_range(const char *start, const char *end,
                                          std::string &error) {
  if (!start || !end) {
    error =
        "give both start and end, each an ISO 8601 time such as 2024-05-01T12:00:00Z or epoch seconds";
    return std::nullopt;
  }
  const auto from = parse_wall_clock(start);
  const auto to = parse_wall_clock(end);
  if (!from || !to) {
    error =
        std::string(!from ? "start" : "end") +
        " is not a time: use ISO 8601 such as 2024-05-01T12:00:00Z or epoch seconds";
    return std::nullopt;
  }
  if (*to <= *from) {
    error = "end must be later than start";
    return std::nullopt;
  }
  return TimeRange{*from, *to};
}

std::string compact_utc(std::int64_t unix_us) {
  g_autoptr(GDateTime) t =
      g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
  if (!t) return "unknown";
  g_autofree char *text = g_date_time_format(t, "%Y%m%d-%H%M%SZ");
  return text;
}

}  // namespace dvr
