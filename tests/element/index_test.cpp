// dvrindex on its own, the index API applications use, and the wall clock.
#include <catch2/catch.hpp>
#include <gst/gst.h>

#include <cmath>
#include <regex>

#include "recording_checks.h"

namespace {

const char *kCamera =
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse name=parse ! ";

std::string source_dir() { return g_getenv("DVR_SOURCE_DIR"); }

// Adds a reference timestamp (the camera's NTP clock, as rtspsrc does) that runs
// `offset_ms` ahead of this machine's clock.
GstPadProbeReturn add_camera_clock(GstPad *, GstPadProbeInfo *info,
                                   gpointer data) {
  const gint64 offset_ms = *static_cast<gint64 *>(data);
  GST_PAD_PROBE_INFO_DATA(info) = with_camera_clock(
      GST_PAD_PROBE_INFO_BUFFER(info), g_get_real_time() + offset_ms * 1000);
  return GST_PAD_PROBE_OK;
}

long long first_pdt_offset_ms(gint64 offset_ms) {
  TempDir dir;
  BusLog log;
  const long long before = g_get_real_time() / 1000;
  run_pipeline(std::string(kCamera) + "dvrsink location=" + dir.path +
                   " segment-duration=1 wall-clock=camera clock-tolerance=2000",
               2.5, &log, [&offset_ms](GstElement *pipeline) {
                 GstElement *parse =
                     gst_bin_get_by_name(GST_BIN(pipeline), "parse");
                 GstPad *pad = gst_element_get_static_pad(parse, "src");
                 gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER,
                                   add_camera_clock, &offset_ms, nullptr);
                 gst_object_unref(pad);
                 gst_object_unref(parse);
               });
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE_FALSE(pl.segments.empty());
  return parse_program_date_time(pl.segments[0].program_date_time) - before;
}

}  // namespace

TEST_CASE(
    "dvrindex ahead of mpegtsmux and multifilesink, as its docs show, records a valid sliding window",
    "[index]") {
  const std::string source =
      read_file(source_dir() + "/plugins/gstdvrindex.cpp");
  std::smatch m;
  REQUIRE(std::regex_search(
      source, m,
      std::regex(
          "gst-launch-1.0 -e (videotestsrc[^\\n]*dvrindex location=/tmp/cam2[^\\n]*)")));
  std::string line = m[1];
  TempDir dir;
  line = std::regex_replace(line, std::regex("/tmp/cam2"), dir.path);
  line = std::regex_replace(
      line, std::regex("dvrindex "),
      "dvrindex segment-duration=1 window=3 delete-grace=1 ");
  BusLog log;
  run_pipeline(line, 8.0, &log);
  REQUIRE(log.errors.empty());
  ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE(pl.segments.size() >= 2);
  CHECK(pl.media_sequence >= 3);  // older ones left the window
  CHECK(pl.endlist);
  CHECK_FALSE(file_exists(dir.file("seg-0000000000.ts")));
  for (size_t i = 0; i < pl.segments.size(); i++) {
    INFO(pl.segments[i].uri);
    // Cut at the first keyframe at or after the target duration.
    if (i + 1 < pl.segments.size()) CHECK(pl.segments[i].duration >= 0.999);
    CHECK(std::lround(pl.segments[i].duration) <=
          static_cast<long>(pl.target_duration));
    int status = 0;
    CHECK(run_command(
              "ffprobe -v error '" + dir.file(pl.segments[i].uri) + "' 2>&1",
              &status)
              .empty());
    CHECK(run_command("ffmpeg -v error -i '" + dir.file(pl.segments[i].uri) +
                          "' -frames:v 1 -f null - 2>&1",
                      &status)
              .empty());
  }
  require_no_temporaries(dir);
  CHECK(log.segments_added.size() >= pl.segments.size());
}

TEST_CASE(
    "dvrindex on its own without the writer's file pattern says what it needs",
    "[index]") {
  TempDir dir;
  BusLog log;
  run_pipeline(std::string(kCamera) + "dvrindex location=" + dir.path +
                   " ! mpegtsmux ! fakesink",
               1.0, &log);
  REQUIRE_FALSE(log.errors.empty());
  CHECK(log.errors[0].find("writer-location") != std::string::npos);
}

