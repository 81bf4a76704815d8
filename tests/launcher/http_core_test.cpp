// The parts of the HTTP server that decide what a client gets: byte ranges
// and the JSON of /api/cameras, conditional requests.
#include <catch2/catch.hpp>

#include "http/byte_range.h"
#include "http/camera_status.h"
#include "http/conditional.h"

using namespace dvr;
using Kind = ByteRange::Kind;

TEST_CASE("a single byte range is answered with exactly those bytes",
          "[range]") {
  auto r = parse_byte_range("bytes=0-99", 1000);
  CHECK(r.kind == Kind::Partial);
  CHECK(r.first == 0);
  CHECK(r.last == 99);
  CHECK(r.length() == 100);
  r = parse_byte_range("bytes=900-", 1000);
  CHECK((r.kind == Kind::Partial && r.first == 900 && r.last == 999));
  r = parse_byte_range("bytes=-10", 1000);
  CHECK((r.kind == Kind::Partial && r.first == 990 && r.last == 999));
  r = parse_byte_range("bytes=-5000", 1000);
  CHECK((r.kind == Kind::Partial && r.first == 0 && r.last == 999));
  r = parse_byte_range("bytes=500-5000", 1000);
  CHECK((r.kind == Kind::Partial && r.first == 500 && r.last == 999));
}

TEST_CASE("a range beyond the end is unsatisfiable", "[range]") {
  CHECK(parse_byte_range("bytes=1000-", 1000).kind == Kind::Unsatisfiable);
  CHECK(parse_byte_range("bytes=5000-6000", 1000).kind == Kind::Unsatisfiable);
  CHECK(parse_byte_range("bytes=-0", 1000).kind == Kind::Unsatisfiable);
  CHECK(parse_byte_range("bytes=0-", 0).kind == Kind::Unsatisfiable);
}

TEST_CASE("ranges the server does not answer give the whole file", "[range]") {
  CHECK(parse_byte_range(nullptr, 10).kind == Kind::Whole);
  CHECK(parse_byte_range("bytes=0-1,5-6", 10).kind == Kind::Whole);
  CHECK(parse_byte_range("items=0-1", 10).kind == Kind::Whole);
  CHECK(parse_byte_range("bytes=5-1", 10).kind == Kind::Whole);
  CHECK(parse_byte_range("bytes=a-b", 10).kind == Kind::Whole);
  CHECK(parse_byte_range("bytes=+1-2", 10).kind == Kind::Whole);
  CHECK(parse_byte_range("bytes=-", 10).kind == Kind::Whole);
  CHECK(parse_byte_range("bytes=99999999999999999999999-", 10).kind ==
        Kind::Whole);
}

TEST_CASE("the camera API escapes strings and writes null for what is unknown",
          "[json]") {
  CameraStatus c;
  c.name = "cam1";
  c.state = "error";
  c.error = "src: \"quoted\" back\\slash\nnew line\x01";
  c.window = 120;
  c.segment_duration = 2;
  c.segments = 7;
  c.last_segment_at = 1700000000123456;
  c.reconnects = 3;
  CameraStatus d;
  d.name = "cam2";
  d.state = "starting";
  const std::string json = cameras_json({c, d});
  CHECK_THAT(
      json,
      Catch::Contains(
          "\"error\": \"src: \\\"quoted\\\" back\\\\slash\\nnew line\\u0001\""));
  CHECK_THAT(json, Catch::Contains("\"playlist\": \"/hls/cam1/live.m3u8\""));
  CHECK_THAT(json, Catch::Contains(
                       "\"last_segment_at\": \"2023-11-14T22:13:20.123Z\""));
  CHECK_THAT(json, Catch::Contains("\"segments\": 7"));
  CHECK_THAT(json, Catch::Contains("\"reconnects\": 3"));
  CHECK_THAT(
      json,
      Catch::Contains(
          "{\"name\": \"cam2\", \"state\": \"starting\", \"error\": null"));
  CHECK_THAT(json, Catch::Contains("\"last_segment_at\": null"));
  CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(json_string("bad \xff byte").find('\xff') == std::string::npos);
  CHECK(cameras_json({}) == "[]\n");
}

