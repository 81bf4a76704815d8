// A recording's timeline follows the monotonic clock: drift is followed, steps
// are found, and footage recorded before a step keeps its real age.
#include <catch2/catch.hpp>

#include "archive.h"
#include "timeline.h"

using dvr::ClockStep;
using dvr::ClockSteps;
using dvr::Timeline;

namespace {

constexpr int64_t kSecond = 1000000;  // µs
constexpr int64_t kNs = 1000000000;   // ns in a second
constexpr int64_t kT0 = 1796000000LL * kSecond;

}  // namespace

TEST_CASE(
    "labels follow elapsed running time from the anchor, not fresh clock readings",
    "[clock]") {
  Timeline t(2 * kSecond);
  t.begin(5 * kNs, kT0);
  CHECK(t.wall_at(5 * kNs) == kT0);
  CHECK(t.wall_at(7 * kNs) == kT0 + 2 * kSecond);
  // A clock 1.5 s ahead is within the tolerance: no step, and the label moves
  // by at most a millisecond per second elapsed.
  dvr::ClockCheck c = t.observe(7 * kNs, kT0 + 2 * kSecond + 1500000);
  CHECK_FALSE(c.step);
  CHECK(c.wall_us == kT0 + 2 * kSecond + 2000);
  CHECK(t.epochs().size() == 1);
}

TEST_CASE("a clock stepped back by an hour is a step at the next observation",
          "[clock]") {
  Timeline t(2 * kSecond);
  t.begin(0, kT0);
  for (int s = 1; s <= 10; s++)
    CHECK_FALSE(t.observe(s * kNs, kT0 + s * kSecond).step);
  dvr::ClockCheck c = t.observe(11 * kNs, kT0 + 11 * kSecond - 3600 * kSecond);
  REQUIRE(c.step);
  CHECK(c.step_us == -3600 * kSecond);
  CHECK(c.wall_us == kT0 + 11 * kSecond - 3600 * kSecond);
  // Re-anchored: what follows goes on from the new clock.
  CHECK(t.wall_at(12 * kNs) == kT0 + 12 * kSecond - 3600 * kSecond);
  // What began before the step keeps its labels.
  CHECK(t.wall_at(10 * kNs) == kT0 + 10 * kSecond);
  int64_t steps = 0;
  CHECK(t.began_between(10 * kNs, 12 * kNs, &steps));
  CHECK(steps == -3600 * kSecond);
  CHECK_FALSE(t.began_between(11 * kNs, 12 * kNs));
}

TEST_CASE(
    "a step forward by a day, and a step just beyond the tolerance, are steps",
    "[clock]") {
  Timeline t(2 * kSecond);
  t.begin(0, kT0);
  dvr::ClockCheck c = t.observe(2 * kNs, kT0 + 2 * kSecond + 86400 * kSecond);
  CHECK(c.step);
  CHECK(c.step_us == 86400 * kSecond);
  c = t.observe(4 * kNs, t.wall_at(4 * kNs) + 2 * kSecond + 1);
  CHECK(c.step);
  c = t.observe(6 * kNs, t.wall_at(6 * kNs) - 2 * kSecond);
  CHECK_FALSE(c.step);
}

TEST_CASE(
    "500 ppm of drift for two hours is followed without a step, and labels never jump",
    "[clock]") {
  Timeline t(2 * kSecond);
  t.begin(0, kT0);
  int64_t previous = t.wall_at(0);
  // Observed every 2 s: the clock runs 500 ppm fast (3.6 s in two hours).
  for (int64_t s = 2; s <= 7200; s += 2) {
    const int64_t clock = kT0 + s * kSecond + s * kSecond * 500 / 1000000;
    dvr::ClockCheck c = t.observe(s * kNs, clock);
    REQUIRE_FALSE(c.step);
    const int64_t label = t.wall_at(s * kNs);
    // Two seconds of footage advance the label by 2 s, give or take 0.1 %.
    CHECK(label - previous >= 2 * kSecond - 2000);
    CHECK(label - previous <= 2 * kSecond + 2000);
    previous = label;
    // The timeline stays close to the clock.
    CHECK(clock - label < 50000);
  }
  CHECK(t.epochs().size() == 1);
}

TEST_CASE("a stream discontinuity begins an epoch that is not a clock step",
          "[clock]") {
  Timeline t(2 * kSecond);
  t.begin(0, kT0);
  t.begin(4 * kNs, kT0 + 30 * kSecond);
  int64_t steps = 7;
  CHECK(t.began_between(2 * kNs, 4 * kNs, &steps));
  CHECK(steps == 0);
  CHECK(t.wall_at(3 * kNs) == kT0 + 3 * kSecond);
  CHECK(t.wall_at(5 * kNs) == kT0 + 31 * kSecond);
}

TEST_CASE("footage labelled before a forward step reads on the clock after it",
          "[clock]") {
  ClockSteps steps;
  steps.open_step(86400 * kSecond);
  // Open: every segment, those still being written included, is before it.
  CHECK(steps.offset_for(41) == 86400 * kSecond);
  CHECK(steps.offset_for(1000) == 86400 * kSecond);
  std::vector<ClockStep> closed = steps.close(42);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].first_sequence == 42);
  CHECK(steps.offset_for(41) == 86400 * kSecond);
  CHECK(steps.offset_for(42) == 0);
  steps.open_step(-3600 * kSecond);
  steps.close(50);
  CHECK(steps.offset_for(10) == 86400 * kSecond - 3600 * kSecond);
  CHECK(steps.offset_for(45) == -3600 * kSecond);
  CHECK(steps.offset_for(50) == 0);
}