TEST_CASE(
    "an application lists the segments and gets a playlist for a wall-clock range",
    "[index]") {
  TempDir dir;
  BusLog log;
  run_pipeline(std::string(kCamera) + "dvrsink location=" + dir.path +
                   " segment-duration=1",
               4.0, &log);
  REQUIRE(log.errors.empty());
  // The index closes with the pipeline; an application (or a viewer process)
  // reads a recording by opening its folder in an element of its own.
  GstElement *index = gst_element_factory_make("dvrsink", nullptr);
  g_object_set(index, "location", dir.path.c_str(), "window", 0u, nullptr);
  REQUIRE(gst_element_set_state(index, GST_STATE_PAUSED) !=
          GST_STATE_CHANGE_FAILURE);

  GstStructure *list = nullptr;
  g_signal_emit_by_name(index, "get-segments", &list);
  REQUIRE(list);
  const GValue *segments = gst_structure_get_value(list, "segments");
  ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  REQUIRE(gst_value_array_get_size(segments) == pl.segments.size());
  std::vector<gint64> starts;
  for (guint i = 0; i < gst_value_array_get_size(segments); i++) {
    const GstStructure *seg =
        gst_value_get_structure(gst_value_array_get_value(segments, i));
    CHECK(std::string(gst_structure_get_string(seg, "filename")) ==
          pl.segments[i].uri);
    gint64 start = 0;
    gst_structure_get_int64(seg, "wall-clock-start", &start);
    starts.push_back(start);
  }
  gst_structure_free(list);
  REQUIRE(starts.size() >= 3);

  // A range from inside the second segment to inside the third lists exactly those.
  gchar *text = nullptr;
  g_signal_emit_by_name(index, "render-playlist", starts[1] + 100000,
                        starts[2] + 100000, &text);
  REQUIRE(text);
  ParsedPlaylist range = parse_playlist(text);
  g_free(text);
  CHECK(range.endlist);
  REQUIRE(range.segments.size() == 2);
  CHECK(range.segments[0].uri == pl.segments[1].uri);
  CHECK(range.segments[1].uri == pl.segments[2].uri);
  CHECK(range.media_sequence == 1);

  // Nothing recorded then: no playlist.
  g_signal_emit_by_name(index, "render-playlist",
                        starts[0] - 3600 * G_GINT64_CONSTANT(1000000),
                        starts[0] - 1800 * G_GINT64_CONSTANT(1000000), &text);
  CHECK(text == nullptr);
  gst_element_set_state(index, GST_STATE_NULL);
  gst_object_unref(index);
}

TEST_CASE(
    "the embedding example prints every finished segment and a playlist of the recording",
    "[index]") {
  TempDir dir;
  int status = -1;
  const std::string out = run_command(
      std::string(g_getenv("DVR_EXAMPLE")) + " " + dir.path + " 3 2>&1",
      &status);
  INFO(out);
  CHECK(status == 0);
  std::regex line(
      "segment [0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9]{2}/seg-[0-9]{10}\\.ts start [0-9T:.-]+Z duration [0-9]+\\.[0-9]{3} s");
  CHECK(std::distance(std::sregex_iterator(out.begin(), out.end(), line),
                      std::sregex_iterator()) >= 3);
  CHECK(out.find("#EXT-X-ENDLIST") != std::string::npos);
  CHECK(out.find("#EXT-X-PLAYLIST-TYPE:VOD") != std::string::npos);
}

TEST_CASE(
    "the camera's clock is used for PROGRAM-DATE-TIME only while it agrees with the local clock",
    "[index]") {
  // One second ahead: within the tolerance, so the camera's time is shown.
  CHECK(first_pdt_offset_ms(1000) == Approx(1000).margin(400));
  // A minute ahead (a camera with a wrong clock): the local clock is used.
  CHECK(first_pdt_offset_ms(60000) == Approx(0).margin(400));
}

TEST_CASE(
    "with a retention longer than the window, what leaves the live playlist stays on disk",
    "[index]") {
  TempDir dir;
  BusLog log;
  run_pipeline(std::string(kCamera) + "dvrsink location=" + dir.path +
                   " segment-duration=1 window=2 retention=600",
               6.0, &log);
  REQUIRE(log.errors.empty());
  const ParsedPlaylist pl = parse_playlist(read_file(dir.file("live.m3u8")));
  CHECK(pl.segments.size() <= 4);
  REQUIRE(log.segments_added.size() >= 5);
  // Every segment ever written is still there, the first one included.
  for (GstStructure *s : log.segments_added) {
    const std::string file = gst_structure_get_string(s, "location");
    INFO(file);
    CHECK(file_exists(file));
  }
  CHECK(file_exists(dir.file(std::string(
      gst_structure_get_string(log.segments_added.front(), "filename")))));
  // And its hour journal lists it for the archive.
  const std::string first =
      gst_structure_get_string(log.segments_added.front(), "filename");
  CHECK(read_file(
            dir.file(first.substr(0, first.rfind('/') + 1) + "index.journal"))
            .find(first) != std::string::npos);
}

TEST_CASE("a window longer than the retention is an error naming both",
          "[index]") {
  TempDir dir;
  BusLog log;
  run_pipeline(std::string(kCamera) + "dvrsink location=" + dir.path +
                   " window=7200 retention=3600",
               3.0, &log);
  REQUIRE_FALSE(log.errors.empty());
  CHECK(log.errors[0].find("window") != std::string::npos);
  CHECK(log.errors[0].find("retention") != std::string::npos);
}
