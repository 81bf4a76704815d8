// Runs real pipelines for element tests and collects what the bus said.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>
#include <vector>

struct BusLog {
  std::vector<GstStructure *> segments_added;  // dvr-segment-added, owned
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
  bool eos = false;
  ~BusLog();
};

// The element suite runs once per dvrsink writer: DVR_TEST_WRITER (set by meson)
// names it, and every dvrsink in a pipeline description gets writer=<it>.
std::string with_test_writer(const std::string &desc);
// The writer under test, or nullptr for dvrsink's default.
const char *test_writer();

// Parses and plays desc (with_test_writer applied). Stops after `seconds` of playing by sending EOS (as
// gst-launch -e does), or at EOS, or at an error; waits for the final EOS.
// setup, if set, runs on the pipeline before it starts (to add pad probes).
void run_pipeline(const std::string &desc, double seconds, BusLog *log,
                  const std::function<void(GstElement *)> &setup = nullptr);

// A fresh temporary folder, removed with everything in it when this goes away.
struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
  std::string file(const std::string &name) const { return path + "/" + name; }
};

// Gives the buffer the camera clock rtspsrc would: an NTP reference
// timestamp meta (timestamp/x-ntp) of unix_us, a UNIX time in µs.
GstBuffer *with_camera_clock(GstBuffer *buf, gint64 unix_us);

std::string read_file(const std::string &path);
bool file_exists(const std::string &path);
std::vector<std::string> list_dir(const std::string &path);
// Runs a shell command, returns its standard output and sets *status.
std::string run_command(const std::string &command, int *status);

struct ListedSegment {
  std::string uri;
  double duration = 0;
  std::string program_date_time;
  bool discontinuity = false;
};
struct ParsedPlaylist {
  unsigned target_duration = 0;
  long long media_sequence = -1;
  long long discontinuity_sequence = -1;
  bool endlist = false;
  std::vector<ListedSegment> segments;
};
ParsedPlaylist parse_playlist(const std::string &text);
// UNIX milliseconds of "2026-11-25T06:14:37.123Z", or -1.
long long parse_program_date_time(const std::string &text);
