// A preset: the INI file (GLib GKeyFile) that says which cameras to record,
// where, and where to serve them. Parsing validates everything up front so
// that a typo stops the launcher before any pipeline starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/auth.h"
#include "defaults.h"
#include "video_codec.h"

namespace dvr {

// What happens to a camera's audio. Off: dropped. Copy: AAC recorded as it
// comes, anything else dropped (MPEG-TS takes no G.711). Aac: AAC copied,
// G.711 (PCMA, PCMU) turned into AAC.
enum class AudioMode { Off, Copy, Aac };

// What receives an RTSP camera. Lean: dvrrtspsrc (TCP only; depayloads
// itself, a fraction of the CPU). Rtspsrc: rtspsrc and GStreamer's
// depayloaders (TCP or UDP).
enum class Ingest { Lean, Rtspsrc };

// Where a camera's footage gets its wall-clock labels. Local: this machine's
// clock when the frames arrived. Camera: the camera's RTCP sender reports,
// while they agree with the local clock (dvrsink's wall-clock property); only
// rtspsrc reads them.
enum class WallClock { Local, Camera };

const char *to_string(AudioMode mode);
// "auto" when a camera may send H.264 or H.265, as it announces.
const char *to_string(const std::optional<VideoCodec> &codec);
const char *to_string(Ingest ingest);
const char *to_string(WallClock clock);

// Retention and segmenting, from [dvr] with per-camera overrides.
struct DvrSettings {
  unsigned segment_duration = kDefaultSegmentDuration;  // seconds
  unsigned window =
      kDefaultWindow;  // seconds the live playlist lists, 0 = everything
  // Seconds footage stays on disk, reached by time after it left the window;
  // 0 keeps everything, -1 (unset) = the window.
  std::int64_t retention = kDefaultRetention;
  // What retention comes to: the window when unset.
  std::int64_t retention_held() const {
    return retention < 0 ? window : retention;
  }
  std::uint64_t max_bytes = kDefaultMaxBytes;  // 0 = no size limit
  unsigned stall_timeout =
      10;                     // seconds without a video buffer before a restart
  unsigned auth_retry = 300;  // seconds between attempts after a refused login
  AudioMode audio = AudioMode::Off;
  // dvrsink's writer property: "lean" (its own writer, the default) or
  // "mpegtsmux".
  std::string writer = "lean";
  // dvrsink's fsync property: each segment synced to disk before it is listed.
  bool fsync = kDefaultFsync;

  bool operator==(const DvrSettings &o) const;
  bool operator!=(const DvrSettings &o) const { return !(*this == o); }
};

enum class SourceKind { Test, Rtsp };

struct TestSourceSettings {
  std::string pattern = "smpte";  // videotestsrc pattern nick
  unsigned width = 640;
  unsigned height = 360;
  unsigned framerate = 25;  // frames per second
  unsigned bitrate = 1000;  // kbit/s

  bool operator==(const TestSourceSettings &o) const;
};

struct RtspSourceSettings {
  std::string url;
  std::string user;
  // Resolved from `password` or `password-env`. Never printed or logged:
  // code that shows a camera goes through pipeline_description() or redact().
  std::string password;
  std::string transport = "tcp";  // tcp | udp
  bool transport_set =
      false;  // the preset named it: a fallback to rtspsrc keeps it
  // rtsps://: check the camera's certificate (false: take any), or take the
  // one whose SHA-256 fingerprint this is (64 lower-case hex digits).
  bool tls_validation = kDefaultTlsValidation;
  std::string tls_fingerprint;
  unsigned latency = 200;  // ms
  std::optional<VideoCodec>
      codec;  // which video the camera must send; empty: auto
  // `ingest`: lean unless transport = udp (which only rtspsrc speaks) or
  // wall-clock = camera (only rtspsrc reads RTCP sender reports).
  Ingest ingest = Ingest::Lean;
  WallClock wall_clock = WallClock::Local;

