// When a camera that failed is tried again. Plain C++, no GLib: the camera
// (camera.cpp) asks it for each delay and tells it how long it recorded.
#pragma once

#include <cstdint>

namespace dvr {

// 1 s after the first failure, doubling up to 30 s for as long as the camera
// keeps failing, forever; back to 1 s only once the camera has recorded for a
// minute, so that a camera failing every few seconds is not hammered at the
// shortest delay. A refused login waits auth-retry seconds instead (Dahua
// cameras lock an address out after repeated failed logins) and leaves the
// doubling as it was.
class Backoff {
 public:
  static constexpr unsigned kFirstMs = 1000;
  static constexpr unsigned kMaxMs = 30000;
  static constexpr std::int64_t kGoodRecordingUs = 60 * 1000000LL;

  // auth_retry_s: the preset's auth-retry, in seconds.
  explicit Backoff(unsigned auth_retry_s) : auth_retry_s_(auth_retry_s) {}

  // The delay before the next attempt after a lost, stalled or failed one.
  unsigned after_failure_ms();
  // The delay before the next attempt after the camera refused the login.
  unsigned after_refused_login_ms() const;
  // The camera has been recording for recorded_us without a failure.
  void recording_for(std::int64_t recorded_us);

 private:
  unsigned auth_retry_s_;
  unsigned next_ms_ = kFirstMs;
};

}  // namespace dvr
