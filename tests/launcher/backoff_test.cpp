// How soon a failed camera is tried again.
#include <catch2/catch.hpp>
#include <vector>

#include "supervise/backoff.h"
#include "config/preset.h"

using namespace dvr;

namespace {

constexpr std::int64_t kSecondUs = 1000000;

std::vector<unsigned> failures(Backoff &b, int n) {
  std::vector<unsigned> out;
  for (int i = 0; i < n; ++i) out.push_back(b.after_failure_ms() / 1000);
  return out;
}

}  // namespace

TEST_CASE(
    "a camera that keeps failing is retried after 1, 2, 4, 8, 16 s, then every 30 s",
    "[backoff]") {
  Backoff b(DvrSettings{}.auth_retry);
  CHECK(failures(b, 9) ==
        std::vector<unsigned>{1, 2, 4, 8, 16, 30, 30, 30, 30});
}

TEST_CASE("a minute of good recording starts the back-off over at 1 s",
          "[backoff]") {
  Backoff b(DvrSettings{}.auth_retry);
  CHECK(failures(b, 4) == std::vector<unsigned>{1, 2, 4, 8});
  b.recording_for(60 * kSecondUs);
  CHECK(failures(b, 3) == std::vector<unsigned>{1, 2, 4});
}

TEST_CASE("recording for less than a minute does not start the back-off over",
          "[backoff]") {
  Backoff b(DvrSettings{}.auth_retry);
  CHECK(failures(b, 4) == std::vector<unsigned>{1, 2, 4, 8});
  b.recording_for(59 * kSecondUs);
  CHECK(failures(b, 3) == std::vector<unsigned>{16, 30, 30});
  b.recording_for(60 * kSecondUs - 1);
  CHECK(failures(b, 1) == std::vector<unsigned>{30});
}

TEST_CASE(
    "a refused login is retried every auth-retry seconds, 300 by default, and leaves the back-off alone",
    "[backoff]") {
  Backoff b(DvrSettings{}.auth_retry);
  CHECK(b.after_refused_login_ms() == 300000);
  CHECK(failures(b, 2) == std::vector<unsigned>{1, 2});
  CHECK(b.after_refused_login_ms() == 300000);
  CHECK(b.after_refused_login_ms() == 300000);
  CHECK(failures(b, 1) == std::vector<unsigned>{4});
  CHECK(Backoff(60).after_refused_login_ms() == 60000);
}