TEST_CASE(
    "the camera API shows bitrate, source, the recorded paths and codec while recording, null otherwise",
    "[json]") {
  CameraStatus c;
  c.name = "door";
  c.source = "rtsp";
  c.state = "recording";
  c.bitrate = 4123456;
  c.video_path = "dvrrtspsrc ! dvrsink";
  c.codec = "h265";
  CameraStatus d;
  d.name = "yard";
  d.source = "test";
  d.state = "unauthorized";
  const std::string json = cameras_json({c, d});
  CHECK_THAT(json, Catch::Contains("\"source\": \"rtsp\""));
  CHECK_THAT(
      json,
      Catch::Contains(
          "\"bitrate\": 4123456, \"video_path\": \"dvrrtspsrc ! dvrsink\", "
          "\"codec\": \"h265\", \"audio_path\": null, "));
  CHECK_THAT(json, Catch::Contains("\"state\": \"unauthorized\""));
  CHECK_THAT(
      json,
      Catch::Contains(
          "\"bitrate\": null, \"video_path\": null, \"codec\": null, \"audio_path\": null, "));
}

TEST_CASE(
    "the camera API gives the recorded range and its gaps, null and empty when nothing is recorded",
    "[json]") {
  CameraStatus c;
  c.name = "door";
  c.window = 7200;
  c.retention = 604800;
  c.archive = WallClockSpan{1699900000000000, 1700000060500000};
  c.recorded = WallClockSpan{1700000000000000, 1700000060500000};
  c.gaps = {{1700000010000000, 1700000012345000},
            {1700000020000000, 1700000021000000}};
  CameraStatus d;
  d.name = "yard";
  const std::string json = cameras_json({c, d});
  CHECK_THAT(
      json,
      Catch::Contains(
          "\"range\": {\"start\": \"2023-11-14T22:13:20.000Z\", "
          "\"end\": \"2023-11-14T22:14:20.500Z\"}, \"gaps\": ["
          "{\"start\": \"2023-11-14T22:13:30.000Z\", \"end\": \"2023-11-14T22:13:32.345Z\"}, "
          "{\"start\": \"2023-11-14T22:13:40.000Z\", \"end\": \"2023-11-14T22:13:41.000Z\"}], "
          "\"archive\": {\"start\": \"2023-11-13T18:26:40.000Z\", \"end\": \"2023-11-14T22:14:20.500Z\"}"));
  CHECK_THAT(json,
             Catch::Contains("\"window\": 7200, \"retention\": 604800, "));
  CHECK_THAT(json, Catch::Contains(
                       "\"range\": null, \"gaps\": [], \"archive\": null"));
}

TEST_CASE(
    "a matching validator makes a 304; a changed file makes a Range fall back to the whole",
    "[conditional]") {
  const Validators v = validators_for(0x1234, 1000, 1700000000123456789);
  CHECK(v.etag == "\"1234-3e8-17979cfe3d85cd15\"");
  CHECK(v.mtime_s == 1700000000);
  CHECK(is_not_modified(v.etag.c_str(), std::nullopt, v));
  CHECK(is_not_modified(("\"a\", W/" + v.etag).c_str(), std::nullopt, v));
  CHECK(is_not_modified("*", std::nullopt, v));
  CHECK_FALSE(is_not_modified("\"a\"", std::nullopt, v));
  CHECK_FALSE(is_not_modified("\"a\"", 1700000000, v));  // If-None-Match wins
  CHECK(is_not_modified(nullptr, 1700000000, v));
  CHECK_FALSE(is_not_modified(nullptr, 1699999999, v));
  CHECK_FALSE(is_not_modified(nullptr, std::nullopt, v));

  CHECK(range_still_valid(nullptr, std::nullopt, v));
  CHECK(range_still_valid(v.etag.c_str(), std::nullopt, v));
  CHECK_FALSE(range_still_valid(("W/" + v.etag).c_str(), std::nullopt, v));
  CHECK_FALSE(range_still_valid("\"old\"", std::nullopt, v));
  CHECK(range_still_valid("Tue, 14 Nov 2023 22:13:20 GMT", 1700000000, v));
  CHECK_FALSE(
      range_still_valid("Tue, 14 Nov 2023 22:13:19 GMT", 1699999999, v));
  CHECK_FALSE(range_still_valid("garbage", std::nullopt, v));
}
