// The TS reader's timeline: 33-bit PES timestamps unwrapped onto one rising
// line, resets carried on from the last frame.
#include <catch2/catch.hpp>

#include <cstdint>

#include "ts_timeline.h"

namespace {
constexpr int64_t kWrap = int64_t{1} << 33;
constexpr int64_t kFrame = 3000;  // 30 fps at 90 kHz
}  // namespace

TEST_CASE(
    "the difference of two 33-bit timestamps goes the short way round the "
    "wrap") {
  CHECK(dvr::ts_timestamp_difference(100, 40) == 60);
  CHECK(dvr::ts_timestamp_difference(40, 100) == -60);
  CHECK(dvr::ts_timestamp_difference(10, kWrap - 10) == 20);
  CHECK(dvr::ts_timestamp_difference(kWrap - 10, 10) == -20);
}

TEST_CASE(
    "timestamps start at zero from the first unit and rise through the 33-bit "
    "wrap") {
  dvr::TsTimeline timeline;
  dvr::TsTimeline::Stamp st;
  int64_t raw = kWrap - 5 * kFrame;
  REQUIRE(timeline.stamp(raw, raw + kFrame, &st));
  CHECK(st.dts == 0);
  CHECK(st.pts == kFrame);
  for (int i = 1; i <= 10; i++) {
    raw = (raw + kFrame) % kWrap;
    REQUIRE(timeline.stamp(raw, (raw + kFrame) % kWrap, &st));
    CHECK(st.dts == i * kFrame);
    CHECK(st.pts == (i + 1) * kFrame);
    CHECK_FALSE(st.reset);
  }
  CHECK(st.duration == kFrame);
}

TEST_CASE(
    "a unit without a DTS takes its PTS; one without either goes a frame after "
    "the last") {
  dvr::TsTimeline timeline;
  dvr::TsTimeline::Stamp st;
  CHECK_FALSE(timeline.stamp(-1, -1, &st));  // nothing to start from
  REQUIRE(timeline.stamp(-1, 90000, &st));
  CHECK(st.dts == 0);
  REQUIRE(timeline.stamp(-1, 90000 + kFrame, &st));
  CHECK(st.dts == kFrame);
  REQUIRE(timeline.stamp(-1, -1, &st));
  CHECK(st.dts == 2 * kFrame);
  CHECK(st.pts == 2 * kFrame);
}

TEST_CASE(
    "timestamps that go back or leap far ahead start a new timeline one frame "
    "on, marked") {
  for (int64_t jump : {int64_t{-90000}, int64_t{-91}, int64_t{90000} * 601}) {
    dvr::TsTimeline timeline;
    dvr::TsTimeline::Stamp st;
    const int64_t first = 1000000;
    for (int i = 0; i < 5; i++)
      REQUIRE(timeline.stamp(first + i * kFrame, first + i * kFrame, &st));
    const int64_t raw = first + 4 * kFrame + jump;
    REQUIRE(timeline.stamp(raw, raw, &st));
    CHECK(st.reset);
    CHECK(st.jump == jump);
    CHECK(st.dts == 5 * kFrame);
    REQUIRE(timeline.stamp(raw + kFrame, raw + kFrame, &st));
    CHECK_FALSE(st.reset);
    CHECK(st.dts == 6 * kFrame);
  }
  // Back by no more than a millisecond is jitter, not a reset.
  dvr::TsTimeline timeline;
  dvr::TsTimeline::Stamp st;
  REQUIRE(timeline.stamp(1000000, 1000000, &st));
  REQUIRE(timeline.stamp(1000000 - 90, 1000000 - 90, &st));
  CHECK_FALSE(st.reset);
}

TEST_CASE(
    "a forward gap short of ten minutes passes through for the index to judge, "
    "and is no frame") {
  dvr::TsTimeline timeline;
  dvr::TsTimeline::Stamp st;
  REQUIRE(timeline.stamp(0, 0, &st));
  REQUIRE(timeline.stamp(kFrame, kFrame, &st));
  REQUIRE(timeline.stamp(kFrame + 90000 * 5, kFrame + 90000 * 5, &st));
  CHECK_FALSE(st.reset);
  CHECK(st.dts == kFrame + 90000 * 5);
  CHECK(st.duration == kFrame);  // five seconds is a gap, not a frame duration
  // A B-frame's PTS before its DTS is held at the DTS.
  REQUIRE(timeline.stamp(kFrame * 2 + 90000 * 5, kFrame + 90000 * 5, &st));
  CHECK(st.pts == st.dts);
}