TEST_CASE("clock steps survive a restart through their file's text",
          "[clock]") {
  ClockSteps steps;
  steps.add(ClockStep{42, 86400 * kSecond});
  steps.add(ClockStep{50, -3600 * kSecond});
  steps.open_step(5 * kSecond);  // its first segment not written yet
  ClockSteps read =
      ClockSteps::parse(steps.text() + "garbage\n7\nopen\nopen 3 4\n");
  REQUIRE(read.steps().size() == 3);
  CHECK(read.has_open());
  CHECK(read.offset_for(10) == 82805 * kSecond);
  read.close(60);
  CHECK(read.offset_for(59) == 5 * kSecond);
  CHECK(read.offset_for(60) == 0);
  read.forget_before(42);
  REQUIRE(read.steps().size() == 2);
  CHECK(read.steps()[0].first_sequence == 50);
}

TEST_CASE(
    "a clock before the build or before the newest footage is not plausible",
    "[clock]") {
  const int64_t built = dvr::build_time_us();
  CHECK(dvr::clock_trusted_from(0, built, INT64_MIN, 2 * kSecond) == built);
  CHECK(dvr::clock_trusted_from(built - kSecond, built, INT64_MIN,
                                2 * kSecond) == built);
  const int64_t now = dvr::build_time_us() + 86400 * kSecond;
  CHECK(dvr::clock_trusted_from(now, built, INT64_MIN, 2 * kSecond) ==
        INT64_MIN);
  CHECK(dvr::clock_trusted_from(now, built, now + kSecond, 2 * kSecond) ==
        INT64_MIN);
  CHECK(dvr::clock_trusted_from(now, built, now + 3600 * kSecond,
                                2 * kSecond) == now + 3598 * kSecond);
  // A 1970 clock with 1970 footage: the build's date decides.
  CHECK(dvr::clock_trusted_from(kSecond * 100, built, kSecond * 50,
                                2 * kSecond) == built);
}

namespace {

dvr::Segment labelled(uint64_t sequence, int64_t start_s) {
  dvr::Segment s;
  s.sequence = sequence;
  s.start_us = kT0 + start_s * kSecond;
  s.duration_us = 2 * kSecond;
  return s;
}

}  // namespace

TEST_CASE(
    "a time recorded twice, after a clock step back, is taken from the later run",
    "[clock]") {
  // Run one labelled 0 to 12 s; the clock stepped back 6 s; run two 6 to 14 s.
  const std::deque<dvr::Segment> recorded = {
      labelled(0, 0),  labelled(1, 2),  labelled(2, 4), labelled(3, 6),
      labelled(4, 8),  labelled(5, 10), labelled(6, 6), labelled(7, 8),
      labelled(8, 10), labelled(9, 12)};
  const std::deque<dvr::Segment> kept =
      dvr::latest_run_per_label(recorded, kSecond);
  std::vector<uint64_t> sequences;
  for (const dvr::Segment &s : kept) sequences.push_back(s.sequence);
  CHECK(sequences == std::vector<uint64_t>{0, 1, 2, 6, 7, 8, 9});
  // Without a step, everything in order.
  const std::deque<dvr::Segment> plain = {labelled(0, 0), labelled(1, 2),
                                          labelled(2, 30)};
  CHECK(dvr::latest_run_per_label(plain, kSecond).size() == 3);
}

TEST_CASE("a break is marked where numbers skip or labels jump", "[clock]") {
  std::deque<dvr::Segment> s = {labelled(0, 0), labelled(1, 2), labelled(3, 4),
                                labelled(4, 0), labelled(5, 2)};
  CHECK(dvr::has_unmarked_break(s, kSecond));
  dvr::mark_breaks(s, kSecond);
  CHECK_FALSE(s[1].discontinuity);
  CHECK(s[2].discontinuity);
  CHECK(s[3].discontinuity);
  CHECK_FALSE(s[4].discontinuity);
  // Once marked, or where there is none, nothing is left to mark.
  CHECK_FALSE(dvr::has_unmarked_break(s, kSecond));
  const std::deque<dvr::Segment> in_order = {labelled(0, 0), labelled(1, 2),
                                             labelled(2, 4)};
  CHECK_FALSE(dvr::has_unmarked_break(in_order, kSecond));
  // A label jump alone is one.
  const std::deque<dvr::Segment> jump = {labelled(0, 0), labelled(1, 9)};
  CHECK(dvr::has_unmarked_break(jump, kSecond));
}

TEST_CASE(
    "the timeline's spans cover the footage of both runs after a clock step back",
    "[clock]") {
  // Run one 0 to 12 s, then the clock stepped back 100 s: run two -88 to -80 s.
  const std::deque<dvr::Segment> hour = {
      labelled(0, 0),   labelled(1, 2),  labelled(2, 4),   labelled(3, 6),
      labelled(4, 8),   labelled(5, 10), labelled(6, -88), labelled(7, -86),
      labelled(8, -84), labelled(9, -82)};
  const dvr::HourSummary summary =
      dvr::summarize_hour(dvr::hour_start_us(kT0), hour);
  const std::vector<dvr::Span> spans = dvr::merge_spans(summary.spans, 0);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].start_us == kT0 - 88 * kSecond);
  CHECK(spans[0].end_us == kT0 - 80 * kSecond);
  CHECK(spans[1].start_us == kT0);
  CHECK(spans[1].end_us == kT0 + 12 * kSecond);
}
