// dvrsink recording real pipelines: what a person finds in the folder and what a
// player reads from it.
#include <catch2/catch.hpp>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "recording_checks.h"

namespace {

// A live test camera: 320x240 at 30 fps, a keyframe every `gop` frames.
std::string camera(int gop = 15) {
  return "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
         "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" +
         std::to_string(gop) + " ! h264parse name=parse ! ";
}

// The same camera, not live: `frames` frames with the timestamps a live one
// would give them, as fast as they encode. For tests of what the timestamps and
// keyframes make of a recording, not of the wall clock.
std::string recorded_camera(int frames, int gop = 15) {
  return "videotestsrc is-live=false pattern=ball num-buffers=" +
         std::to_string(frames) +
         " ! video/x-raw,width=320,height=240,framerate=30/1 "
         "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" +
         std::to_string(gop) + " ! h264parse name=parse ! ";
}

// A generous limit for a pipeline that ends by itself.
constexpr double kUntilEos = 60.0;

ParsedPlaylist playlist_in(const TempDir &dir) {
  return parse_playlist(read_file(dir.file("live.m3u8")));
}

double total_duration(const ParsedPlaylist &pl) {
  double sum = 0;
  for (const auto &s : pl.segments) sum += s.duration;
  return sum;
}

// Adds `shift` to every timestamp from the first keyframe at or after `from`.
struct TimestampShift {
  GstClockTime from;
  GstClockTimeDiff shift;
  bool discont_only = false;  // mark the buffer DISCONT instead of shifting
  bool started = false;
};

GstPadProbeReturn shift_probe(GstPad *pad, GstPadProbeInfo *info,
                              gpointer data) {
  auto *s = static_cast<TimestampShift *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!s->started) {
    // Encoders offset PTS (x264enc by 1000 hours) and keep running time: compare that.
    GstEvent *ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    if (!ev) return GST_PAD_PROBE_OK;
    const GstSegment *segment;
    gst_event_parse_segment(ev, &segment);
    GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME,
                                                  GST_BUFFER_PTS(buf));
    gst_event_unref(ev);
    if (!GST_CLOCK_TIME_IS_VALID(rt) || rt < s->from ||
        GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT))
      return GST_PAD_PROBE_OK;
    s->started = true;
    if (s->discont_only) {
      buf = gst_buffer_make_writable(buf);
      GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
      GST_PAD_PROBE_INFO_DATA(info) = buf;
      return GST_PAD_PROBE_OK;
    }
  }
  if (s->discont_only) return GST_PAD_PROBE_OK;
  buf = gst_buffer_make_writable(buf);
  GST_BUFFER_PTS(buf) += s->shift;
  if (GST_BUFFER_DTS_IS_VALID(buf)) GST_BUFFER_DTS(buf) += s->shift;
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  return GST_PAD_PROBE_OK;
}

std::function<void(GstElement *)> probe_parser(TimestampShift *shift) {
  return [shift](GstElement *pipeline) {
    GstElement *parse = gst_bin_get_by_name(GST_BIN(pipeline), "parse");
    GstPad *pad = gst_element_get_static_pad(parse, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, shift_probe, shift,
                      nullptr);
    gst_object_unref(pad);
    gst_object_unref(parse);
  };
}

}  // namespace

