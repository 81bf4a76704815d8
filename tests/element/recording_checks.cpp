#include "recording_checks.h"

#include <catch2/catch.hpp>

std::string segment_name(long long sequence) {
  std::string n = std::to_string(sequence);
  return "seg-" + std::string(10 - n.size(), '0') + n + ".ts";
}

void require_segments_valid(const TempDir& dir, const ParsedPlaylist& pl) {
  for (const auto& s : pl.segments) {
    INFO(s.uri);
    REQUIRE(file_exists(dir.file(s.uri)));
    int status = 0;
    std::string out = run_command("ffprobe -v error '" + dir.file(s.uri) + "' 2>&1", &status);
    CHECK(status == 0);
    CHECK(out.empty());
  }
}

void require_no_temporaries(const TempDir& dir) {
  for (const std::string& name : list_dir(dir.path)) {
    INFO(name);
    CHECK(name[0] != '.');
  }
}
