#include "supervise/backoff.h"

#include <algorithm>

namespace dvr {

unsigned Backoff::after_failure_ms() {
  const unsigned delay = next_ms_;
  next_ms_ = std::min(next_ms_ * 2, kMaxMs);
  return delay;
}

unsigned Backoff::after_refused_login_ms() const {
  return auth_retry_s_ * 1000;
}

void Backoff::recording_for(std::int64_t recorded_us) {
  if (recorded_us >= kGoodRecordingUs) next_ms_ = kFirstMs;
}

}  // namespace dvr
