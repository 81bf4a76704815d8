// The mock camera's control forms: what DESCRIBE says in each, and that the
// URLs a client derives from them lead back to the stream.
#include <catch2/catch.hpp>

#include "control_form.h"

using namespace mockcam;

TEST_CASE(
    "each control form names its base, session control, media controls and aggregate URL",
    "[mock][form]") {
  const std::string h = "127.0.0.1:8554";
  CHECK(form_content_base(ControlForm::Dahua, h, 1, 0) ==
        "rtsp://127.0.0.1:8554/cam/realmonitor?channel=1&subtype=0/");
  CHECK(form_session_control(ControlForm::Dahua, h, 1, 0) == "*");
  CHECK(form_aggregate_url(ControlForm::Dahua, h, 1, 0).empty());

  CHECK(form_content_base(ControlForm::ContentBase, h, 2, 1) ==
        "rtsp://127.0.0.1:8554/live/ch2sub1/");
  CHECK(form_session_control(ControlForm::ContentBase, h, 2, 1).empty());
  CHECK(form_media_control(ControlForm::ContentBase, h, 2, 1, 1) ==
        "trackID=1");
  CHECK(form_aggregate_url(ControlForm::ContentBase, h, 2, 1) ==
        "rtsp://127.0.0.1:8554/live/ch2sub1/");

  CHECK(form_session_control(ControlForm::Session, h, 1, 0) == "session");
  CHECK(form_aggregate_url(ControlForm::Session, h, 1, 0) ==
        "rtsp://127.0.0.1:8554/cam/realmonitor?channel=1&subtype=0/session");

  CHECK(form_content_base(ControlForm::Absolute, h, 1, 0).empty());
  CHECK(form_media_control(ControlForm::Absolute, h, 1, 0, 0) ==
        "rtsp://127.0.0.1:8554/abs/ch1sub0/track0");
  CHECK(form_aggregate_url(ControlForm::Absolute, h, 1, 0) ==
        "rtsp://127.0.0.1:8554/abs/ch1sub0");

  ControlForm f;
  CHECK(parse_control_form("session", &f));
  CHECK(f == ControlForm::Session);
  CHECK_FALSE(parse_control_form("relative", &f));
}

TEST_CASE(
    "the paths of the other forms lead back to the channel, subtype and track",
    "[mock][form]") {
  auto live = parse_form_path("/live/ch2sub1/trackID=1");
  REQUIRE(live);
  CHECK(*live->channel == 2);
  CHECK(*live->subtype == 1);
  CHECK(live->control == "trackID=1");
  auto aggregate = parse_form_path("/live/ch1sub0/");
  REQUIRE(aggregate);
  CHECK(aggregate->control.empty());
  auto abs = parse_form_path("/abs/ch1sub0/track0");
  REQUIRE(abs);
  CHECK(abs->control == "trackID=0");
  REQUIRE(parse_form_path("/abs/ch1sub0"));
  CHECK_FALSE(parse_form_path("/live/ch1sub2/"));
  CHECK_FALSE(parse_form_path("/live/ch1sub0/other"));
  CHECK_FALSE(parse_form_path("/cam/realmonitor"));
}
