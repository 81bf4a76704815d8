// The Dahua URL forms that dvr-mock-camera maps to its mount points.

#include <catch2/catch.hpp>

#include "dahua_path.h"

using mockcam::parse_dahua_path;

TEST_CASE("DESCRIBE URL", "[mock-camera]") {
  auto p = parse_dahua_path("/cam/realmonitor", "channel=2&subtype=1");
  REQUIRE(p);
  CHECK(p->channel == 2);
  CHECK(p->subtype == 1);
  CHECK(p->control.empty());
  CHECK(mockcam::dahua_mount_path(2, 1) ==
        "/cam/realmonitor?channel=2&subtype=1");
}

TEST_CASE("extra parameters are ignored, order does not matter",
          "[mock-camera]") {
  auto p = parse_dahua_path("/cam/realmonitor",
                            "unicast=true&subtype=0&proto=Onvif&channel=3");
  REQUIRE(p);
  CHECK(p->channel == 3);
  CHECK(p->subtype == 0);
}

TEST_CASE("control appended after the query (content base + control)",
          "[mock-camera]") {
  auto p =
      parse_dahua_path("/cam/realmonitor", "channel=1&subtype=0/trackID=1");
  REQUIRE(p);
  CHECK(p->channel == 1);
  CHECK(p->subtype == 0);
  CHECK(p->control == "trackID=1");
  CHECK(mockcam::dahua_request_path(1, 0, p->control) ==
        "/cam/realmonitor?channel=1&subtype=0/trackID=1");
}

TEST_CASE("aggregate URL with a trailing slash", "[mock-camera]") {
  auto p = parse_dahua_path("/cam/realmonitor", "channel=1&subtype=0/");
  REQUIRE(p);
  CHECK(p->control.empty());
}

TEST_CASE("control before the query", "[mock-camera]") {
  auto p =
      parse_dahua_path("/cam/realmonitor/trackID=0", "channel=1&subtype=1");
  REQUIRE(p);
  CHECK(p->subtype == 1);
  CHECK(p->control == "trackID=0");
}

TEST_CASE("RFC 3986 resolution lost the query", "[mock-camera]") {
  auto p = parse_dahua_path("/cam/trackID=0", "");
  REQUIRE(p);
  CHECK(!p->channel);
  CHECK(!p->subtype);
  CHECK(p->control == "trackID=0");
}

TEST_CASE("bad numbers match no mount point", "[mock-camera]") {
  auto p = parse_dahua_path("/cam/realmonitor", "channel=x&subtype=0");
  REQUIRE(p);
  CHECK(p->channel == -1);
}

TEST_CASE("other paths are not Dahua paths", "[mock-camera]") {
  CHECK(!parse_dahua_path("/", ""));
  CHECK(!parse_dahua_path("/live/ch1", ""));
  CHECK(!parse_dahua_path("/cam/a/b", ""));
  CHECK(!parse_dahua_path("/cam/", ""));
}
