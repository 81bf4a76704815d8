// What the API and /metrics say about a camera's disk.
#include <catch2/catch.hpp>

#include "http/camera_status.h"
#include "http/metrics.h"

using dvr::CameraStatus;

namespace {

CameraStatus full_camera() {
  CameraStatus c;
  c.name = "door";
  c.state = "recording";
  c.window = 600;
  c.recorded = dvr::WallClockSpan{1700000000000000, 1700000013250000};
  c.storage.state = "full";
  c.storage.free_bytes = 123456;
  c.storage.filesystem = "/srv/dvr \"disk\"";
  c.storage.full_since = 1700000010000000;
  c.storage.dropped = {{"reclaimed", 12},
                       {"no-space", 1},
                       {"read-only", 0},
                       {"folder-missing", 0},
                       {"io-error", 0}};
  return c;
}

}  // namespace

TEST_CASE(
    "the API's storage object: state, free bytes, retention held against configured, drops by reason",
    "[storage]") {
  CameraStatus quiet;
  quiet.name = "yard";
  quiet.window = 120;
  const std::string json = dvr::cameras_json({full_camera(), quiet});
  CHECK_THAT(
      json,
      Catch::Contains(
          "\"storage\": {\"state\": \"full\", \"free_bytes\": 123456, "
          "\"full_since\": \"2023-11-14T22:13:30.000Z\", \"retention_held\": 13.250, "
          "\"retention_configured\": 600, \"dropped\": {\"reclaimed\": 12, \"no-space\": 1, "
          "\"read-only\": 0, \"folder-missing\": 0, \"io-error\": 0}}}"));
  // Nothing known: zeros and nulls, never a missing field.
  CHECK_THAT(
      json,
      Catch::Contains(
          "\"storage\": {\"state\": \"ok\", \"free_bytes\": null, \"full_since\": null, "
          "\"retention_held\": 0, \"retention_configured\": 120, \"dropped\": {\"reclaimed\": 0, "
          "\"no-space\": 0, \"read-only\": 0, \"folder-missing\": 0, \"io-error\": 0}}}"));
}

TEST_CASE(
    "metrics: free bytes per filesystem, retention held, drops by reason, storage state",
    "[storage][metrics]") {
  CameraStatus a = full_camera();
  CameraStatus b = full_camera();
  b.name = "yard";
  const std::string text = dvr::render_metrics({a, b}, {}, 1700000020000000);
  // One sample per filesystem, however many cameras it holds; the path escaped.
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_storage_free_bytes{filesystem=\"/srv/dvr \\\"disk\\\"\"} 123456\n# "));
  CHECK_THAT(text, Catch::Contains(
                       "dvr_camera_retained_seconds{camera=\"door\"} 13.25\n"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_camera_segments_dropped_total{camera=\"door\",reason=\"reclaimed\"} 12\n"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_camera_segments_dropped_total{camera=\"door\",reason=\"no-space\"} 1\n"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_camera_segments_dropped_total{camera=\"yard\",reason=\"io-error\"} 0\n"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_camera_storage_state{camera=\"door\",state=\"full\"} 1\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "dvr_camera_storage_state{camera=\"door\",state=\"ok\"} 0\n"));
}
