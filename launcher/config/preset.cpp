#include "config/preset.h"

#include <gio/gio.h>
#include <glib.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "config/auth.h"
#include "config/cors.h"
#include "text.h"

namespace dvr {
namespace {

// The nicks of videotestsrc's "pattern" enum in GStreamer 1.22. Kept here so
// that a preset can be checked without loading any plugin.
const std::set<std::string> kPatterns = {"smpte",
                                         "snow",
                                         "black",
                                         "white",
                                         "red",
                                         "green",
                                         "blue",
                                         "checkers-1",
                                         "checkers-2",
                                         "checkers-4",
                                         "checkers-8",
                                         "circular",
                                         "blink",
                                         "smpte75",
                                         "zone-plate",
                                         "gamut",
                                         "chroma-zone-plate",
                                         "solid-color",
                                         "ball",
                                         "smpte100",
                                         "bar",
                                         "pinwheel",
                                         "spokes",
                                         "gradient",
                                         "colors",
                                         "smpte-rp-219"};

const std::set<std::string> kServerKeys = {"listen",
                                           "storage",
                                           "web",
                                           "auth-user",
                                           "auth-password-hash",
                                           "auth-token-env",
                                           "cors-origins",
                                           "max-connections",
                                           "max-connections-per-client",
                                           "header-timeout",
                                           "keepalive-timeout",
                                           "send-timeout",
                                           "max-header-bytes",
                                           "max-url-bytes",
                                           "login-attempts",
                                           "login-lockout",
                                           "tls-certificate",
                                           "tls-key",
                                           "min-free"};
// A bearer token shorter than this is guessable.
constexpr std::size_t kMinTokenLength = 16;
const std::set<std::string> kDvrKeys = {
    "segment-duration", "window", "retention", "max-bytes", "stall-timeout",
    "auth-retry",       "audio",  "writer",    "muxer",     "fsync"};
const std::set<std::string> kCameraKeys = {
    "source",        "segment-duration", "window", "retention", "max-bytes",
    "stall-timeout", "auth-retry",       "audio",  "writer",    "muxer",
    "fsync"};
const std::set<std::string> kTestKeys = {"pattern", "width", "height",
                                         "framerate", "bitrate"};
const std::set<std::string> kRtspKeys = {
    "url",       "user",  "password", "password-env",   "transport",
    "latency",   "codec", "ingest",   "tls-validation", "tls-fingerprint",
    "wall-clock"};

const char kCameraPrefix[] = "camera";

std::string join(const std::set<std::string> &words) {
  std::string out;
  for (const auto &w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "10%" or "50G" / "2000000000": the [server] min-free key.
bool parse_min_free(const std::string &text, Preset &preset) {
  if (text.empty()) return false;
  if (text.back() == '%') {
    guint64 n = 0;
    if (!g_ascii_string_to_unsigned(text.substr(0, text.size() - 1).c_str(), 10,
                                    1, 90, &n, nullptr))
      return false;
    preset.min_free_percent = static_cast<unsigned>(n);
    preset.min_free_bytes = 0;
    return true;
  }
  std::string digits = text;
  std::uint64_t unit = 1;
  const std::string units = "KMGT";
  if (const auto at = units.find(text.back()); at != std::string::npos) {
    digits.pop_back();
    for (std::size_t i = 0; i <= at; i++) unit *= 1024;
  }
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned(digits.c_str(), 10, 0, G_MAXUINT64 / unit, &n,
                                  nullptr))
    return false;
  preset.min_free_bytes = n * unit;
  preset.min_free_percent = 0;
  return true;
}

// Reads typed values out of one GKeyFile and collects every problem, so the
// user sees all mistakes of a preset at once instead of one per run.
class Reader {
 public:
  Reader(GKeyFile *kf, std::string file) : kf_(kf), file_(std::move(file)) {}

  void error(const std::string &group, const std::string &key,
             const std::string &what) {
    std::string line = file_ + ":" + group;
    if (!key.empty()) line += ":" + key;
    errors_.push_back(line + ": " + what);
  }
  const std::vector<std::string> &errors() const { return errors_; }

  bool has(const std::string &group, const char *key) const {
    return g_key_file_has_key(kf_, group.c_str(), key, nullptr);
  }

  std::vector<std::string> keys(const std::string &group) {
    std::vector<std::string> out;
    g_auto(GStrv) keys =
        g_key_file_get_keys(kf_, group.c_str(), nullptr, nullptr);
    for (char **k = keys; k && *k; ++k) out.emplace_back(*k);
    return out;
  }

  // A string value with GKeyFile escapes (\s, \n, \\) applied, trimmed,
  // except a secret: a password is kept exactly as written and never quoted.
  std::optional<std::string> text(const std::string &group, const char *key,
                                  bool secret = false) {
    if (!has(group, key)) return std::nullopt;
    g_autoptr(GError) err = nullptr;
    g_autofree char *value =
        g_key_file_get_string(kf_, group.c_str(), key, &err);
    if (!value) {
      // GLib's message quotes the value: keep it out for secrets.
      error(group, key, secret ? "invalid escape sequence" : err->message);
      return std::nullopt;
    }
    std::string s = secret ? std::string(value) : trim(value);
    if (s.empty()) {
      error(group, key, "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  template <typename T>
  void number(const std::string &group, const char *key, std::uint64_t min,
              std::uint64_t max, T &out) {
    auto value = text(group, key);
    if (!value) return;
    guint64 n = 0;
    if (!g_ascii_string_to_unsigned(value->c_str(), 10, min, max, &n,
                                    nullptr)) {
      error(group, key,
            "expected a whole number from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got \"" + *value + "\"");
      return;
    }
    out = static_cast<T>(n);
  }

  void dvr_settings(const std::string &group, DvrSettings &dvr) {
    number(group, "segment-duration", 1, 60, dvr.segment_duration);
    // A window of 0 keeps everything; the upper bound (a year) only catches typos.
    number(group, "window", 0, 366u * 24 * 3600, dvr.window);
    // 0 keeps everything; unset, footage leaves the disk as it leaves the window.
    number(group, "retention", 0, 10ull * 366 * 24 * 3600, dvr.retention);
    number(group, "max-bytes", 0, G_MAXUINT64, dvr.max_bytes);
    number(group, "stall-timeout", 2, 3600, dvr.stall_timeout);
    // Dahua cameras lock an address out after repeated failed logins: retry slowly.
    number(group, "auth-retry", 5, 24 * 3600, dvr.auth_retry);
    if (auto audio = text(group, "audio")) {
      if (*audio == "off")
        dvr.audio = AudioMode::Off;
      else if (*audio == "copy")
        dvr.audio = AudioMode::Copy;
      else if (*audio == "aac")
        dvr.audio = AudioMode::Aac;
      else
        error(
            group, "audio",
            "expected off, copy (AAC as it comes) or aac (G.711 turned into AAC), got \"" +
                *audio + "\"");
    }
    // `muxer` is the writer's first name, still read when `writer` is absent.
    const char *writer_key = has(group, "writer") ? "writer" : "muxer";
    if (auto writer = text(group, writer_key)) {
      if (*writer == "lean" || *writer == "mpegtsmux")
        dvr.writer = *writer;
      else
        error(group, writer_key,
              "expected lean or mpegtsmux, got \"" + *writer + "\"");
    }
    if (auto fsync = text(group, "fsync")) {
      if (*fsync == "true" || *fsync == "false")
        dvr.fsync = *fsync == "true";
      else
        error(group, "fsync", "expected true or false, got \"" + *fsync + "\"");
    }
  }

 private:
  GKeyFile *kf_;
  std::string file_;
  std::vector<std::string> errors_;
};

// GKeyFile silently merges a section that appears twice; a preset with two
// [camera x] sections is almost certainly a copy-paste mistake, so look for it.
std::vector<std::string> duplicate_sections(const std::string &text) {
  std::map<std::string, int> seen;
  std::vector<std::string> dups;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(pos, end - pos));
    if (line.size() >= 2 && line.front() == '[' && line.back() == ']') {
      std::string name = line.substr(1, line.size() - 2);
      if (++seen[name] == 2) dups.push_back(name);
    }
    pos = end + 1;
  }
  return dups;
}

// GKeyFile stops at the first line it cannot read and quotes that whole line
// in its message: a line such as `password secret`, missing its '=', would put
// the password on the terminal and in the log. So the lines are checked here
// first, by the rules GKeyFile applies (GLib 2.74, gkeyfile.c), and each
// problem is reported as file:LINE: what is wrong, without the line's text.
std::vector<std::string> syntax_errors(const std::string &text,
                                       const std::string &file) {
  std::vector<std::string> errors;
  auto error = [&](unsigned line, const std::string &what) {
    errors.push_back(file + ":" + std::to_string(line) + ": " + what);
  };
  bool in_group = false;
  unsigned number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t b = 0;
    while (b < line.size() && g_ascii_isspace(line[b])) ++b;
    line.erase(0, b);

    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      const auto close = line.find(']');
      if (close != std::string::npos &&
          line.find_first_not_of(" \t", close + 1) == std::string::npos) {
        const std::string name = line.substr(1, close - 1);
        const bool control = std::any_of(name.begin(), name.end(), [](char c) {
          return g_ascii_iscntrl(c);
        });
        if (name.empty() || name.find('[') != std::string::npos || control)
          error(
              number,
              "not a valid section name (write [server], [dvr] or [camera NAME])");
        else
          in_group = true;
        continue;
      }
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      error(
          number,
          "not a key = value line, a [section] or a # comment (a missing '='?)");
      continue;
    }
    if (eq == 0) {
      error(number, "a value without a key (the line starts with '=')");
      continue;
    }
    if (!in_group) {
      error(number, "key = value before the first [section]");
      continue;
    }
    // A key as GKeyFile takes it: no space at either end, no '[' or ']'
    // except a [locale] suffix at the end.
    std::string key = line.substr(0, eq);
    while (!key.empty() && g_ascii_isspace(key.back())) key.pop_back();
    const auto bracket = key.find_first_of("[]");
    bool valid = bracket != 0 && key.front() != ' ';
    if (valid && bracket != std::string::npos) {
      std::size_t i = bracket + 1;
      valid = key[bracket] == '[';
      while (valid && i < key.size() &&
             (g_ascii_isalnum(key[i]) || key[i] == '-' || key[i] == '_' ||
              key[i] == '.' || key[i] == '@' ||
              static_cast<unsigned char>(key[i]) >= 0x80))
        ++i;
      valid = valid && i + 1 == key.size() && key[i] == ']';
    }
    if (!valid)
      error(number,
            "not a valid key name (letters, digits and '-' before the '=')");
  }
  return errors;
}

// The password of rtsp://user:password@host/..., still percent-encoded.
std::optional<std::string> url_password(const std::string &url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  auto auth_begin = scheme_end + 3;
  auto auth_end = url.find_first_of("/?#", auth_begin);
  if (auth_end == std::string::npos) auth_end = url.size();
  auto at = url.rfind('@', auth_end);
  if (at == std::string::npos || at < auth_begin) return std::nullopt;
  auto colon = url.find(':', auth_begin);
  if (colon == std::string::npos || colon > at) return std::nullopt;
  return url.substr(colon + 1, at - colon - 1);
}

void server_access(Reader &r, const std::string &group, Preset &preset) {
  AuthSettings &auth = preset.auth;
  const bool has_user = r.has(group, "auth-user"),
             has_hash = r.has(group, "auth-password-hash");
  if (auto user = r.text(group, "auth-user")) {
    if (user->find(':') != std::string::npos)
      r.error(
          group, "auth-user",
          "must not contain ':' (HTTP Basic separates user and password with it)");
    else
      auth.user = *user;
  }
  if (auto hash = r.text(group, "auth-password-hash", true)) {
    // Never quoted: a hash is not a password, but it helps to guess one.
    if (!is_password_hash(*hash))
      r.error(
          group, "auth-password-hash",
          "not a crypt(3) password hash; make one with: openssl passwd -6 (it starts with $6$)");
    else
      auth.password_hash = *hash;
  }
  if (has_user && !has_hash)
    r.error(group, "auth-password-hash",
            "missing: auth-user needs it (make one with: openssl passwd -6)");
  if (has_hash && !has_user)
    r.error(group, "auth-user",
            "missing: auth-password-hash needs a user name");
  if (auto var = r.text(group, "auth-token-env")) {
    const char *token = g_getenv(var->c_str());
    if (!token || !*token)
      r.error(group, "auth-token-env",
              "environment variable " + *var + " is not set");
    else if (std::strlen(token) < kMinTokenLength)
      r.error(group, "auth-token-env",
              "the token in " + *var + " is too short (at least " +
                  std::to_string(kMinTokenLength) + " characters)");
    else
      auth.token = token, auth.token_env = *var;
  }
  if (auto origins = r.text(group, "cors-origins")) {
    g_auto(GStrv) parts = g_strsplit(origins->c_str(), ",", -1);
    bool bad = false;
    for (char **p = parts; *p; ++p) {
      const std::string item = trim(*p);
      std::string why;
      if (item.empty()) continue;
      if (auto origin = parse_origin(item, why))
        preset.cors_origins.push_back(*origin);
      else
        bad = true, r.error(group, "cors-origins", why);
    }
    if (preset.cors_origins.empty() && !bad)
      r.error(group, "cors-origins", "lists no origin");
  }
}

void server_limits(Reader &r, const std::string &group, Preset &preset) {
  ServerLimits &l = preset.limits;
  r.number(group, "max-connections", 1, 1000000, l.max_connections);
  r.number(group, "max-connections-per-client", 1, 1000000,
           l.max_connections_per_client);
  r.number(group, "header-timeout", 1, 3600, l.header_timeout);
  r.number(group, "keepalive-timeout", 1, 3600, l.keepalive_timeout);
  r.number(group, "send-timeout", 1, 3600, l.send_timeout);
  // libsoup refuses a header of more than 64 KiB by itself.
  r.number(group, "max-header-bytes", 1024, 65536, l.max_header_bytes);
  r.number(group, "max-url-bytes", 256, 65536, l.max_url_bytes);
  r.number(group, "login-attempts", 1, 1000, l.login_attempts);
  r.number(group, "login-lockout", 1, 24 * 3600, l.login_lockout);
  if (auto cert = r.text(group, "tls-certificate"))
    preset.tls.certificate = *cert;
  if (auto key = r.text(group, "tls-key")) preset.tls.key = *key;
  if (preset.tls.certificate.empty() != preset.tls.key.empty())
    r.error(group, preset.tls.key.empty() ? "tls-key" : "tls-certificate",
            "missing: tls-certificate and tls-key go together (PEM files)");
}

void parse_camera(Reader &r, const std::string &group, const std::string &name,
                  const Preset &preset, CameraConfig &cam) {
  cam.name = name;
  cam.dvr = preset.dvr;

  auto source = r.text(group, "source");
  if (!source) {
    if (!r.has(group, "source"))
      r.error(group, "source", "missing (test or rtsp)");
    return;
  }
  if (*source == "test") {
    cam.source = SourceKind::Test;
  } else if (*source == "rtsp") {
    cam.source = SourceKind::Rtsp;
  } else {
    r.error(group, "source", "expected test or rtsp, got \"" + *source + "\"");
    return;
  }
  const bool is_test = cam.source == SourceKind::Test;

  for (const auto &key : r.keys(group)) {
    if (kCameraKeys.count(key)) continue;
    if (kTestKeys.count(key)) {
      if (!is_test) r.error(group, key, "only for source=test");
      continue;
    }
    if (kRtspKeys.count(key)) {
      if (is_test) r.error(group, key, "only for source=rtsp");
      continue;
    }
    r.error(group, key,
            "unknown key (known: " + join(kCameraKeys) + "; for source=" +
                *source + ": " + join(is_test ? kTestKeys : kRtspKeys) + ")");
  }

  r.dvr_settings(group, cam.dvr);
  if (cam.dvr.retention > 0 &&
      (cam.dvr.window == 0 || cam.dvr.window > cam.dvr.retention)) {
    r.error(
        group, "window",
        "window (" +
            (cam.dvr.window == 0 ? std::string("0, everything")
                                 : std::to_string(cam.dvr.window) + " s") +
            ") is longer than retention (" + std::to_string(cam.dvr.retention) +
            " s): the live playlist cannot list footage that is no longer on disk; raise retention or "
            "shorten window");
  }

  if (is_test) {
    auto &t = cam.test;
    if (auto pattern = r.text(group, "pattern")) {
      if (kPatterns.count(*pattern))
        t.pattern = *pattern;
      else
        r.error(group, "pattern",
                "unknown videotestsrc pattern \"" + *pattern +
                    "\" (known: " + join(kPatterns) + ")");
    }
    r.number(group, "width", 16, 7680, t.width);
    r.number(group, "height", 16, 4320, t.height);
    r.number(group, "framerate", 1, 120, t.framerate);
    r.number(group, "bitrate", 64, 100000, t.bitrate);
    return;
  }

  auto &s = cam.rtsp;
  if (auto url = r.text(group, "url")) {
    const char *peeked =
        g_uri_peek_scheme(url->c_str());  // interned, not owned
    static const std::set<std::string> schemes = {"rtsp", "rtsps", "rtspt",
                                                  "rtspu", "rtsph"};
    // The URL may carry a password: the messages below never quote it.
    if (!g_uri_is_valid(url->c_str(), G_URI_FLAGS_HAS_PASSWORD, nullptr))
      r.error(group, "url", "not a valid URL");
    else if (!peeked || !schemes.count(peeked))
      r.error(group, "url", "expected an rtsp:// URL");
    else
      s.url = *url;
  } else if (!r.has(group, "url")) {
    r.error(group, "url", "missing (the camera's rtsp:// URL)");
  }
  if (auto user = r.text(group, "user")) s.user = *user;

  const bool has_password = r.has(group, "password");
  if (has_password && r.has(group, "password-env")) {
    r.error(group, "password-env",
            "set either password or password-env, not both");
  } else if (has_password) {
    if (auto pw = r.text(group, "password", true)) s.password = *pw;
  } else if (auto var = r.text(group, "password-env")) {
    const char *pw = g_getenv(var->c_str());
    if (!pw || !*pw)
      r.error(group, "password-env",
              "environment variable " + *var + " is not set");
    else
      s.password = pw;
  }

  if (auto transport = r.text(group, "transport")) {
    if (*transport == "tcp" || *transport == "udp") {
      s.transport = *transport;
      s.transport_set = true;
    } else
      r.error(group, "transport",
              "expected tcp or udp, got \"" + *transport + "\"");
  }
  if (auto clock = r.text(group, "wall-clock")) {
    if (*clock == "local")
      s.wall_clock = WallClock::Local;
    else if (*clock == "camera")
      s.wall_clock = WallClock::Camera;
    else
      r.error(group, "wall-clock",
              "expected local or camera, got \"" + *clock + "\"");
  }
  const bool camera_clock = s.wall_clock == WallClock::Camera;
  s.ingest =
      s.transport == "udp" || camera_clock ? Ingest::Rtspsrc : Ingest::Lean;
  if (auto ingest = r.text(group, "ingest")) {
    if (*ingest == "rtspsrc")
      s.ingest = Ingest::Rtspsrc;
    else if (*ingest == "lean" && s.transport == "udp")
      r.error(
          group, "ingest",
          "ingest = lean receives over TCP only; set transport = tcp or ingest = rtspsrc");
    else if (*ingest == "lean" && camera_clock)
      r.error(
          group, "ingest",
          "ingest = lean does not read the camera's RTCP sender reports, which wall-clock = camera "
          "labels footage by; set ingest = rtspsrc or wall-clock = local");
    else if (*ingest == "lean")
      s.ingest = Ingest::Lean;
    else
      r.error(group, "ingest",
              "expected lean or rtspsrc, got \"" + *ingest + "\"");
  }
  r.number(group, "latency", 0, 60000, s.latency);
  if (auto v = r.text(group, "tls-validation")) {
    if (*v == "true" || *v == "false")
      s.tls_validation = *v == "true";
    else
      r.error(group, "tls-validation",
              "expected true or false, got \"" + *v + "\"");
  }
  if (auto fp = r.text(group, "tls-fingerprint")) {
    std::string hex;
    for (char c : *fp)
      if (c != ':') hex += static_cast<char>(g_ascii_tolower(c));
    if (hex.size() != 64 ||
        hex.find_first_not_of("0123456789abcdef") != std::string::npos)
      r.error(
          group, "tls-fingerprint",
          "expected the certificate's SHA-256 fingerprint, 64 hexadecimal digits (colons allowed)");
    else
      s.tls_fingerprint = hex;
  }
  if (auto codec = r.text(group, "codec")) {
    if (*codec == "auto")
      s.codec = std::nullopt;
    else if (*codec == "h264")
      s.codec = VideoCodec::kH264;
    else if (*codec == "h265")
      s.codec = VideoCodec::kH265;
    else
      r.error(group, "codec",
              "expected auto, h264 or h265, got \"" + *codec + "\"");
  }
}

}  // namespace

const char *to_string(AudioMode mode) {
  switch (mode) {
    case AudioMode::Off:
      return "off";
    case AudioMode::Copy:
      return "copy";
    case AudioMode::Aac:
      return "aac";
  }
  return "off";
}

const char *to_string(const std::optional<VideoCodec> &codec) {
  return codec ? to_string(*codec) : "auto";
}

const char *to_string(Ingest ingest) {
  return ingest == Ingest::Lean ? "lean" : "rtspsrc";
}

const char *to_string(WallClock clock) {
  return clock == WallClock::Local ? "local" : "camera";
}

bool DvrSettings::operator==(const DvrSettings &o) const {
  return segment_duration == o.segment_duration && window == o.window &&
         retention == o.retention && max_bytes == o.max_bytes &&
         stall_timeout == o.stall_timeout && auth_retry == o.auth_retry &&
         audio == o.audio && writer == o.writer && fsync == o.fsync;
}

bool ServerLimits::operator==(const ServerLimits &o) const {
  return max_connections == o.max_connections &&
         max_connections_per_client == o.max_connections_per_client &&
         header_timeout == o.header_timeout &&
         keepalive_timeout == o.keepalive_timeout &&
         send_timeout == o.send_timeout &&
         max_header_bytes == o.max_header_bytes &&
         max_url_bytes == o.max_url_bytes &&
         login_attempts == o.login_attempts && login_lockout == o.login_lockout;
}

bool TestSourceSettings::operator==(const TestSourceSettings &o) const {
  return pattern == o.pattern && width == o.width && height == o.height &&
         framerate == o.framerate && bitrate == o.bitrate;
}

bool RtspSourceSettings::operator==(const RtspSourceSettings &o) const {
  return url == o.url && user == o.user && password == o.password &&
         transport == o.transport && latency == o.latency && codec == o.codec &&
         ingest == o.ingest && transport_set == o.transport_set &&
         tls_validation == o.tls_validation &&
         tls_fingerprint == o.tls_fingerprint && wall_clock == o.wall_clock;
}

bool CameraConfig::operator==(const CameraConfig &o) const {
  // Only the settings of the camera's own source count: a test camera's
  // unused rtsp defaults never differ anyway.
  return name == o.name && source == o.source && dvr == o.dvr &&
         (source == SourceKind::Test ? test == o.test : rtsp == o.rtsp);
}

std::vector<std::string> CameraConfig::secrets() const {
  std::vector<std::string> out;
  if (!rtsp.password.empty()) out.push_back(rtsp.password);
  if (auto raw = url_password(rtsp.url); raw && !raw->empty()) {
    out.push_back(*raw);
    g_autofree char *decoded = g_uri_unescape_string(raw->c_str(), nullptr);
    if (decoded && *decoded) out.emplace_back(decoded);
  }
  return out;
}

std::string redact(std::string text, const std::vector<std::string> &secrets) {
  std::vector<std::string> sorted = secrets;
  // Longest first, so that a secret containing another is replaced whole.
  std::sort(sorted.begin(), sorted.end(),
            [](const auto &a, const auto &b) { return a.size() > b.size(); });
  for (const auto &secret : sorted) {
    if (secret.empty()) continue;
    std::size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return text;
}

bool is_valid_camera_name(const std::string &name) {
  // ^[a-z0-9][a-z0-9_-]{0,31}$: safe as a folder name, in a URL and in logs.
  if (name.empty() || name.size() > 32) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

std::string ListenAddress::to_string() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string ListenAddress::url() const { return "http://" + to_string() + "/"; }

bool ListenAddress::is_loopback() const {
  if (host == "localhost") return true;
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host.c_str());
  return addr && g_inet_address_get_is_loopback(addr);
}

std::optional<ListenAddress> parse_listen(const std::string &input,
                                          std::string &error) {
  const std::string text = trim(input);
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      error = "expected [IPv6]:PORT, got \"" + text + "\"";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      error =
          "expected ADDRESS:PORT such as 127.0.0.1:8080, got \"" + text + "\"";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      error = "write an IPv6 address in brackets, as in [::1]:8080";
      return std::nullopt;
    }
  }
  if (host.empty()) {
    error =
        "missing address (127.0.0.1: this machine only; 0.0.0.0: every interface)";
    return std::nullopt;
  }
  if (host != "localhost" && !g_hostname_is_ip_address(host.c_str())) {
    error = "expected localhost or an IP address, got \"" + host + "\"";
    return std::nullopt;
  }
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned(port.c_str(), 10, 1, 65535, &n, nullptr)) {
    error = "expected a port from 1 to 65535, got \"" + port + "\"";
    return std::nullopt;
  }
  ListenAddress addr;
  addr.host = host;
  addr.port = static_cast<unsigned>(n);
  return addr;
}

