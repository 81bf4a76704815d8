#include "http/metrics.h"

#include <cinttypes>
#include <cstdio>
#include <set>

namespace dvr {
namespace {

const char *const kStates[] = {"starting",     "recording", "reconnecting",
                               "unauthorized", "error",     "stopping",
                               "stopped"};

// Camera names are [a-z0-9_-] (see is_valid_camera_name): nothing to escape in a label.
class Exposition {
 public:
  void family(const char *name, const char *type, const char *help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
            " " + type + "\n";
  }
  void sample(const char *name, const std::string &labels, double value) {
    char number[48];
    std::snprintf(number, sizeof number, "%.17g", value);
    out_ += std::string(name) + "{" + labels + "} " + number + "\n";
  }
  std::string text() const { return out_; }

 private:
  std::string out_;
};

std::string camera_label(const CameraStatus &c) {
  return "camera=\"" + c.name + "\"";
}

// A path in a label value: backslash, quote and newline escaped as the format asks.
std::string label_value(const std::string &text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

const char *const kStorageStates[] = {
    "ok", "full", "read-only", "folder-missing", "io-error", "error"};

}  // namespace

std::string render_metrics(const std::vector<CameraStatus> &cameras,
                           const std::map<unsigned, std::uint64_t> &requests,
                           std::int64_t now_us) {
  Exposition m;
  // A family with one sample per camera.
  const auto per_camera = [&](const char *name, const char *type,
                              const char *help, auto value) {
    m.family(name, type, help);
    for (const auto &c : cameras)
      m.sample(name, camera_label(c), static_cast<double>(value(c)));
  };
  per_camera(
      "dvr_camera_bytes_written_total", "counter",
      "Bytes of the segments a camera finished since the launcher started.",
      [](const CameraStatus &c) { return c.bytes; });
  per_camera("dvr_camera_segments_written_total", "counter",
             "Segments a camera finished since the launcher started.",
             [](const CameraStatus &c) { return c.segments; });
  per_camera("dvr_camera_reconnects_total", "counter",
             "Times a camera's pipeline was rebuilt after a failure.",
             [](const CameraStatus &c) { return c.reconnects; });
  per_camera(
      "dvr_camera_clock_steps_total", "counter",
      "Steps of the system clock (or the camera's) a camera's recording lived through since the launcher started.",
      [](const CameraStatus &c) { return c.clock_steps; });
  m.family("dvr_camera_state", "gauge",
           "1 for the state a camera is in, 0 for the others.");
  for (const auto &c : cameras)
    for (const char *state : kStates)
      m.sample("dvr_camera_state", camera_label(c) + ",state=\"" + state + "\"",
               c.state == state ? 1 : 0);
  m.family("dvr_camera_bitrate_bits_per_second", "gauge",
           "Recorded bitrate over the last segments, while recording.");
  for (const auto &c : cameras)
    if (c.bitrate)
      m.sample("dvr_camera_bitrate_bits_per_second", camera_label(c),
               static_cast<double>(*c.bitrate));
  m.family("dvr_camera_newest_segment_age_seconds", "gauge",
           "Seconds since the end of a camera's newest listed segment.");
  for (const auto &c : cameras)
    if (c.recorded)
      m.sample("dvr_camera_newest_segment_age_seconds", camera_label(c),
               static_cast<double>(now_us - c.recorded->end_us) / 1e6);
  m.family("dvr_storage_free_bytes", "gauge",
           "Bytes free on a filesystem that holds camera folders.");
  std::set<std::string> filesystems;
  for (const auto &c : cameras)
    if (c.storage.free_bytes && c.storage.filesystem &&
        filesystems.insert(*c.storage.filesystem).second)
      m.sample("dvr_storage_free_bytes",
               "filesystem=\"" + label_value(*c.storage.filesystem) + "\"",
               static_cast<double>(*c.storage.free_bytes));
  per_camera(
      "dvr_camera_retained_seconds", "gauge",
      "Seconds of footage a camera holds now, oldest start to newest end (compare with its configured window).",
      [](const CameraStatus &c) {
        return c.recorded ? static_cast<double>(c.recorded->end_us -
                                                c.recorded->start_us) /
                                1e6
                          : 0.0;
      });
  m.family(
      "dvr_camera_segments_dropped_total", "counter",
      "Segments a camera lost since the launcher started, by reason: reclaimed (freed before their retention "
      "for a full disk), no-space (never written), read-only, folder-missing, io-error.");
  for (const auto &c : cameras)
    for (const auto &[reason, count] : c.storage.dropped)
      m.sample("dvr_camera_segments_dropped_total",
               camera_label(c) + ",reason=\"" + reason + "\"",
               static_cast<double>(count));
  m.family(
      "dvr_camera_storage_state", "gauge",
      "1 for the state of the disk under a camera's folder, 0 for the others.");
  for (const auto &c : cameras)
    for (const char *state : kStorageStates)
      m.sample("dvr_camera_storage_state",
               camera_label(c) + ",state=\"" + state + "\"",
               c.storage.state == state ? 1 : 0);
  m.family("dvr_http_requests_total", "counter",
           "HTTP requests answered, by status code.");
  for (const auto &[code, count] : requests)
    m.sample("dvr_http_requests_total", "code=\"" + std::to_string(code) + "\"",
             static_cast<double>(count));
  return m.text();
}

}  // namespace dvr
