#include "dahua_path.h"

#include <cstdlib>

namespace mockcam {
namespace {

const std::string kPrefix = "/cam/realmonitor";

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::optional<int> parse_int(const std::string &s) {
  if (s.empty() || s.size() > 6) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  return std::atoi(s.c_str());
}

}  // namespace

std::optional<DahuaPath> parse_dahua_path(const std::string &abspath,
                                          const std::string &query) {
  DahuaPath out;
  std::string control;

  if (abspath == kPrefix) {
    // plain form
  } else if (abspath.compare(0, kPrefix.size() + 1, kPrefix + "/") == 0) {
    control = abspath.substr(kPrefix.size() + 1);
  } else if (abspath.compare(0, 5, "/cam/") == 0 &&
             abspath.find('/', 5) == std::string::npos && abspath.size() > 5) {
    control = abspath.substr(5);
  } else {
    return std::nullopt;
  }

  // A control part appended to the URL ends up after the query.
  std::string q = query;
  auto slash = q.find('/');
  if (slash != std::string::npos) {
    std::string qcontrol = q.substr(slash);
    q.erase(slash);
    if (control.empty()) control = qcontrol;
  }

  size_t pos = 0;
  while (pos <= q.size() && !q.empty()) {
    size_t amp = q.find('&', pos);
    std::string item =
        q.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = item.find('=');
    if (eq != std::string::npos) {
      std::string key = item.substr(0, eq);
      std::string value = item.substr(eq + 1);
      if (key == "channel") {
        out.channel = parse_int(value);
        if (!out.channel) out.channel = -1;  // present but bad: matches nothing
      } else if (key == "subtype") {
        out.subtype = parse_int(value);
        if (!out.subtype) out.subtype = -1;
      }
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }

  out.control = trim_slashes(control);
  return out;
}

std::string dahua_mount_path(int channel, int subtype) {
  return kPrefix + "?channel=" + std::to_string(channel) +
         "&subtype=" + std::to_string(subtype);
}

std::string dahua_request_path(int channel, int subtype,
                               const std::string &control) {
  std::string p = dahua_mount_path(channel, subtype);
  if (!control.empty()) p += "/" + control;
  return p;
}

}  // namespace mockcam
