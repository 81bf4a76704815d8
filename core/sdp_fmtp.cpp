#include "sdp_fmtp.h"

#include <cctype>

#include "text.h"

namespace dvr {
namespace {

std::string lower(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool decode_base64(const std::string &text, std::vector<uint8_t> *out) {
  unsigned bits = 0, have = 0;
  for (char c : text) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<unsigned>(v);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out->push_back(static_cast<uint8_t>(bits >> have));
    }
  }
  return !out->empty();
}

unsigned parse_unsigned(const std::string &s, bool *ok) {
  unsigned long v = 0;
  *ok = !s.empty() && s.size() < 10;
  for (char c : s) {
    if (c < '0' || c > '9') *ok = false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return *ok ? static_cast<unsigned>(v) : 0;
}

}  // namespace

bool parse_rtpmap(const std::string &value, RtpMap *out) {
  const std::string v = trim(value);
  const size_t space = v.find(' ');
  if (space == std::string::npos) return false;
  bool ok;
  const unsigned pt = parse_unsigned(v.substr(0, space), &ok);
  if (!ok || pt > 127) return false;
  const std::string rest = trim(v.substr(space + 1));
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0) return false;
  const size_t slash2 = rest.find('/', slash + 1);
  const unsigned rate = parse_unsigned(
      rest.substr(slash + 1, slash2 == std::string::npos ? std::string::npos
                                                         : slash2 - slash - 1),
      &ok);
  if (!ok || rate == 0) return false;
  unsigned channels = 1;
  if (slash2 != std::string::npos) {
    channels = parse_unsigned(rest.substr(slash2 + 1), &ok);
    if (!ok || channels == 0 || channels > 8) return false;
  }
  out->payload_type = static_cast<int>(pt);
  out->encoding = rest.substr(0, slash);
  for (char &c : out->encoding)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out->clock_rate = rate;
  out->channels = channels;
  return true;
}

std::map<std::string, std::string> parse_fmtp(const std::string &value) {
  std::map<std::string, std::string> out;
  std::string v = trim(value);
  // Skip the payload type in front, if there is one.
  const size_t space = v.find(' ');
  if (space != std::string::npos && v.find('=') > space)
    v = v.substr(space + 1);
  size_t at = 0;
  while (at <= v.size()) {
    size_t end = v.find(';', at);
    if (end == std::string::npos) end = v.size();
    const std::string item = v.substr(at, end - at);
    const size_t eq = item.find('=');
    if (eq != std::string::npos) {
      const std::string name = lower(trim(item.substr(0, eq)));
      if (!name.empty()) out[name] = trim(item.substr(eq + 1));
    }
    at = end + 1;
  }
  return out;
}

std::vector<std::vector<uint8_t>> decode_base64_list(const std::string &value) {
  std::vector<std::vector<uint8_t>> out;
  size_t at = 0;
  while (at <= value.size()) {
    size_t end = value.find(',', at);
    if (end == std::string::npos) end = value.size();
    std::vector<uint8_t> bytes;
    if (decode_base64(trim(value.substr(at, end - at)), &bytes))
      out.push_back(std::move(bytes));
    at = end + 1;
  }
  return out;
}

std::vector<uint8_t> decode_hex(const std::string &value) {
  const std::string v = trim(value);
  std::vector<uint8_t> out;
  if (v.empty() || v.size() % 2) return {};
  for (size_t i = 0; i < v.size(); i += 2) {
    const int hi = std::isxdigit(static_cast<unsigned char>(v[i])),
              lo = std::isxdigit(static_cast<unsigned char>(v[i + 1]));
    if (!hi || !lo) return {};
    out.push_back(static_cast<uint8_t>(std::stoi(v.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<RtpInfo> parse_rtp_info(const std::string &value) {
  std::vector<RtpInfo> out;
  size_t at = 0;
  while (at < value.size()) {
    // Entries are separated by commas; a URL holds none in practice.
    size_t end = value.find(",url=", at);
    if (end == std::string::npos) end = value.size();
    RtpInfo info;
    size_t item_at = at;
    while (item_at < end) {
      size_t item_end = value.find(';', item_at);
      if (item_end == std::string::npos || item_end > end) item_end = end;
      const std::string item = trim(value.substr(item_at, item_end - item_at));
      const size_t eq = item.find('=');
      if (eq != std::string::npos) {
        const std::string name = lower(item.substr(0, eq)),
                          v = item.substr(eq + 1);
        if (name == "url") info.url = v;
        if (name == "rtptime") {
          bool ok;
          const std::string digits = v.size() > 10 ? std::string() : v;
          unsigned long long t = 0;
          ok = !digits.empty();
          for (char c : digits) {
            if (c < '0' || c > '9') ok = false;
            t = t * 10 + static_cast<unsigned>(c - '0');
          }
          if (ok && t <= 0xffffffffull) {
            info.has_rtptime = true;
            info.rtptime = static_cast<uint32_t>(t);
          }
        }
      }
      item_at = item_end + 1;
    }
    out.push_back(info);
    at = end + 1;
  }
  return out;
}

const RtpInfo *rtp_info_for(const std::vector<RtpInfo> &infos,
                            const std::string &url, size_t index) {
  for (const auto &info : infos)
    if (info.url == url) return &info;
  const size_t slash = url.rfind('/');
  const std::string last =
      slash == std::string::npos ? url : url.substr(slash + 1);
  if (!last.empty()) {
    for (const auto &info : infos) {
      if (info.url.size() >= last.size() &&
          info.url.compare(info.url.size() - last.size(), last.size(), last) ==
              0 &&
          (info.url.size() == last.size() ||
           info.url[info.url.size() - last.size() - 1] == '/'))
        return &info;
    }
  }
  return index < infos.size() ? &infos[index] : nullptr;
}

}  // namespace dvr
