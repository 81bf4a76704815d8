// dvrsink recording an MPEG-TS stream as it is (files, tsparse, SRT/UDP
// encoders): segments cut at keyframes, each readable on its own and all of
// them in a row. The lean writer only: writer=mpegtsmux refuses such input
// (the last test here), so the mpegtsmux run leaves out the [ts] tests.
#include <catch2/catch.hpp>
#include <gst/gst.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "recording_checks.h"

namespace {

const std::string kRaw =
    "videotestsrc num-buffers=120 pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! ";

// The commands that make each kind of input: 4 s of small video.
const std::map<std::string, std::string> kInputs = {
    {"x264-mpegtsmux",
     "gst-launch-1.0 -q " + kRaw +
         "x264enc key-int-max=15 speed-preset=ultrafast ! mpegtsmux ! filesink location=OUT"},
    {"x264-bframes-aac-mpegtsmux",
     "gst-launch-1.0 -q mpegtsmux name=mux ! filesink location=OUT " + kRaw +
         "x264enc key-int-max=15 bframes=2 speed-preset=ultrafast ! mux. "
         "audiotestsrc num-buffers=188 ! audio/x-raw,rate=48000 ! avenc_aac ! aacparse ! mux."},
    {"ffmpeg-libx264-aac",
     "ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i "
     "sine=frequency=440:sample_rate=48000 -t 4 -c:v libx264 -g 25 -preset ultrafast -c:a aac "
     "-f mpegts OUT"},
    {"x265-mpegtsmux",
     "gst-launch-1.0 -q " + kRaw +
         "x265enc key-int-max=15 speed-preset=ultrafast tune=zerolatency ! h265parse config-interval=-1 ! "
         "mpegtsmux ! filesink location=OUT"},
    {"audio-only",
     "gst-launch-1.0 -q audiotestsrc num-buffers=100 ! avenc_aac ! aacparse ! mpegtsmux ! "
     "filesink location=OUT"},
};

// Each input is made once per test program, on first use.
const std::string &ts_input(const std::string &kind) {
  static TempDir inputs;
  static std::map<std::string, std::string> made;
  auto it = made.find(kind);
  if (it != made.end()) return it->second;
  const std::string file = inputs.file(kind + ".ts");
  std::string command = kInputs.at(kind);
  command.replace(command.find("OUT"), 3, file);
  int status = -1;
  run_command(command + " 2>&1", &status);
  REQUIRE(status == 0);
  REQUIRE(file_exists(file));
  return made[kind] = file;
}

void write_file(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string noise(size_t size) {
  std::string out(size, '\0');
  uint32_t x = 2463534242u;
  for (char &c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

ParsedPlaylist playlist_in(const TempDir &dir) {
  return parse_playlist(read_file(dir.file("live.m3u8")));
}

double total_duration(const ParsedPlaylist &pl) {
  double sum = 0;
  for (const auto &s : pl.segments) sum += s.duration;
  return sum;
}

int pid_of(const std::string &ts, size_t packet) {
  const auto *p =
      reinterpret_cast<const unsigned char *>(ts.data() + packet * 188);
  return ((p[1] & 0x1f) << 8) | p[2];
}

std::string codecs_in(const std::string &file) {
  int status = 0;
  return run_command(
      "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + file +
          "' | grep . | sort -u",
      &status);
}

// What every recording of a transport stream must be: segments that each
// start with the tables and a keyframe, decode alone without a complaint,
// last as long as their EXTINF says, and join into one valid stream.
void require_recorded_as_is(const TempDir &dir, const ParsedPlaylist &pl,
                            const std::string &codecs) {
  REQUIRE(pl.segments.size() >= 2);
  require_segments_valid(dir, pl);
  require_no_temporaries(dir);
  std::string joined;
  for (size_t i = 0; i < pl.segments.size(); i++) {
    const auto &s = pl.segments[i];
    INFO("segment " << i << " " << s.uri << " EXTINF " << s.duration);
    const std::string file = dir.file(s.uri);
    const std::string bytes = read_file(file);
    REQUIRE(bytes.size() % 188 == 0);
    REQUIRE(bytes.size() >= 3 * 188);
    CHECK(pid_of(bytes, 0) == 0);  // PAT, then the PMT it points to
    const auto *pat = reinterpret_cast<const unsigned char *>(bytes.data());
    const size_t payload = 4 + ((pat[3] & 0x20) ? 1 + pat[4] : 0);
    const unsigned char *section = pat + payload + 1 + pat[payload];
    const int pmt_pid = ((section[10] & 0x1f) << 8) | section[11];
    CHECK(pid_of(bytes, 1) == pmt_pid);
    int status = 0;
    const std::string first = run_command(
        "ffprobe -v error -select_streams v:0 -show_entries frame=key_frame -of csv=p=0 '" +
            file + "' | head -n 1",
        &status);
    CHECK(first.substr(0, 1) == "1");
    CHECK(
        run_command("ffmpeg -nostdin -v error -i '" + file + "' -f null - 2>&1",
                    &status)
            .empty());
    CHECK(status == 0);
    CHECK(codecs_in(file) == codecs);
    const ProbedVideo v = probe_video(file);
    CHECK(v.starts_with_keyframe);
    if (!s.discontinuity &&
        (i + 1 == pl.segments.size() || !pl.segments[i + 1].discontinuity))
      CHECK(v.duration == Approx(s.duration).margin(0.045));
    joined += bytes;
  }
  size_t packets = 0, lost_sync = 0;
  CHECK(continuity_jumps(joined, &packets, &lost_sync) == 0);
  CHECK(lost_sync == 0);
  const std::string all = dir.file("joined.ts.check");
  write_file(all, joined);
  int status = 0;
  CHECK(run_command("ffprobe -v error '" + all + "' 2>&1", &status).empty());
  CHECK(run_command("ffmpeg -nostdin -v error -i '" + all + "' -f null - 2>&1",
                    &status)
            .empty());
  std::remove(all.c_str());
}

// Writes bytes to a file in dir and records that file into dir with 1 s
// segments and no window, as the tests of damaged input do. Returns its path.
std::string record_ts_bytes(const TempDir &dir, const std::string &name,
                            const std::string &bytes, BusLog &log) {
  const std::string input = dir.file(name);
  write_file(input, bytes);
  run_pipeline("filesrc location=" + input + " ! dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               30.0, &log);
  return input;
}

}  // namespace

TEST_CASE(
    "an MPEG-TS stream is recorded as it is, each segment starting with PAT, PMT and a keyframe",
    "[ts]") {
  struct Case {
    const char *name;
    const char *input;
    std::string before;  // between filesrc and dvrsink
    std::string codecs;
  };
  const Case cases[] = {
      {"x264enc ! mpegtsmux from a file, no caps", "x264-mpegtsmux", "",
       "h264\n"},
      {"x264enc with B-frames and AAC through mpegtsmux",
       "x264-bframes-aac-mpegtsmux", "", "aac\nh264\n"},
      {"ffmpeg's libx264 and AAC", "ffmpeg-libx264-aac", "", "aac\nh264\n"},
      {"H.265 through mpegtsmux", "x265-mpegtsmux", "", "hevc\n"},
      {"tsparse in front", "x264-mpegtsmux", "tsparse ! ", "h264\n"},
      {"caps set by a capsfilter", "x264-mpegtsmux",
       "video/mpegts,systemstream=true,packetsize=188 ! ", "h264\n"},
  };
  for (const Case &c : cases) {
    SECTION(c.name) {
      const std::string input = ts_input(c.input);
      TempDir dir;
      BusLog log;
      run_pipeline("filesrc location=" + input + " ! " + c.before +
                       "dvrsink location=" + dir.path +
                       " segment-duration=1 window=0",
                   30.0, &log);
      INFO((log.errors.empty() ? std::string() : log.errors[0]));
      REQUIRE(log.errors.empty());
      CHECK(log.warnings.empty());
      CHECK(log.eos);
      const ParsedPlaylist pl = playlist_in(dir);
      CHECK(pl.endlist);
      for (size_t i = 0; i < pl.segments.size(); i++) {
        INFO("segment " << i);
        CHECK_FALSE(pl.segments[i].discontinuity);
        if (i + 1 < pl.segments.size())
          CHECK(pl.segments[i].duration == Approx(1.0).margin(0.04));
      }
      // All of the input is listed: 4 s, to a frame.
      CHECK(total_duration(pl) == Approx(4.0).margin(0.045));
      CHECK(log.segments_added.size() == pl.segments.size());
      require_recorded_as_is(dir, pl, c.codecs);
    }
  }
}

TEST_CASE(
    "timestamps that start again in the transport stream start a new segment marked as a discontinuity",
    "[ts]") {
  // The same file twice in a row, as an encoder restarting or a looped file
  // sends it: the second half's PTS go back to the first's.
  const std::string one = read_file(ts_input("ffmpeg-libx264-aac"));
  TempDir dir;
  BusLog log;
  const std::string input = record_ts_bytes(dir, "twice.ts.in", one + one, log);
  REQUIRE(log.errors.empty());
  std::remove(input.c_str());
  const ParsedPlaylist pl = playlist_in(dir);
  int marked = 0;
  for (const auto &s : pl.segments) marked += s.discontinuity ? 1 : 0;
  CHECK(marked == 1);
  // Neither the reset nor a gap counts in the durations.
  CHECK(total_duration(pl) == Approx(8.0).margin(0.09));
  REQUIRE(pl.segments.size() >= 6);
  require_segments_valid(dir, pl);
  for (const auto &s : pl.segments) {
    INFO(s.uri);
    CHECK(probe_video(dir.file(s.uri)).starts_with_keyframe);
    CHECK(s.duration == Approx(1.0).margin(0.045));
  }
}

TEST_CASE(
    "bytes that are no packets in the middle of a stream are skipped with a warning, and recording goes on",
    "[ts]") {
  const std::string ts = read_file(ts_input("x264-mpegtsmux"));
  const size_t half = (ts.size() / 188 / 2) * 188;
  TempDir dir;
  BusLog log;
  const std::string input =
      record_ts_bytes(dir, "damaged.ts.in",
                      ts.substr(0, half) + noise(5000) + ts.substr(half), log);
  REQUIRE(log.errors.empty());
  REQUIRE(log.warnings.size() == 1);
  CHECK(log.warnings[0].find("lost sync 1 times") != std::string::npos);
  const ParsedPlaylist pl = playlist_in(dir);
  // What was lost is marked; the rest is all there.
  int marked = 0;
  for (const auto &s : pl.segments) marked += s.discontinuity ? 1 : 0;
  CHECK(marked == 1);
  CHECK(total_duration(pl) == Approx(4.0).margin(0.6));
  require_segments_valid(dir, pl);
  for (const auto &s : pl.segments)
    CHECK(probe_video(dir.file(s.uri)).starts_with_keyframe);
}

TEST_CASE(
    "a stream that stops being MPEG-TS is an error that says so, and everything recorded before stays listed",
    "[ts]") {
  const std::string ts = read_file(ts_input("x264-mpegtsmux"));
  TempDir dir;
  BusLog log;
  const std::string input =
      record_ts_bytes(dir, "then-noise.ts.in", ts + noise(3 << 20), log);
  REQUIRE(log.errors.size() >= 1);
  CHECK(log.errors[0].find("no longer MPEG-TS") != std::string::npos);
  const ParsedPlaylist pl = playlist_in(dir);
  // The 4 s before the noise, the last segment included.
  CHECK(total_duration(pl) == Approx(4.0).margin(0.045));
  require_segments_valid(dir, pl);
  require_no_temporaries(dir);
}

TEST_CASE(
    "input dvrsink cannot record as MPEG-TS is an error naming the reason",
    "[ts]") {
  TempDir dir;
  struct Case {
    const char *name;
    std::string bytes;
    std::string expected;
  };
  const std::string ts = read_file(ts_input("x264-mpegtsmux"));
  std::string m2ts;
  for (size_t at = 0; at + 188 <= ts.size(); at += 188)
    m2ts += std::string(4, '\0') + ts.substr(at, 188);
  std::string without_pat;
  for (size_t at = 0; at + 188 <= ts.size(); at += 188)
    if (pid_of(ts, at / 188) != 0) without_pat += ts.substr(at, 188);
  const Case cases[] = {
      {"noise", noise(1 << 16), "not an MPEG-TS stream"},
      {"192-byte packets", m2ts, "192-byte packets"},
      {"no video", read_file(ts_input("audio-only")),
       "no H.264 (stream type 0x1b) or H.265 (0x24) video"},
      {"no PAT", without_pat, "before its PAT"},
  };
  for (const Case &c : cases) {
    SECTION(c.name) {
      const std::string input = dir.file("input.bin");
      write_file(input, c.bytes);
      const std::string folder = dir.file("rec");
      BusLog log;
      run_pipeline("filesrc location=" + input + " ! dvrsink location=" +
                       folder + " segment-duration=1 window=0",
                   30.0, &log);
      REQUIRE_FALSE(log.errors.empty());
      INFO(log.errors[0]);
      CHECK(log.errors[0].find(c.expected) != std::string::npos);
    }
  }
}

TEST_CASE(
    "the gst-launch-1.0 line for MPEG-TS input in dvrsink's documentation records a file",
    "[ts]") {
  const std::string source = read_file(std::string(g_getenv("DVR_SOURCE_DIR")) +
                                       "/plugins/gstdvrsink.cpp");
  std::smatch m;
  REQUIRE(std::regex_search(
      source, m,
      std::regex("(gst-launch-1.0 -e filesrc location=/tmp/in.ts [^\\n]*)")));
  std::string line = m[1];
  TempDir dir;
  line.replace(line.find("/tmp/in.ts"), 10, ts_input("ffmpeg-libx264-aac"));
  line.replace(line.find("/tmp/cam3"), 9, dir.path);
  int status = -1;
  run_command(line + " >/dev/null 2>&1", &status);
  CHECK(status == 0);
  const ParsedPlaylist pl = playlist_in(dir);
  CHECK(pl.endlist);
  CHECK(total_duration(pl) == Approx(4.0).margin(0.045));
  require_recorded_as_is(dir, pl, "aac\nh264\n");
  // README shows the same line.
  const std::string readme =
      read_file(std::string(g_getenv("DVR_SOURCE_DIR")) + "/README.md");
  CHECK(readme.find(std::string(m[1])) != std::string::npos);
}

TEST_CASE(
    "writer=mpegtsmux refuses MPEG-TS input with an error that says why and what to use") {
  TempDir dir;
  BusLog log;
  run_pipeline("filesrc location=" + ts_input("x264-mpegtsmux") +
                   " ! dvrsink location=" + dir.path + " writer=mpegtsmux",
               30.0, &log);
  REQUIRE_FALSE(log.errors.empty());
  CHECK(log.errors[0].find("writer=mpegtsmux cannot record an MPEG-TS input") !=
        std::string::npos);
  CHECK(log.errors[0].find("writer=lean") != std::string::npos);
  CHECK(log.errors[0].find("not negotiated") != std::string::npos);
}

TEST_CASE("an empty input ends the recording with a warning instead of hanging",
          "[ts]") {
  TempDir dir;
  const std::string input = dir.file("empty.ts.in");
  write_file(input, "");
  BusLog log;
  run_pipeline(
      "filesrc location=" + input + " ! dvrsink location=" + dir.file("rec"),
      10.0, &log);
  CHECK(log.errors.empty());
  CHECK(log.eos);
  REQUIRE(log.warnings.size() == 1);
  CHECK(log.warnings[0].find("ended before any data") != std::string::npos);
}

TEST_CASE(
    "a new program in the stream starts a new segment marked as a discontinuity, with the new tables",
    "[ts]") {
  // Two encoders' streams one after the other: other PIDs, other PMT, other streams.
  TempDir dir;
  BusLog log;
  const std::string input =
      record_ts_bytes(dir, "two-programs.ts.in",
                      read_file(ts_input("x264-mpegtsmux")) +
                          read_file(ts_input("ffmpeg-libx264-aac")),
                      log);
  REQUIRE(log.errors.empty());
  std::remove(input.c_str());
  const ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 6);
  require_segments_valid(dir, pl);
  size_t first_new = pl.segments.size();
  for (size_t i = 0; i < pl.segments.size(); i++) {
    INFO("segment " << i << " " << pl.segments[i].uri);
    const std::string codecs = codecs_in(dir.file(pl.segments[i].uri));
    if (first_new == pl.segments.size() && codecs == "aac\nh264\n")
      first_new = i;
    CHECK(codecs == (first_new <= i ? "aac\nh264\n" : "h264\n"));
    CHECK(pl.segments[i].discontinuity == (i == first_new));
    CHECK(probe_video(dir.file(pl.segments[i].uri)).starts_with_keyframe);
  }
  CHECK(first_new == 4);
  CHECK(total_duration(pl) == Approx(8.0).margin(0.09));
}

TEST_CASE(
    "a stream cut inside a packet is recorded to its last whole packet, with a warning",
    "[ts]") {
  const std::string ts = read_file(ts_input("ffmpeg-libx264-aac"));
  TempDir dir;
  BusLog log;
  const std::string input =
      record_ts_bytes(dir, "cut.ts.in", ts.substr(0, ts.size() - 100), log);
  REQUIRE(log.errors.empty());
  REQUIRE(log.warnings.size() == 1);
  CHECK(log.warnings[0].find(
            "ended inside a packet: its last 88 bytes were dropped") !=
        std::string::npos);
  const ParsedPlaylist pl = playlist_in(dir);
  CHECK(pl.endlist);
  CHECK(total_duration(pl) == Approx(4.0).margin(0.045));
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "gst-inspect shows that dvrsink takes MPEG-TS and that only the lean writer does") {
  int status = -1;
  const std::string out = run_command("gst-inspect-1.0 dvrsink", &status);
  REQUIRE(status == 0);
  CHECK(out.find("video/mpegts") != std::string::npos);
  CHECK(out.find("an MPEG-TS stream as it is") != std::string::npos);
  CHECK(out.find("the only one that takes MPEG-TS input") != std::string::npos);
}

TEST_CASE(
    "audio on the audio pad beside an MPEG-TS input is an error that says the stream's own audio is kept",
    "[ts]") {
  TempDir dir;
  BusLog log;
  run_pipeline(
      "filesrc location=" + ts_input("x264-mpegtsmux") +
          " ! dvrsink name=dvr location=" + dir.path +
          " audiotestsrc num-buffers=50 ! avenc_aac ! aacparse ! dvr.audio",
      30.0, &log);
  REQUIRE_FALSE(log.errors.empty());
  CHECK(log.errors[0].find(
            "takes no audio on its audio pad beside an MPEG-TS input") !=
        std::string::npos);
}

TEST_CASE(
    "a live MPEG-TS stream is recorded with wall-clock times of when it arrived",
    "[ts]") {
  // As from an SRT or UDP encoder: a live source, muxed upstream of dvrsink.
  TempDir dir;
  BusLog log;
  const long long before_ms = g_get_real_time() / 1000;
  run_pipeline(
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! mpegtsmux ! dvrsink location=" +
          dir.path + " segment-duration=1 window=0",
      4.0, &log);
  REQUIRE(log.errors.empty());
  CHECK(log.warnings.empty());
  const ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 3);
  for (size_t i = 0; i < pl.segments.size(); i++) {
    INFO("segment " << i);
    const long long pdt =
        parse_program_date_time(pl.segments[i].program_date_time);
    CHECK(pdt >= before_ms - 1000);
    CHECK(pdt <= g_get_real_time() / 1000);
    if (i + 1 < pl.segments.size()) {
      CHECK(pl.segments[i].duration == Approx(1.0).margin(0.11));
      const long long next =
          parse_program_date_time(pl.segments[i + 1].program_date_time);
      CHECK(std::llabs(next - pdt -
                       std::llround(pl.segments[i].duration * 1000)) <= 2);
    }
  }
  require_recorded_as_is(dir, pl, "h264\n");
}