TEST_CASE(
    "a recording lists complete segments with decimal durations, wall-clock times and rising sequence numbers") {
  TempDir dir;
  BusLog log;
  const long long before_ms = g_get_real_time() / 1000;
  run_pipeline(camera() + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               5.0, &log);
  REQUIRE(log.errors.empty());
  CHECK(log.warnings.empty());

  const std::string text = read_file(dir.file("live.m3u8"));
  ParsedPlaylist pl = parse_playlist(text);
  REQUIRE(pl.segments.size() >= 4);
  CHECK(pl.target_duration == 1);
  CHECK(pl.media_sequence == 0);
  CHECK(pl.endlist);
  // Decimal EXTINF with milliseconds, never whole seconds only.
  const std::regex extinf("#EXTINF:[0-9]+\\.[0-9]{3},");
  CHECK(std::distance(std::sregex_iterator(text.begin(), text.end(), extinf),
                      std::sregex_iterator()) ==
        static_cast<long>(pl.segments.size()));
  // Recorded time is what ran, give or take the encoder's start and the last GOP.
  CHECK(total_duration(pl) == Approx(5.0).margin(1.2));

  for (size_t i = 0; i < pl.segments.size(); i++) {
    const auto &s = pl.segments[i];
    INFO("segment " << i << " " << s.uri);
    CHECK(uri_name(s.uri) == segment_name(static_cast<long long>(i)));
    // In the folder of its UTC day and hour: "2026-12-07/14/".
    CHECK(std::regex_match(s.uri.substr(0, s.uri.rfind('/') + 1),
                           std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9]{2}/")));
    CHECK(s.duration > 0.0);
    CHECK(std::lround(s.duration) <= static_cast<long>(pl.target_duration));
    CHECK_FALSE(s.discontinuity);
    long long pdt = parse_program_date_time(s.program_date_time);
    REQUIRE(pdt > 0);
    CHECK(pdt >= before_ms - 2000);
    CHECK(pdt <= g_get_real_time() / 1000);
    if (i + 1 < pl.segments.size()) {
      // Wall clock and EXTINF agree within a stretch without discontinuity.
      long long next =
          parse_program_date_time(pl.segments[i + 1].program_date_time);
      CHECK(std::llabs(next - pdt - std::llround(s.duration * 1000)) <= 2);
    }
  }
  require_segments_valid(dir, pl);
  require_no_temporaries(dir);

  // The application hears of every segment, with the same facts as the playlist.
  REQUIRE(log.segments_added.size() == pl.segments.size());
  for (size_t i = 0; i < pl.segments.size(); i++) {
    const GstStructure *m = log.segments_added[i];
    guint64 sequence = 0, duration = 0, bytes = 0;
    gint64 wall = 0;
    REQUIRE(gst_structure_get_uint64(m, "sequence", &sequence));
    REQUIRE(gst_structure_get_uint64(m, "duration", &duration));
    REQUIRE(gst_structure_get_uint64(m, "bytes", &bytes));
    REQUIRE(gst_structure_get_int64(m, "wall-clock-start", &wall));
    CHECK(sequence == i);
    CHECK(std::string(gst_structure_get_string(m, "filename")) ==
          pl.segments[i].uri);
    CHECK(std::string(gst_structure_get_string(m, "location")) ==
          dir.file(pl.segments[i].uri));
    CHECK(std::string(gst_structure_get_string(m, "program-date-time")) ==
          pl.segments[i].program_date_time);
    CHECK(static_cast<double>(duration) / GST_SECOND ==
          Approx(pl.segments[i].duration).margin(0.001));
    CHECK(bytes ==
          static_cast<guint64>(read_file(dir.file(pl.segments[i].uri)).size()));
  }
}

TEST_CASE(
    "segments leave the playlist first and the disk only after the grace period",
    "[index]") {
  TempDir dir;
  BusLog log;
  run_pipeline(camera() + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=3 delete-grace=2",
               9.0, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  // About the last 3 s are listed, not the 9 s recorded.
  CHECK(total_duration(pl) <= 5.0);
  CHECK(total_duration(pl) >= 2.0);
  REQUIRE(pl.media_sequence >= 3);
  require_segments_valid(dir, pl);

  // The oldest segments left long ago: gone from disk.
  const std::string hour_folder =
      pl.segments.front().uri.substr(0, pl.segments.front().uri.rfind('/') + 1);
  CHECK_FALSE(file_exists(dir.file(hour_folder + "seg-0000000000.ts")));
  CHECK_FALSE(file_exists(dir.file(hour_folder + "seg-0000000001.ts")));
  // The segment that left last did so less than the grace period ago: still there.
  CHECK(file_exists(segment_path(dir.path, pl.media_sequence - 1)));
}

TEST_CASE(
    "nothing in the folder that is not the recorder's own is ever deleted",
    "[index]") {
  TempDir dir;
  for (const char *name : {"notes.txt", "other.ts", "seg-abc.ts"}) {
    FILE *f = std::fopen(dir.file(name).c_str(), "w");
    std::fputs("mine", f);
    std::fclose(f);
  }
  BusLog log;
  run_pipeline(camera() + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=1 delete-grace=0",
               4.0, &log);
  REQUIRE(log.errors.empty());
  CHECK_FALSE(file_exists(dir.file("seg-0000000000.ts")));
  for (const char *name : {"notes.txt", "other.ts", "seg-abc.ts"}) {
    INFO(name);
    CHECK(read_file(dir.file(name)) == "mine");
  }
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE_FALSE(pl.segments.empty());
  require_segments_valid(dir, pl);
}

TEST_CASE("with endlist off the finished playlist stays open for players",
          "[index]") {
  TempDir dir;
  BusLog log;
  run_pipeline(recorded_camera(75) + "dvrsink location=" + dir.path +
                   " segment-duration=1 endlist=false",
               kUntilEos, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  CHECK(pl.segments.size() >= 2);
  CHECK_FALSE(pl.endlist);
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "keyframes a little less than the segment duration apart cut segments at each keyframe, not every other") {
  // A camera's keyframe interval set to the segment duration arrives with
  // jitter: one keyframe a few frames early must not make a double-length
  // segment (listed a whole segment later).
  TempDir dir;
  BusLog log;
  run_pipeline(recorded_camera(195, 57) + "dvrsink location=" + dir.path +
                   " segment-duration=2 window=0",
               kUntilEos, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 3);
  CHECK(pl.target_duration == 2);
  for (size_t i = 0; i + 1 < pl.segments.size(); i++) {
    INFO("segment " << i << " " << pl.segments[i].uri);
    CHECK(pl.segments[i].duration == Approx(1.9).margin(0.04));
  }
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "a recording resumed in the same folder keeps its history, raises sequence numbers and marks the gap") {
  TempDir dir;
  const std::string desc = camera() + "dvrsink location=" + dir.path +
                           " segment-duration=1 window=0";
  BusLog first;
  run_pipeline(desc, 3.0, &first);
  REQUIRE(first.errors.empty());
  ParsedPlaylist before = playlist_in(dir);
  REQUIRE(before.endlist);
  REQUIRE(before.segments.size() >= 2);

  // The second run need not wait out the clock: 3 s of frames, not live.
  BusLog second;
  run_pipeline(recorded_camera(90) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               kUntilEos, &second);
  REQUIRE(second.errors.empty());
  ParsedPlaylist after = playlist_in(dir);
  REQUIRE(after.segments.size() >= before.segments.size() + 2);
  CHECK(after.media_sequence == 0);
  for (size_t i = 0; i < before.segments.size(); i++) {
    CHECK(after.segments[i].uri == before.segments[i].uri);
    CHECK(after.segments[i].program_date_time ==
          before.segments[i].program_date_time);
  }
  // Exactly one gap, at the first segment of the second run.
  for (size_t i = 0; i < after.segments.size(); i++) {
    INFO("segment " << i);
    CHECK(after.segments[i].discontinuity == (i == before.segments.size()));
  }
  // ENDLIST only at the very end, after the second run finished.
  CHECK(after.endlist);
  CHECK(std::string(read_file(dir.file("live.m3u8"))).find("#EXT-X-ENDLIST") ==
        read_file(dir.file("live.m3u8")).size() -
            std::string("#EXT-X-ENDLIST\n").size());
  require_segments_valid(dir, after);
}

TEST_CASE(
    "a jump in timestamps starts a new segment marked as a discontinuity, without the gap in its duration") {
  TempDir dir;
  BusLog log;
  TimestampShift shift{2 * GST_SECOND, 10 * GST_SECOND};
  run_pipeline(recorded_camera(150) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               kUntilEos, &log, probe_parser(&shift));
  REQUIRE(log.errors.empty());
  REQUIRE(shift.started);
  ParsedPlaylist pl = playlist_in(dir);
  int marked = 0;
  for (const auto &s : pl.segments) {
    marked += s.discontinuity ? 1 : 0;
    CHECK(s.duration <= 1.05);
  }
  CHECK(marked == 1);
  CHECK(total_duration(pl) == Approx(5.0).margin(1.2));
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "timestamps going back start a new segment marked as a discontinuity") {
  TempDir dir;
  BusLog log;
  TimestampShift shift{2 * GST_SECOND, -static_cast<GstClockTimeDiff>(
                                           GST_SECOND + GST_SECOND / 2)};
  run_pipeline(recorded_camera(150) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               kUntilEos, &log, probe_parser(&shift));
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  int marked = 0;
  for (const auto &s : pl.segments) {
    marked += s.discontinuity ? 1 : 0;
    CHECK(s.duration > 0.0);
    CHECK(s.duration <= 1.05);
  }
  CHECK(marked == 1);
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "a DISCONT buffer, as after a camera reconnect, starts a new segment marked as a discontinuity") {
  TempDir dir;
  BusLog log;
  TimestampShift discont{GST_SECOND + GST_SECOND / 2, 0, true};
  run_pipeline(recorded_camera(135) + "dvrsink location=" + dir.path +
                   " segment-duration=2 window=0",
               kUntilEos, &log, probe_parser(&discont));
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  int marked = 0;
  for (const auto &s : pl.segments) marked += s.discontinuity ? 1 : 0;
  CHECK(marked == 1);
  // The segment before the mark was cut short at the discontinuity.
  REQUIRE(pl.segments.size() >= 2);
  CHECK(pl.segments[0].duration < 1.9);
  require_segments_valid(dir, pl);
}

TEST_CASE("GStreamer's hlsdemux plays a recording from start to end") {
  TempDir dir;
  BusLog rec;
  run_pipeline(recorded_camera(120) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               kUntilEos, &rec);
  REQUIRE(rec.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 2);
  require_segments_valid(dir, pl);
  BusLog play;
  guint frames = 0;
  run_pipeline(
      "filesrc location=" + dir.file("live.m3u8") +
          " ! hlsdemux ! tsdemux ! h264parse ! avdec_h264 ! fakesink name=out signal-handoffs=true sync=false",
      60.0, &play, [&frames](GstElement *pipeline) {
        GstElement *out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
        g_signal_connect(out, "handoff",
                         G_CALLBACK(+[](GstElement *, GstBuffer *, GstPad *,
                                        guint *n) { (*n)++; }),
                         &frames);
        gst_object_unref(out);
      });
  REQUIRE(play.errors.empty());
  CHECK(play.eos);
  // Every frame recorded is decoded: 30 fps over the listed duration.
  CHECK(frames == Approx(total_duration(pl) * 30).margin(3));
}

TEST_CASE("a folder that cannot be written is an error that names it") {
  TempDir dir;
  const std::string folder = dir.file("not-a-folder");
  FILE *f = std::fopen(folder.c_str(), "w");
  std::fclose(f);
  BusLog log;
  run_pipeline(camera() + "dvrsink location=" + folder, 2.0, &log);
  REQUIRE_FALSE(log.errors.empty());
  CHECK(log.errors[0].find(folder) != std::string::npos);
}

TEST_CASE(
    "the gst-launch-1.0 line in dvrsink's documentation records until interrupted") {
  // The line is taken from the element's docs, so the docs cannot rot.
  const std::string source = read_file(std::string(g_getenv("DVR_SOURCE_DIR")) +
                                       "/plugins/gstdvrsink.cpp");
  std::smatch m;
  REQUIRE(std::regex_search(
      source, m,
      std::regex(
          "(gst-launch-1.0 -e videotestsrc[^\\n]*location=/tmp/cam1[^\\n]*)")));
  std::string line = m[1];
  TempDir dir;
  line.replace(line.find("/tmp/cam1"), 9, dir.path);
  int status = -1;
  run_command("timeout --foreground --preserve-status -s INT 4 " + line +
                  " >/dev/null 2>&1",
              &status);
  CHECK(status == 0);
  ParsedPlaylist pl = playlist_in(dir);
  CHECK(pl.segments.size() >= 1);
  CHECK(pl.endlist);
  require_segments_valid(dir, pl);
  require_no_temporaries(dir);
}

TEST_CASE(
    "streams real cameras send are recorded into segments that each decode on their own") {
  struct Case {
    const char *name;
    std::string pipeline;  // ends where dvrsink starts
    std::string tail;      // after dvrsink (a second branch)
    std::string codecs;    // ffprobe's codec names, one per line
  };
  // Video alone runs as fast as it encodes, 4 s of frames; with audio beside
  // it both run live, so that neither runs ahead of the other.
  const std::string raw =
      "videotestsrc is-live=false num-buffers=120 pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! ";
  const std::string live =
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! ";
  const Case cases[] = {
      // x265 sends VPS/SPS/PPS once: dvrsink must repeat them for every segment.
      {"H.265 with parameter sets only at the start",
       raw +
           "x265enc key-int-max=15 speed-preset=ultrafast tune=zerolatency ! h265parse ! ",
       "", "hevc\n"},
      // avc: parameter sets only out of band, in the caps' codec_data.
      {"H.264 avc with parameter sets only in the caps",
       raw +
           "x264enc key-int-max=15 tune=zerolatency ! video/x-h264,stream-format=avc ! ",
       "", "h264\n"},
      {"H.264 with B-frames and negative DTS",
       raw +
           "x264enc key-int-max=15 bframes=2 speed-preset=fast ! h264parse ! ",
       "", "h264\n"},
      {"H.264 straight from the encoder, no parser",
       raw + "x264enc key-int-max=15 tune=zerolatency ! ", "", "h264\n"},
      {"H.264 with AAC audio on the audio pad",
       live + "x264enc key-int-max=15 tune=zerolatency ! h264parse ! ",
       " audiotestsrc is-live=true ! avenc_aac ! aacparse ! dvr.audio",
       "aac\nh264\n"},
  };
  for (const Case &c : cases) {
    SECTION(c.name) {
      TempDir dir;
      BusLog log;
      run_pipeline(c.pipeline + "dvrsink name=dvr location=" + dir.path +
                       " segment-duration=1 window=0" + c.tail,
                   c.tail.empty() ? kUntilEos : 4.0, &log);
      REQUIRE(log.errors.empty());
      CHECK(log.warnings.empty());
      ParsedPlaylist pl = playlist_in(dir);
      REQUIRE(pl.segments.size() >= 3);
      for (size_t i = 0; i + 1 < pl.segments.size(); i++) {
        INFO(pl.segments[i].uri);
        CHECK(pl.segments[i].duration == Approx(1.0).margin(0.11));
        CHECK_FALSE(pl.segments[i].discontinuity);
        long long a = parse_program_date_time(pl.segments[i].program_date_time);
        long long b =
            parse_program_date_time(pl.segments[i + 1].program_date_time);
        CHECK(std::llabs(b - a -
                         std::llround(pl.segments[i].duration * 1000)) <= 2);
      }
      require_segments_valid(dir, pl);
      for (const auto &s : pl.segments) {
        int status = 0;
        INFO(s.uri);
        // Each segment alone: the streams a player needs, and a decodable first frame.
        CHECK(
            run_command(
                "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" +
                    dir.file(s.uri) + "' | grep . | sort -u",
                &status) == c.codecs);
        CHECK(run_command("ffmpeg -v error -i '" + dir.file(s.uri) +
                              "' -frames:v 1 -f null - 2>&1",
                          &status)
                  .empty());
        CHECK(status == 0);
      }
    }
  }
}

TEST_CASE(
    "a change of resolution starts a new segment marked as a discontinuity") {
  TempDir dir;
  BusLog log;
  // Not live: after 2 s of frames the source switches its size, as a camera
  // switching its stream profile would, in step with the frames.
  run_pipeline(
      "videotestsrc name=src is-live=false num-buffers=135 pattern=ball ! capsfilter name=size "
      "caps=video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! dvrsink location=" +
          dir.path + " segment-duration=1 window=0",
      kUntilEos, &log, [](GstElement *pipeline) {
        GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
        GstElement *size = gst_bin_get_by_name(GST_BIN(pipeline), "size");
        GstPad *pad = gst_element_get_static_pad(src, "src");
        gst_pad_add_probe(
            pad, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad *, GstPadProbeInfo *info, gpointer data) {
              GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
              if (GST_BUFFER_PTS(buf) != 2 * GST_SECOND)
                return GST_PAD_PROBE_OK;
              g_autoptr(GstCaps) caps = gst_caps_from_string(
                  "video/x-raw,width=640,height=360,framerate=30/1");
              g_object_set(static_cast<GstElement *>(data), "caps", caps,
                           nullptr);
              return GST_PAD_PROBE_OK;
            },
            size,
            [](gpointer data) {
              gst_object_unref(static_cast<GstElement *>(data));
            });
        gst_object_unref(pad);
        gst_object_unref(src);
      });
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  int marked = 0;
  for (const auto &s : pl.segments) marked += s.discontinuity ? 1 : 0;
  CHECK(marked == 1);
  require_segments_valid(dir, pl);
  int status = 0;
  auto width = [&](const std::string &uri) {
    return run_command(
        "ffprobe -v error -show_entries stream=width -of csv=p=0 '" +
            dir.file(uri) + "' | grep . | sort -u",
        &status);
  };
  CHECK(width(pl.segments.front().uri) == "320\n");
  CHECK(width(pl.segments.back().uri) == "640\n");
}

TEST_CASE(
    "consecutive segments join into one transport stream, continuity counters running on") {
  TempDir dir;
  BusLog log;
  run_pipeline(recorded_camera(105) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               kUntilEos, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 3);
  // A demuxer reading segment after segment (hlsdemux, a player) expects each
  // PID's 4-bit counter to go up by one per packet with payload.
  std::string joined;
  for (const auto &s : pl.segments) joined += read_file(dir.file(s.uri));
  REQUIRE(joined.size() % 188 == 0);
  size_t packets = 0, lost_sync = 0;
  const size_t jumps = continuity_jumps(joined, &packets, &lost_sync);
  CHECK(lost_sync == 0);
  CHECK(packets > 300);
  CHECK(jumps == 0);
}

TEST_CASE("audio that stops without a word never stalls the video recording") {
  TempDir dir;
  BusLog log;
  run_pipeline(
      camera() + "dvrsink name=dvr location=" + dir.path +
          " segment-duration=1 window=0 audiotestsrc is-live=true ! avenc_aac ! aacparse "
          "! valve name=mute ! dvr.audio",
      4.5, &log, [](GstElement *pipeline) {
        GstElement *mute = gst_bin_get_by_name(GST_BIN(pipeline), "mute");
        // After 1.5 s the microphone goes silent: no buffers, no GAP, no EOS.
        std::thread([mute]() {
          g_usleep(1500 * 1000);
          g_object_set(mute, "drop", TRUE, nullptr);
          gst_object_unref(mute);
        }).detach();
      });
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  // 4.5 s of video are recorded, not just the 1.5 s that had audio. (When the
  // audio counts as stalled is tested in the core: test_aac.cpp.)
  CHECK(total_duration(pl) >= 3.2);
  require_segments_valid(dir, pl);
  // The hole is filled with silence a decoder takes without complaint.
  for (const auto &s : pl.segments) {
    INFO(s.uri);
    int status = 0;
    CHECK(run_command("ffmpeg -v error -i '" + dir.file(s.uri) +
                          "' -map 0:a -f null - 2>&1",
                      &status)
              .empty());
    CHECK(status == 0);
  }
}

TEST_CASE(
    "audio and video are interleaved by decoding time within every segment") {
  TempDir dir;
  BusLog log;
  run_pipeline(
      camera() + "dvrsink name=dvr location=" + dir.path +
          " segment-duration=1 window=0 audiotestsrc is-live=true ! avenc_aac ! aacparse ! dvr.audio",
      3.5, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 2);
  for (const auto &s : pl.segments) {
    INFO(s.uri);
    int status = 0;
    // Packets in file order: a player reading the file front to back should not
    // find one stream far ahead of the other.
    std::istringstream packets(run_command(
        "ffprobe -v error -show_entries packet=codec_type,dts_time -of csv=p=0 '" +
            dir.file(s.uri) + "'",
        &status));
    std::string line;
    double newest = -1e9, worst = 0;
    std::set<std::string> kinds;
    while (std::getline(packets, line)) {
      const auto comma = line.find(',');
      if (comma == std::string::npos || line.substr(comma + 1) == "N/A")
        continue;
      kinds.insert(line.substr(0, comma));
      const double dts = std::stod(line.substr(comma + 1));
      worst = std::max(worst, newest - dts);
      newest = std::max(newest, dts);
    }
    CHECK(kinds.size() == 2);
    CHECK(worst < 0.6);
  }
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "gst-inspect documents the writer property: lean by default, mpegtsmux as the alternative") {
  int status = -1;
  const std::string out = run_command("gst-inspect-1.0 dvrsink", &status);
  REQUIRE(status == 0);
  const auto at = out.find("  writer ");
  REQUIRE(at != std::string::npos);
  const std::string section =
      out.substr(at, out.find("\n  ", out.find("(1): mpegtsmux", at)) - at);
  CHECK(section.find("Default: 0, \"lean\"") != std::string::npos);
  CHECK(section.find("(0): lean") != std::string::npos);
  CHECK(section.find("(1): mpegtsmux") != std::string::npos);
}

TEST_CASE(
    "the lean writer parses only an unparsed byte-stream; parsed or length-prefixed input goes straight in") {
  struct Case {
    const char *name;
    std::string pipeline;
    bool straight_in;
  };
  const std::string raw =
      "videotestsrc is-live=false num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 ! ";
  const Case cases[] = {
      {"byte-stream from h264parse",
       raw + "x264enc key-int-max=15 tune=zerolatency ! h264parse ! ", true},
      {"avc from the encoder",
       raw +
           "x264enc key-int-max=15 tune=zerolatency ! video/x-h264,stream-format=avc ! ",
       true},
      {"byte-stream from the encoder, unparsed",
       raw +
           "x264enc key-int-max=15 tune=zerolatency ! video/x-h264,stream-format=byte-stream ! ",
       false},
  };
  for (const Case &c : cases) {
    SECTION(c.name) {
      TempDir dir;
      BusLog log;
      std::set<std::string> factories;
      run_pipeline(
          c.pipeline + "dvrsink name=dvr location=" + dir.path +
              " segment-duration=1 window=0",
          kUntilEos, &log, [&factories](GstElement *pipeline) {
            g_signal_connect(
                pipeline, "deep-element-added",
                G_CALLBACK(+[](GstBin *, GstBin *sub, GstElement *e,
                               std::set<std::string> *out) {
                  // Only what dvrsink adds once data flows: its parser.
                  if (std::string(GST_OBJECT_NAME(sub)) == "dvr")
                    out->insert(GST_OBJECT_NAME(gst_element_get_factory(e)));
                }),
                &factories);
          });
      REQUIRE(log.errors.empty());
      const ParsedPlaylist pl = playlist_in(dir);
      CHECK(pl.segments.size() >= 1);
      require_segments_valid(dir, pl);
      const bool lean =
          test_writer() == nullptr || std::string(test_writer()) == "lean";
      CHECK(factories.count("h264parse") == (lean && c.straight_in ? 0u : 1u));
    }
  }
}

TEST_CASE(
    "keyframes further apart than the segment duration give longer segments, each starting on a keyframe") {
  TempDir dir;
  BusLog log;
  // A keyframe every 3 s against 1 s segments, as a camera with a long I-frame interval sends.
  run_pipeline(recorded_camera(300, 90) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=0",
               kUntilEos, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(pl.segments.size() >= 3);
  CHECK(pl.target_duration >= 3);
  for (size_t i = 0; i < pl.segments.size(); i++) {
    const auto &s = pl.segments[i];
    INFO("segment " << i << " " << s.uri << " EXTINF " << s.duration);
    if (i + 1 < pl.segments.size())
      CHECK(s.duration == Approx(3.0).margin(0.04));
    CHECK(std::lround(s.duration) <= static_cast<long>(pl.target_duration));
    CHECK_FALSE(s.discontinuity);
    // What the file holds is what the playlist says, from one keyframe to the next.
    const ProbedVideo v = probe_video(dir.file(s.uri));
    CHECK(v.starts_with_keyframe);
    CHECK(v.duration == Approx(s.duration).margin(0.04));
  }
  require_segments_valid(dir, pl);
}

TEST_CASE(
    "at EOS the last, short segment is finished and listed, ending at the last frame") {
  TempDir dir;
  BusLog log;
  // 100 frames at 30 fps: three whole 1 s segments and a third of one.
  run_pipeline(
      "videotestsrc is-live=false pattern=ball num-buffers=100 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! dvrsink location=" +
          dir.path + " segment-duration=1 window=0",
      30.0, &log);
  REQUIRE(log.errors.empty());
  CHECK(log.eos);
  ParsedPlaylist pl = playlist_in(dir);
  CHECK(pl.endlist);
  REQUIRE(pl.segments.size() == 4);
  // Every frame pushed is listed: EXTINF sums to the media, to the rounding of four values.
  CHECK(total_duration(pl) == Approx(100.0 / 30).margin(0.003));
  CHECK(pl.segments.back().duration == Approx(10.0 / 30).margin(0.001));
  size_t frames = 0;
  for (const auto &s : pl.segments) {
    INFO(s.uri << " EXTINF " << s.duration);
    const ProbedVideo v = probe_video(dir.file(s.uri));
    frames += v.frames;
    CHECK(v.starts_with_keyframe);
    CHECK(v.duration == Approx(s.duration).margin(0.002));
  }
  CHECK(frames == 100);
  CHECK(log.segments_added.size() == pl.segments.size());
  require_segments_valid(dir, pl);
  require_no_temporaries(dir);
}

namespace {

// A camera switching codec right after a keyframe of the old one: the old
// stream's last buffer is a keyframe at or after `at`, the new one begins with
// its next keyframe.
struct CodecSwitch {
  GstElement *selector;
  GstClockTime at;
  std::atomic<bool> old_ended{false};
  std::atomic<bool> done{false};
};

GstClockTime buffer_running_time(GstPad *pad, GstBuffer *buf) {
  GstEvent *ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  if (!ev) return GST_CLOCK_TIME_NONE;
  const GstSegment *segment;
  gst_event_parse_segment(ev, &segment);
  const GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME,
                                                      GST_BUFFER_PTS(buf));
  gst_event_unref(ev);
  return rt;
}

GstPadProbeReturn end_old_codec_at_keyframe(GstPad *pad, GstPadProbeInfo *info,
                                            gpointer data) {
  auto *sw = static_cast<CodecSwitch *>(data);
  if (sw->old_ended) return GST_PAD_PROBE_DROP;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  const GstClockTime rt = buffer_running_time(pad, buf);
  if (!GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT) &&
      GST_CLOCK_TIME_IS_VALID(rt) && rt >= sw->at)
    sw->old_ended = true;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn start_new_codec_at_keyframe(GstPad *pad,
                                              GstPadProbeInfo *info,
                                              gpointer data) {
  auto *sw = static_cast<CodecSwitch *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (sw->done || !sw->old_ended ||
      GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_OK;
  sw->done = true;
  g_object_set(sw->selector, "active-pad", pad, nullptr);
  return GST_PAD_PROBE_OK;
}

std::string codecs_in(const std::string &file) {
  int status = 0;
  return run_command(
      "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + file +
          "' | grep . | sort -u",
      &status);
}

}  // namespace

TEST_CASE(
    "a change of codec from H.264 to H.265 starts a new segment marked as a discontinuity") {
  TempDir dir;
  BusLog log;
  const std::string raw = "video/x-raw,width=320,height=240,framerate=30/1 ! ";
  // Keyframes every 0.5 s, then every 0.67 s.
  CodecSwitch sw{nullptr, 2200 * GST_MSECOND};
  run_pipeline(
      "input-selector name=sel sync-streams=false ! dvrsink location=" +
          dir.path +
          " segment-duration=1 window=0 "
          "videotestsrc is-live=true pattern=ball ! " +
          raw +
          "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! sel.sink_0 "
          "videotestsrc is-live=true pattern=ball ! " +
          raw +
          "x265enc key-int-max=20 speed-preset=ultrafast tune=zerolatency ! h265parse config-interval=-1 ! sel.sink_1",
      5.0, &log, [&sw](GstElement *pipeline) {
        sw.selector = gst_bin_get_by_name(GST_BIN(pipeline), "sel");
        GstPad *h264 = gst_element_get_static_pad(sw.selector, "sink_0");
        GstPad *h265 = gst_element_get_static_pad(sw.selector, "sink_1");
        g_object_set(sw.selector, "active-pad", h264, nullptr);
        gst_pad_add_probe(h264, GST_PAD_PROBE_TYPE_BUFFER,
                          end_old_codec_at_keyframe, &sw, nullptr);
        gst_pad_add_probe(h265, GST_PAD_PROBE_TYPE_BUFFER,
                          start_new_codec_at_keyframe, &sw, nullptr);
        gst_object_unref(h264);
        gst_object_unref(h265);
        gst_object_unref(sw.selector);
      });
  INFO((log.errors.empty() ? std::string() : log.errors[0]));
  REQUIRE(sw.done);
  INFO(read_file(dir.file("live.m3u8")));
  ParsedPlaylist pl = playlist_in(dir);
  REQUIRE(log.errors.empty());
  CHECK(log.warnings.empty());
  REQUIRE(pl.segments.size() >= 3);
  require_segments_valid(dir, pl);
  // H.264 segments, then H.265 ones, never both in one file; the mark at the first H.265 segment.
  std::vector<std::string> codecs;
  for (const auto &s : pl.segments)
    codecs.push_back(codecs_in(dir.file(s.uri)));
  const size_t first_hevc = static_cast<size_t>(
      std::find(codecs.begin(), codecs.end(), "hevc\n") - codecs.begin());
  CHECK(first_hevc >= 1);
  CHECK(first_hevc < pl.segments.size());
  for (size_t i = 0; i < pl.segments.size(); i++) {
    const auto &s = pl.segments[i];
    INFO("segment " << i << " " << s.uri);
    CHECK(codecs[i] == (i < first_hevc ? "h264\n" : "hevc\n"));
    CHECK(s.discontinuity == (i == first_hevc));
    CHECK(probe_video(dir.file(s.uri)).starts_with_keyframe);
  }
}

TEST_CASE(
    "a recording folder removed while recording is an error naming the folder") {
  TempDir dir;
  const std::string folder = dir.file("cam");
  BusLog log;
  std::thread remover;
  const gint64 started = g_get_monotonic_time();
  run_pipeline(
      camera() + "dvrsink location=" + folder + " segment-duration=1 window=0",
      8.0, &log, [&remover, folder](GstElement *) {
        remover = std::thread([folder]() {
          g_usleep(2 * G_USEC_PER_SEC);
          int status = -1;
          run_command("rm -rf '" + folder + "'", &status);
        });
      });
  remover.join();
  INFO("warnings: " << log.warnings.size());
  REQUIRE_FALSE(log.errors.empty());
  CHECK(log.errors[0].find(folder) != std::string::npos);
  // Said soon after, not at the end of the run or after a hang.
  CHECK(g_get_monotonic_time() - started < 6 * G_USEC_PER_SEC);
  CHECK_FALSE(file_exists(folder));
}