PresetResult parse_preset(const std::string &text, const std::string &path) {
  PresetResult result;
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) err = nullptr;
  const std::vector<std::string> syntax = syntax_errors(text, path);
  if (!syntax.empty() ||
      !g_key_file_load_from_data(kf, text.data(), text.size(), G_KEY_FILE_NONE,
                                 &err)) {
    // GLib's own message would quote the line it could not read.
    for (const auto &line : syntax)
      result.error += (result.error.empty() ? "" : "\n") + line;
    if (syntax.empty())
      result.error =
          path + ": not a valid INI file ([section] and key = value lines)";
    return result;
  }

  Reader r(kf, path);
  for (const auto &dup : duplicate_sections(text))
    r.error(dup, "", "section appears more than once");

  Preset preset;
  preset.path = path;
  std::vector<std::pair<std::string, std::string>>
      camera_groups;  // group, camera name
  std::set<std::string> camera_names;

  gsize n_groups = 0;
  g_auto(GStrv) groups = g_key_file_get_groups(kf, &n_groups);
  for (gsize i = 0; i < n_groups; ++i) {
    const std::string group = groups[i];
    if (group == "server") {
      for (const auto &key : r.keys(group)) {
        if (key == "auth-password")
          r.error(
              group, key,
              "a plain password is not accepted: set auth-password-hash to the output of "
              "openssl passwd -6");
        else if (!kServerKeys.count(key))
          r.error(group, key, "unknown key (known: " + join(kServerKeys) + ")");
      }
      if (auto listen = r.text(group, "listen")) {
        std::string why;
        if (auto addr = parse_listen(*listen, why))
          preset.listen = *addr;
        else
          r.error(group, "listen", why);
      }
      if (auto storage = r.text(group, "storage")) preset.storage = *storage;
      if (auto web = r.text(group, "web")) preset.web = *web;
      if (auto min_free = r.text(group, "min-free")) {
        if (!parse_min_free(*min_free, preset))
          r.error(
              group, "min-free",
              "expected a percentage of the storage filesystem (\"10%\", 1 to 90) or bytes (\"50G\", \"2000000000\"; "
              "K, M, G, T are powers of 1024), got \"" +
                  *min_free + "\"");
      }
      server_access(r, group, preset);
      server_limits(r, group, preset);
    } else if (group == "dvr") {
      for (const auto &key : r.keys(group))
        if (!kDvrKeys.count(key))
          r.error(group, key, "unknown key (known: " + join(kDvrKeys) + ")");
      r.dvr_settings(group, preset.dvr);
    } else if (group.compare(0, strlen(kCameraPrefix), kCameraPrefix) == 0 &&
               (group.size() == strlen(kCameraPrefix) ||
                g_ascii_isspace(group[strlen(kCameraPrefix)]))) {
      std::string name = trim(group.substr(strlen(kCameraPrefix)));
      if (name.empty()) {
        r.error(group, "", "missing camera name, as in [camera cam1]");
      } else if (!is_valid_camera_name(name)) {
        r.error(
            group, "",
            "camera name \"" + name +
                "\" must be 1 to 32 of a-z 0-9 _ - and start with a letter or digit");
      } else if (!camera_names.insert(name).second) {
        r.error(group, "", "camera \"" + name + "\" is defined twice");
      } else {
        camera_groups.emplace_back(group, name);
      }
    } else {
      r.error(group, "",
              "unknown section (expected [server], [dvr] or [camera NAME])");
    }
  }

  // Cameras inherit [dvr], wherever it stands in the file.
  for (const auto &[group, name] : camera_groups) {
    CameraConfig cam;
    parse_camera(r, group, name, preset, cam);
    preset.cameras.push_back(std::move(cam));
  }
  if (camera_names.empty() && r.errors().empty())
    r.error("camera", "", "no camera defined: add a [camera NAME] section");

  if (!r.errors().empty()) {
    for (const auto &line : r.errors())
      result.error += (result.error.empty() ? "" : "\n") + line;
    return result;
  }
  result.preset = std::move(preset);
  return result;
}