  bool operator==(const RtspSourceSettings &o) const;
};

struct CameraConfig {
  std::string name;
  SourceKind source = SourceKind::Test;
  TestSourceSettings test;
  RtspSourceSettings rtsp;
  DvrSettings dvr;

  // Every string that must not appear in logs, pages or the API.
  std::vector<std::string> secrets() const;

  // Same camera, recorded the same way: a reload leaves it running.
  bool operator==(const CameraConfig &o) const;
  bool operator!=(const CameraConfig &o) const { return !(*this == o); }
};

struct ListenAddress {
  std::string host = "127.0.0.1";  // "localhost" or an IP address literal
  unsigned port = 8080;

  std::string to_string() const;  // host:port, IPv6 in brackets
  std::string url() const;        // http://host:port/
  bool is_loopback() const;
};

// [server] limits: what one client, or all of them, may hold of the HTTP
// server, so that no flood of connections takes viewing down or starves the
// recorder. The defaults fit a LAN box with a few dozen viewers.
struct ServerLimits {
  unsigned max_connections = 512;  // open at once, every client together
  unsigned max_connections_per_client =
      128;  // open at once from one address (a NAT, a proxy, a test harness)
  unsigned header_timeout =
      10;  // s from connecting (or a request's first byte) to its full header
  unsigned keepalive_timeout = 15;  // s a connection may idle between requests
  unsigned send_timeout =
      60;  // s an answer may go without the client taking any of it
  unsigned max_header_bytes = 16384;  // a request's header lines together
  unsigned max_url_bytes = 4096;      // a request's path and query
  unsigned login_attempts =
      10;  // failed logins from one address before it is refused
  unsigned login_lockout = 60;  // s an address is answered 429 after them

  bool operator==(const ServerLimits &o) const;
  bool operator!=(const ServerLimits &o) const { return !(*this == o); }
};

// [server] tls-certificate and tls-key: HTTPS on the launcher itself.
struct TlsFiles {
  std::string
      certificate;  // PEM, the server's certificate (and any chain after it)
  std::string key;  // PEM, its private key

  bool enabled() const { return !certificate.empty(); }
  bool operator==(const TlsFiles &o) const {
    return certificate == o.certificate && key == o.key;
  }
  bool operator!=(const TlsFiles &o) const { return !(*this == o); }
};

struct Preset {
  std::string path;  // the file it came from, for messages
  ListenAddress listen;
  std::string storage = "recordings";  // relative to the current directory
  std::string web;                     // empty: the default player folder
  AuthSettings auth;
  std::vector<std::string>
      cors_origins;  // normalized; empty: no cross-origin access
  // [server] min-free: keep this much of the storage filesystem free, the
  // oldest footage of any camera going first. A percentage or bytes; 0: none.
  unsigned min_free_percent = 0;
  std::uint64_t min_free_bytes = kDefaultMinFree;
  ServerLimits limits;
  TlsFiles tls;
  DvrSettings dvr;
  std::vector<CameraConfig> cameras;
};

// Exactly one of preset and error is set. error holds one line per problem,
// each "file:section:key: what is wrong", or "file:LINE: what is wrong" for a
// line that is not key = value, [section] or # comment (never its text: it
// may hold a password).
struct PresetResult {
  std::optional<Preset> preset;
  std::string error;
};

PresetResult parse_preset(const std::string &text, const std::string &path);
PresetResult load_preset(const std::string &path);

// Parses "host:port" ("[::1]:8080" for IPv6). Returns nothing and sets error
// when the text is not a usable address.
std::optional<ListenAddress> parse_listen(const std::string &text,
                                          std::string &error);

// A name with a slash or ending in .ini that exists is used as it is; a bare
// name is looked up as NAME.ini in each of dirs in order. Returns the path, or
// nothing with error saying where it looked.
std::optional<std::string> find_preset(const std::string &name,
                                       const std::vector<std::string> &dirs,
                                       std::string &error);

bool is_valid_camera_name(const std::string &name);

// Replaces each non-empty secret in text by "***".
std::string redact(std::string text, const std::vector<std::string> &secrets);

}  // namespace dvr
