// The archive's plain parts: hour folders, spans and the summary file.
#include <catch2/catch.hpp>

#include "archive.h"
#include "segment.h"

using dvr::Span;

namespace {
constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1700000000LL * kSecond;  // 2023-11-14 22:13:20 UTC
}  // namespace

TEST_CASE("a segment's folder is its UTC day and hour", "[archive]") {
  CHECK(dvr::hour_folder(kT0) == "2023-11-14/22");
  CHECK(dvr::dated_segment_path(42, kT0) == "2023-11-14/22/seg-0000000042.ts");
  int64_t hour = 0;
  REQUIRE(dvr::parse_hour_folder("2023-11-14/22", &hour));
  CHECK(hour == dvr::hour_start_us(kT0));
  CHECK(hour == kT0 - 800 * kSecond);
  CHECK_FALSE(dvr::parse_hour_folder("2023-02-31/22", &hour));
  CHECK_FALSE(dvr::parse_hour_folder("2023-11-14/24", &hour));
  CHECK_FALSE(dvr::parse_hour_folder("../../etc/xx", &hour));
  uint64_t seq = 0;
  CHECK(dvr::parse_segment_path("2023-11-14/22/seg-0000000042.ts", &seq));
  CHECK(seq == 42);
  CHECK(dvr::parse_segment_path("seg-0000000007.ts", &seq));
  CHECK(seq == 7);
  CHECK_FALSE(dvr::is_segment_path("2023-11-14/22/../seg-0000000042.ts"));
  CHECK_FALSE(dvr::is_segment_path("/etc/seg-0000000042.ts"));
}

TEST_CASE("spans join segments that follow each other and break at holes",
          "[archive]") {
  std::vector<Span> spans;
  dvr::extend_spans(&spans, 0, 2 * kSecond);
  dvr::extend_spans(&spans, 2 * kSecond + 100000, 4 * kSecond);  // jitter
  dvr::extend_spans(&spans, 60 * kSecond, 62 * kSecond);         // a hole
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].end_us == 4 * kSecond);
  // At a minute's resolution the hole is too small to draw.
  CHECK(dvr::merge_spans(spans, 60 * kSecond).size() == 1);
  CHECK(dvr::merge_spans(spans, kSecond).size() == 2);
  const auto clipped = dvr::clip_spans(spans, kSecond, 61 * kSecond);
  REQUIRE(clipped.size() == 2);
  CHECK(clipped[0].start_us == kSecond);
  CHECK(clipped[1].end_us == 61 * kSecond);
}

TEST_CASE(
    "the archive summary reads back what was written and drops a damaged line",
    "[archive]") {
  std::map<int64_t, dvr::HourSummary> hours;
  for (int h = 0; h < 3; h++) {
    dvr::HourSummary s;
    s.hour_start_us = dvr::hour_start_us(kT0) + h * dvr::kHourUs;
    s.first_sequence = static_cast<uint64_t>(h) * 1800;
    s.last_sequence = s.first_sequence + 1799;
    s.count = 1800;
    s.bytes = 1800ull * 500000;
    s.spans = {
        {s.hour_start_us, s.hour_start_us + 1000 * kSecond},
        {s.hour_start_us + 1100 * kSecond, s.hour_start_us + dvr::kHourUs}};
    hours[s.hour_start_us] = s;
  }
  const std::string text = dvr::archive_summary_text(hours);
  const auto back = dvr::parse_archive_summary(text);
  REQUIRE(back.size() == 3);
  CHECK(back.begin()->second.spans.size() == 2);
  CHECK(back.rbegin()->second.last_sequence == 3 * 1800 - 1);
  std::string damaged = text;
  damaged[damaged.find("\nh ") + 5] ^= 1;
  CHECK(dvr::parse_archive_summary(damaged).size() == 2);
  CHECK(dvr::parse_archive_summary("not a summary\n" +
                                   text.substr(text.find('\n') + 1))
            .empty());
}

TEST_CASE(
    "every hour folder name reads back as the hour it names, leap days included",
    "[archive]") {
  for (int64_t hour = 0; hour < 80LL * 366 * 24; hour += 7) {
    const int64_t start = hour * dvr::kHourUs;
    int64_t back = -1;
    REQUIRE(dvr::parse_hour_folder(dvr::hour_folder(start), &back));
    REQUIRE(back == start);
  }
  CHECK(dvr::parse_hour_folder("2024-02-29/00", nullptr));
  CHECK_FALSE(dvr::parse_hour_folder("2023-02-29/00", nullptr));
  CHECK_FALSE(dvr::parse_hour_folder("2100-02-29/00", nullptr));
  CHECK(dvr::parse_hour_folder("2000-02-29/00", nullptr));
  CHECK_FALSE(dvr::parse_hour_folder("2024-04-31/00", nullptr));
}