PresetResult load_preset(const std::string &path) {
  g_autofree char *contents = nullptr;
  gsize length = 0;
  g_autoptr(GError) err = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &length, &err)) {
    PresetResult result;
    result.error = path + ": " + err->message;
    return result;
  }
  return parse_preset(std::string(contents, length), path);
}

std::optional<std::string> find_preset(const std::string &name,
                                       const std::vector<std::string> &dirs,
                                       std::string &error) {
  const bool looks_like_path =
      name.find('/') != std::string::npos || ends_with(name, ".ini");
  if (looks_like_path && g_file_test(name.c_str(), G_FILE_TEST_IS_REGULAR))
    return name;
  if (name.find('/') != std::string::npos) {
    error = "preset " + name + ": no such file";
    return std::nullopt;
  }
  const std::string file = ends_with(name, ".ini") ? name : name + ".ini";
  std::string looked;
  for (const auto &dir : dirs) {
    g_autofree char *candidate =
        g_build_filename(dir.c_str(), file.c_str(), nullptr);
    if (g_file_test(candidate, G_FILE_TEST_IS_REGULAR))
      return std::string(candidate);
    looked += (looked.empty() ? "" : ", ") + dir;
  }
  error =
      "no preset named \"" + name + "\" (looked for " + file +
      (looks_like_path ? " in the current directory" : "") +
      (looked.empty() ? "" : (looks_like_path ? " and in " : " in ") + looked) +
      ")";
  return std::nullopt;
}

}  // namespace dvr
