#include "recording_checks.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <vector>

std::string segment_name(long long sequence) {
  std::string n = std::to_string(sequence);
  return "seg-" + std::string(10 - n.size(), '0') + n + ".ts";
}

std::string uri_name(const std::string &uri) {
  return uri.substr(uri.rfind('/') + 1);
}

std::vector<std::string> list_recording(const std::string &folder) {
  std::vector<std::string> out;
  for (const std::string &name : list_dir(folder)) {
    const std::string day = folder + "/" + name;
    if (name.size() == 10 && name[4] == '-' && name[7] == '-') {
      for (const std::string &hour : list_dir(day))
        for (const std::string &file : list_dir(day + "/" + hour))
          out.push_back(name + "/" + hour + "/" + file);
    } else {
      out.push_back(name);
    }
  }
  return out;
}

std::string segment_path(const std::string &folder, long long sequence) {
  const std::string name = segment_name(sequence);
  for (const std::string &rel : list_recording(folder))
    if (uri_name(rel) == name) return folder + "/" + rel;
  return folder + "/" + name;
}

void require_segments_valid(const std::string &folder,
                            const ParsedPlaylist &pl) {
  for (const auto &s : pl.segments) {
    INFO(s.uri);
    const std::string file = folder + "/" + s.uri;
    REQUIRE(file_exists(file));
    int status = 0;
    std::string out =
        run_command("ffprobe -v error '" + file + "' 2>&1", &status);
    CHECK(status == 0);
    CHECK(out ==
          "");  // compared as a string, so a failure shows ffprobe's words
  }
}

void require_segments_valid(const TempDir &dir, const ParsedPlaylist &pl) {
  require_segments_valid(dir.path, pl);
}

void require_no_temporaries(const TempDir &dir) {
  for (const std::string &name : list_dir(dir.path)) {
    INFO(name);
    CHECK(name[0] != '.');
  }
}

ProbedVideo probe_video(const std::string &file) {
  ProbedVideo v;
  int status = 0;
  // One line per packet in file (decode) order: "<pts_time>,<flags>".
  std::istringstream packets(run_command(
      "ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 '" +
          file + "'",
      &status));
  std::vector<double> pts;
  std::string line;
  while (std::getline(packets, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    if (v.frames == 0)
      v.starts_with_keyframe = line.compare(comma + 1, 1, "K") == 0;
    v.frames++;
    if (line.compare(0, comma, "N/A") != 0)
      pts.push_back(std::stod(line.substr(0, comma)));
  }
  if (pts.empty()) return v;
  std::sort(pts.begin(), pts.end());
  // Frames have no duration in MPEG-TS: the last one lasts as long as the shortest step.
  double step = 0;
  for (size_t i = 1; i < pts.size(); i++) {
    const double d = pts[i] - pts[i - 1];
    if (d > 1e-6 && (step == 0 || d < step)) step = d;
  }
  v.duration = pts.back() - pts.front() + step;
  return v;
}

size_t continuity_jumps(const std::string &ts, size_t *packets,
                        size_t *lost_sync) {
  std::vector<int> last(8192, -1);
  size_t jumps = 0;
  *packets = *lost_sync = 0;
  for (size_t i = 0; i + 188 <= ts.size(); i += 188) {
    const auto *p = reinterpret_cast<const unsigned char *>(ts.data() + i);
    if (p[0] != 0x47) {
      (*lost_sync)++;
      continue;
    }
    const int pid = ((p[1] & 0x1f) << 8) | p[2];
    if (pid == 0x1fff || !(p[3] & 0x10)) continue;
    const int cc = p[3] & 0x0f;
    if (last[pid] >= 0 && cc != ((last[pid] + 1) & 0x0f)) jumps++;
    last[pid] = cc;
    (*packets)++;
  }
  return jumps;
}
